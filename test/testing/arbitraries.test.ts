/**
 * @file The kit's arbitraries produce what they promise: shapes within their bounds, pairs that
 * broadcast and multiply (and reach the interesting cases: ranks that differ, stretched 1s, batch
 * dims), tensors of the asked dtype and range with special values only on request, and valid MW-MAE
 * configs of both kinds.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { broadcastShapes, configProblems, geometry, matMulShape, size } from "../../src";
import {
  broadcastPairArb,
  configOf,
  domains,
  matmulPairArb,
  mwmaeConfigArb,
  pool,
  seededValues,
  shapeArb,
  smallModelArb,
  specialValues,
  takeValues,
  tensorArb,
} from "../../src/testing";

const sample = <T>(arb: fc.Arbitrary<T>, n = 300): T[] => fc.sample(arb, { numRuns: n, seed: 7 });

describe("shapeArb", () => {
  it("keeps rank and dims within the bounds and reaches both ends", () => {
    const shapes = sample(shapeArb({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 5 }));
    for (const s of shapes) {
      expect(s.length).toBeGreaterThanOrEqual(1);
      expect(s.length).toBeLessThanOrEqual(3);
      for (const d of s) expect(d >= 2 && d <= 5).toBe(true);
    }
    expect(new Set(shapes.map((s) => s.length))).toEqual(new Set([1, 2, 3]));
    expect(shapes.some((s) => s.includes(2)) && shapes.some((s) => s.includes(5))).toBe(true);
  });

  it("refuses bounds that cannot be met", () => {
    expect(() => shapeArb({ minRank: 3, maxRank: 2 })).toThrow(/shapeArb rank: bounds \[3, 2\]/);
  });
});

describe("broadcastPairArb", () => {
  it("draws pairs that broadcast, with differing ranks and stretched 1s among them", () => {
    const pairs = sample(broadcastPairArb({ maxRank: 3 }));
    for (const [a, b] of pairs) expect(() => broadcastShapes("test", a, b)).not.toThrow();
    expect(pairs.some(([a, b]) => a.length !== b.length)).toBe(true);
    // A 1 on one side facing a dim above 1 on the other: the case broadcasting exists for.
    const stretched = pairs.some(([a, b]) => {
      const r = Math.min(a.length, b.length);
      return Array.from({ length: r }, (_, i) => [a[a.length - 1 - i]!, b[b.length - 1 - i]!]).some(([x, y]) => (x === 1) !== (y === 1));
    });
    expect(stretched).toBe(true);
  });
});

describe("matmulPairArb", () => {
  it("draws operands matmul accepts, with broadcast batch dims among them", () => {
    const pairs = sample(matmulPairArb());
    for (const [a, b] of pairs) {
      const out = matMulShape(a, b);
      expect(out.slice(-2)).toEqual([a[a.length - 2], b[b.length - 1]]);
    }
    expect(pairs.some(([a, b]) => a.length !== b.length)).toBe(true);
    expect(pairs.some(([a, b]) => a.length > 2 && b.length > 2)).toBe(true);
  });
});

describe("tensorArb", () => {
  it("draws f32 values in the range, float32-representable, without NaN, ±Inf, −0 or subnormals by default", () => {
    const ts = sample(tensorArb({ shape: [3, 4], min: -0.3, max: 2.5 }), 200);
    for (const t of ts) {
      expect(t.shape).toEqual([3, 4]);
      expect(t.dtype).toBe("f32");
      expect(t.data).toBeInstanceOf(Float32Array);
      for (const v of t.data) {
        expect(v >= -0.3 && v <= 2.5, `${v}`).toBe(true);
        expect(Object.is(v, -0)).toBe(false);
        expect(v === 0 || Math.abs(v) >= 2 ** -126).toBe(true);
      }
    }
    const all = ts.flatMap((t) => Array.from(t.data));
    expect(Math.min(...all)).toBeLessThan(0);
    expect(Math.max(...all)).toBeGreaterThan(1);
  });

  it("mixes in every special value when asked, and only the ones asked for", () => {
    const seen = (vals: number[]) => ({
      nan: vals.some(Number.isNaN),
      inf: vals.includes(Number.POSITIVE_INFINITY),
      "-inf": vals.includes(Number.NEGATIVE_INFINITY),
      "-0": vals.some((v) => Object.is(v, -0)),
      subnormal: vals.some((v) => v !== 0 && Math.abs(v) < 2 ** -126),
    });
    const all = sample(tensorArb({ shape: [8], special: true }), 200).flatMap((t) => Array.from(t.data));
    expect(seen(all)).toEqual(Object.fromEntries(specialValues.map((s) => [s, true])));
    const some = sample(tensorArb({ shape: [8], special: ["nan", "-0"] }), 200).flatMap((t) => Array.from(t.data));
    expect(seen(some)).toEqual({ nan: true, inf: false, "-inf": false, "-0": true, subnormal: false });
  });

  it("draws i32 and bool tensors, and drawn shapes with values from an independent pool", () => {
    for (const t of sample(tensorArb({ shape: [5], dtype: "i32", min: -2.5, max: 3 }), 100)) {
      expect(t.data).toBeInstanceOf(Int32Array);
      for (const v of t.data) expect(v >= -2 && v <= 3).toBe(true);
    }
    for (const t of sample(tensorArb({ shape: [5], dtype: "bool" }), 50)) for (const v of t.data) expect([0, 1]).toContain(v);
    for (const t of sample(tensorArb({ shape: shapeArb({ maxRank: 3 }), poolSize: 16 }), 100)) {
      expect(t.data.length).toBe(size(t.shape));
      t.data.forEach((v, i) => expect(v).toBe(t.data[i % 16])); // past the pool, values repeat
    }
  });

  it("refuses special values for integer tensors and an empty range", () => {
    expect(() => tensorArb({ shape: [2], dtype: "i32", special: true })).toThrow(/special values need dtype f32, got i32/);
    expect(() => tensorArb({ shape: [2], dtype: "i32", min: 0.2, max: 0.8 })).toThrow(/no i32 value in \[0.2, 0.8\]/);
  });
});

describe("pool, takeValues and seededValues", () => {
  it("slice the pool in turn and map it through the domain", () => {
    fc.assert(
      fc.property(pool, (raw) => {
        const [a, b] = takeValues(raw, [[2], [3]], domains.positive);
        expect([...a!, ...b!]).toEqual(raw.slice(0, 5).map((u) => 1.25 + 0.75 * u));
      }),
    );
  });

  it("seededValues is deterministic and uniform in [-1, 1)", () => {
    const v = seededValues(3)(1000);
    expect(Array.from(seededValues(3)(1000))).toEqual(Array.from(v));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThan(1);
    expect(Math.abs(v.reduce((a, b) => a + b, 0) / 1000)).toBeLessThan(0.1);
  });
});

describe("MW-MAE configs", () => {
  it("draws valid configs of both kinds, with windows that divide the patch count", () => {
    const cfgs = sample(mwmaeConfigArb, 100);
    for (const cfg of cfgs) {
      expect(configProblems(cfg)).toEqual([]);
      const { patches } = geometry(cfg);
      if (Array.isArray(cfg.decoder.windows)) for (const w of cfg.decoder.windows) expect(w === 0 || patches % w === 0).toBe(true);
    }
    expect(new Set(cfgs.map((c) => c.kind))).toEqual(new Set(["mwmae", "mae"]));
    expect(cfgs.some((c) => c.decoder.windows === "auto") && cfgs.some((c) => Array.isArray(c.decoder.windows))).toBe(true);
  });

  it("smallModelArb carries a batch and a seed next to the config", () => {
    for (const m of sample(smallModelArb, 50)) {
      expect(m.batch >= 1 && m.batch <= 2).toBe(true);
      expect(configOf(m).input.frames).toBe(m.grid[0] * m.patch[0]);
    }
  });
});
