/**
 * @file Samplers. Each one draws words with `bits` on the host, turns them into values in float64,
 * rounds them to float32 and returns a `constant` node: the numbers are fixed when the graph is built,
 * so every backend computes with the same bits. The flip side is that keys are static at trace time:
 * a traced training step built with `dropout(k, …)` reuses that one mask on every call. To vary
 * randomness per step, sample outside the step (with `fold(key, step)`) and feed the values, or the
 * mask, as graph inputs.
 *
 * Uniforms follow JAX's construction (23 random mantissa bits under the exponent of 1.0, minus 1);
 * normals use the inverse CDF, √2·erf⁻¹(u) with u uniform on the open interval (−1, 1), as JAX does,
 * rather than Box–Muller, so one word gives one sample and truncation is the same formula.
 */

import { constant, div, erfScalar, sameShapeAs, select, zeros, type Tensor } from "../ir/index.js";
import { size, type Shape } from "../shape/index.js";
import { bits, split, type Key } from "./key.js";
import { erfinv, floatFromBits, nextAfterF32 } from "./special.js";

/** Bit pattern of 1.0f: a random mantissa under it is uniform on [1, 2). */
const oneF32Bits = 0x3f800000;

/** `n` float32 values uniform on [min, max), computed as JAX's `random.uniform` does in float32. */
const uniformValues = (k: Key, n: number, min: number, max: number): Float64Array => {
  const lo = Math.fround(min);
  const width = Math.fround(Math.fround(max) - lo);
  const words = bits(k, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const unit = floatFromBits((words[i]! >>> 9) | oneF32Bits) - 1; // exact: 23 bits below 1
    out[i] = Math.max(lo, Math.fround(Math.fround(unit * width) + lo));
  }
  return out;
};

const checkShape = (op: string, shape: Shape): number => {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new RangeError(`${op}: bad shape [${shape.join(", ")}]`);
  return size(shape);
};

/**
 * Uniform samples on [min, max) (default [0, 1)), f32.
 * @example
 * const noise = uniform(key(0), [8, 250] as const); // Tensor<readonly [8, 250]>
 */
export const uniform = <const S extends Shape>(
  k: Key,
  shape: S,
  range: { readonly min?: number; readonly max?: number } = {},
): Tensor<S> => {
  const min = range.min ?? 0;
  const max = range.max ?? 1;
  if (!(min < max)) throw new RangeError(`uniform: needs min < max, got [${min}, ${max})`);
  return constant(uniformValues(k, checkShape("uniform", shape), min, max), shape);
};

/** √2·erf⁻¹(u) for each u, rounded to float32. */
const inverseNormalCdf = (u: Float64Array): Float64Array => u.map((v) => Math.fround(Math.SQRT2 * erfinv(v)));

/**
 * Standard normal samples, f32, by the inverse CDF (see the file comment).
 * @example
 * const w = mul(normal(key(1), [384, 64] as const), 0.02);
 */
export const normal = <const S extends Shape>(k: Key, shape: S): Tensor<S> => {
  const n = checkShape("normal", shape);
  // The open interval keeps erf⁻¹ finite: −1 itself would map to −∞.
  return constant(inverseNormalCdf(uniformValues(k, n, nextAfterF32(-1, 1), 1)), shape);
};

/**
 * Standard normal samples conditioned on [lower, upper], f32, as `jax.random.truncated_normal`: a
 * uniform between erf(lower/√2) and erf(upper/√2) through the inverse CDF, then clipped to the open
 * interval so rounding never lands on a bound.
 * @example
 * const w = truncatedNormal(key(2), [512, 512] as const, -2, 2);
 */
export const truncatedNormal = <const S extends Shape>(k: Key, shape: S, lower: number, upper: number): Tensor<S> => {
  if (!(lower < upper)) throw new RangeError(`truncatedNormal: needs lower < upper, got [${lower}, ${upper}]`);
  const n = checkShape("truncatedNormal", shape);
  const a = erfScalar(lower / Math.SQRT2);
  const b = erfScalar(upper / Math.SQRT2);
  const lo = nextAfterF32(lower, Infinity);
  const hi = nextAfterF32(upper, -Infinity);
  const values = inverseNormalCdf(uniformValues(k, n, a, b)).map((v) => Math.min(hi, Math.max(lo, v)));
  return constant(values, shape);
};

/**
 * True with probability `p`, independently per element (bool tensor).
 * @example
 * const keep = bernoulli(key(3), 0.9, [4, 16] as const);
 */
export const bernoulli = <const S extends Shape>(k: Key, p: number, shape: S): Tensor<S> => {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: p must be in [0, 1], got ${p}`);
  const u = uniformValues(k, checkShape("bernoulli", shape), 0, 1);
  return constant(
    u.map((v) => (v < p ? 1 : 0)),
    shape,
    "bool",
  );
};

/**
 * A uniformly random permutation of `0 … n−1` (i32), as `jax.random.permutation(key, n)`: sort by
 * random 32-bit keys, repeated for ⌈3·ln n / ln(2³² − 1)⌉ rounds with fresh subkeys so that the bias
 * from tied sort keys stays negligible (one round up to n ≈ 1600, two up to about 2.6 million).
 * @example
 * const order = permutation(key(4), 250);
 */
export const permutation = <N extends number>(k: Key, n: N): Tensor<readonly [N]> => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`);
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(2 ** 32 - 1));
  let order = Array.from({ length: n }, (_, i) => i);
  let current = k;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = split(current) as [Key, Key];
    current = next;
    const sortKeys = bits(sub, n);
    // Stable on ties: positions with equal sort keys keep their order.
    const by = Array.from({ length: n }, (_, i) => i).sort((i, j) => sortKeys[i]! - sortKeys[j]! || i - j);
    const prev = order;
    order = by.map((i) => prev[i]!);
  }
  return constant(order, [n] as const, "i32");
};

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the survivors by
 * 1/(1 − rate), so the expectation is unchanged. Rate 0 returns `x` itself; rate 1 gives zeros. The
 * mask is a constant fixed by `k` (see the file comment on keys at trace time).
 * @example
 * const h = dropout(fold(k, layer), 0.1, x);
 */
export const dropout = <S extends Shape>(k: Key, rate: number, x: Tensor<S>): Tensor<S> => {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`dropout: rate must be in [0, 1], got ${rate}`);
  if (rate === 0) return x;
  const v: Tensor = x;
  if (rate === 1) return sameShapeAs(x)(zeros(v.shape, v.dtype));
  const keep = bernoulli(k, 1 - rate, v.shape);
  return sameShapeAs(x)(select(keep, div(v, 1 - rate), 0));
};
