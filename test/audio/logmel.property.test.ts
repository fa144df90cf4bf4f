/**
 * @file Laws of the front-end's building blocks, checked against plain loops: framing with reflect
 * padding reads what torch's `pad(mode="reflect")` + `unfold` would, the DSL power spectrum is a naive
 * DFT, leading axes are batch axes, and standardisation gives zero mean and unit unbiased variance.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constant, realize, type Tensor } from "../../src";
import { frameIndices, frames, logMel, logMelDefaults, powerSpectrum, standardize, type LogMelConfig } from "../../src/audio";
import { maxAbsDiff } from "../support/golden";
import { checkGradient } from "../../src/testing";

/** A small configuration: 16-point DFT, hop 4, 4 mels; the same code paths as the default. */
const small: LogMelConfig<4> = {
  sampleRate: 16000,
  nFft: 16,
  winLength: 16,
  hopLength: 4,
  nMels: 4,
  fMin: 0,
  fMax: 8000,
  logEps: 2 ** -23,
};

/** torch.nn.functional.pad(x, (p, p), mode="reflect") at position i of the padded signal. */
const reflectAt = (n: number, p: number, i: number): number => {
  const t = i - p;
  return t < 0 ? -t : t >= n ? 2 * (n - 1) - t : t;
};

const signal = (n: number, seed: number): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => Math.sin(0.37 * i * (1 + (seed % 7))) + 0.1 * Math.cos(1.3 * i));

describe("frameIndices", () => {
  it("reads the reflect-padded signal at frame·hop + tap, with 1 + ⌊n/hop⌋ frames", async () => {
    const prop = fc.asyncProperty(fc.integer({ min: 9, max: 80 }), fc.constantFrom(1, 2, 4, 5), async (n, hop) => {
      const cfg = { ...small, hopLength: hop };
      const idx = await realize(frameIndices(n, cfg));
      const count = 1 + Math.floor(n / hop);
      expect(idx.shape).toEqual([count, 16]);
      for (let f = 0; f < count; f++) for (let k = 0; k < 16; k++) expect(idx.data[f * 16 + k]).toBe(reflectAt(n, 8, f * hop + k));
    });
    await fc.assert(prop, { numRuns: 40 });
  });

  it("refuses clips too short to reflect-pad by nFft/2", () => {
    expect(() => frameIndices(8, small)).toThrow(/8 samples is too short to reflect-pad by 8/);
    expect(() => logMel(constant(new Float64Array(200), [200] as const))).toThrow(/needs at least 201/);
  });
});

describe("powerSpectrum", () => {
  it("is |DFT(window · frame)|² over nFft/2 + 1 bins (float64 against a naive DFT)", async () => {
    const x = signal(64, 3);
    const ours = await realize(powerSpectrum(frames(constant(x, [64] as const), small), small), { precision: "f64" });
    const n = 64;
    const count = 1 + n / 4;
    expect(ours.shape).toEqual([count, 9]);
    const expected: number[] = [];
    for (let f = 0; f < count; f++) {
      for (let b = 0; b <= 8; b++) {
        let re = 0;
        let im = 0;
        for (let k = 0; k < 16; k++) {
          const v = x[reflectAt(n, 8, f * 4 + k)]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * k) / 16));
          re += v * Math.cos((2 * Math.PI * k * b) / 16);
          im -= v * Math.sin((2 * Math.PI * k * b) / 16);
        }
        expected.push(re * re + im * im);
      }
    }
    expect(maxAbsDiff(ours.data, expected)).toBeLessThan(1e-12);
  });
});

describe("logMel", () => {
  it("treats leading axes as batch axes: a batch of two clips equals each clip alone", async () => {
    const a = signal(50, 1);
    const b = signal(50, 2);
    const batch = await realize(logMel(constant([...a, ...b], [2, 50] as const), small));
    const one = await realize(logMel(constant(a, [50] as const), small));
    const two = await realize(logMel(constant(b, [50] as const), small));
    expect(batch.shape).toEqual([2, 13, 4]);
    expect(Array.from(batch.data)).toEqual([...one.data, ...two.data]);
  });

  it("is differentiable with respect to the signal: the VJP passes the float64 dot-product test", () => {
    const x = Float64Array.from(signal(40, 5), (v) => v + 0.5); // away from silence: log stays smooth
    for (const seed of [1, 2, 3]) checkGradient((s) => standardize(logMel(s, small)), [{ shape: [40] as const, data: x }], { seed });
  });

  it("has the static type [frames: number, 80] for a 16 kHz clip by default", () => {
    const lm: Tensor<readonly [number, 80]> = logMel(constant(new Float64Array(480), [480] as const));
    expect(lm.shape).toEqual([4, logMelDefaults.nMels]);
  });
});

describe("standardize", () => {
  it("gives each clip zero mean and unit unbiased variance", async () => {
    const x = constant(
      Float64Array.from({ length: 2 * 30 * 5 }, (_, i) => Math.sin(i) * (i < 150 ? 3 : 0.5) + (i < 150 ? 7 : -2)),
      [2, 30, 5] as const,
    );
    const z = await realize(standardize(x), { precision: "f64" });
    const values = Array.from(z.data);
    for (const half of [values.slice(0, 150), values.slice(150)]) {
      const mu = half.reduce((s, v) => s + v, 0) / 150;
      const v = half.reduce((s, q) => s + (q - mu) ** 2, 0) / 149;
      expect(Math.abs(mu)).toBeLessThan(1e-12);
      expect(Math.abs(v - 1)).toBeLessThan(1e-7); // std + 1e-8 in the denominator: 1 − 2e-8 relative
    }
  });
});
