/**
 * @file Host-side numerics the samplers need: the inverse error function and float32 rounding helpers.
 * Samples are computed in float64 and rounded to float32 once, so the constants they become are
 * exactly representable and every backend sees the same bits.
 */

import { erfScalar } from "../ir/index.js";

const twoOverSqrtPi = 2 / Math.sqrt(Math.PI);

/**
 * erf⁻¹(y) for y in (−1, 1), to about 1e-15 relative in float64: Winitzki's closed-form estimate
 * (relative error below 2e-3) polished by Halley steps on `erf(x) − y`. Halley converges cubically,
 * so two steps reach float64 precision; a third only runs for |y| within 1e-9 of 1. Returns ±Infinity
 * at ±1 and NaN outside [−1, 1].
 */
export const erfinv = (y: number): number => {
  if (Number.isNaN(y) || y < -1 || y > 1) return Number.NaN;
  if (y === 1 || y === -1) return y * Infinity;
  if (y === 0) return y; // keeps the sign of −0
  // Winitzki: erf x ≈ sgn x · √(1 − exp(−x²(4/π + a x²)/(1 + a x²))), a = 0.147, solved for x.
  const a = 0.147;
  const l = Math.log((1 - y) * (1 + y));
  const t = 2 / (Math.PI * a) + l / 2;
  let x = Math.sign(y) * Math.sqrt(Math.sqrt(t * t - l / a) - t);
  for (let i = 0; i < 3; i++) {
    // f = erf x − y, f' = 2/√π·e^(−x²) > 0, f'' = −2x·f'; Halley: x −= (f/f') / (1 − f·f''/(2f'²)).
    const newton = (erfScalar(x) - y) / (twoOverSqrtPi * Math.exp(-x * x));
    const step = newton / (1 + x * newton);
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.abs(x)) break;
  }
  return x;
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 with bit pattern `word` (a reinterpretation, like `lax.bitcast_convert_type`). */
export const floatFromBits = (word: number): number => {
  u32[0] = word;
  return f32[0]!;
};

/** The next float32 after `x` towards `toward` (C's `nextafterf`); `x` is rounded to float32 first. */
export const nextAfterF32 = (x: number, toward: number): number => {
  const v = Math.fround(x);
  if (Number.isNaN(v) || Number.isNaN(toward)) return Number.NaN;
  if (v === toward) return v;
  if (v === 0) return toward > 0 ? floatFromBits(1) : -floatFromBits(1);
  f32[0] = v;
  // Away from zero is one more in the bit pattern's magnitude, towards zero one less.
  u32[0] = u32[0]! + (toward > v === v > 0 ? 1 : -1);
  return f32[0]!;
};
