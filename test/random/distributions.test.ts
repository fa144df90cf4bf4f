/**
 * @file Samplers: recorded values for fixed seeds (and JAX's quickstart normals), statistics over 1e5
 * draws with bounds of at least five standard errors, support, and dropout's scaling.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bernoulli,
  dropout,
  erfinv,
  erfScalar,
  fromData,
  input,
  jit,
  key,
  lift,
  normal,
  permutation,
  realize,
  reference,
  spec,
  truncatedNormal,
  uniform,
  type Tensor,
} from "../../src";

const values = async (t: Tensor): Promise<number[]> => Array.from((await realize(t)).data);
const mean = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: ReadonlyArray<number>): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};
const draws = 100_000;

describe("uniform", () => {
  it("pins recorded values for key(0)", async () => {
    expect(await values(uniform(key(0), [5] as const))).toEqual([
      0.5745004415512085, 0.09968602657318115, 0.39316022396087646, 0.8941782712936401, 0.5965665578842163,
    ]);
  });

  it("has the requested static shape and f32 dtype", () => {
    const u = uniform(key(0), [2, 3] as const);
    expect(u.shape).toEqual([2, 3]);
    expect(u.dtype).toBe("f32");
  });

  it("stays in [0, 1) with mean 0.5 over 1e5 draws", async () => {
    const xs = await values(uniform(key(1), [draws] as const));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Standard error of the mean: √(1/12 / 1e5) ≈ 9.1e-4; 0.005 is about 5.5 of them.
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.005);
  });

  it("stays in [min, max) for any range", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        async (seed, min, width) => {
          const lo = Math.fround(min);
          const hi = Math.fround(min + width);
          fc.pre(lo < hi);
          const xs = await values(uniform(key(seed), [64] as const, { min: lo, max: hi }));
          // Rounding the scaled float32 can reach max itself, as in JAX; never beyond it.
          xs.forEach((x) => expect(x >= lo && x <= hi).toBe(true));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("gives different samples for split keys and equal ones for the same key", async () => {
    expect(await values(uniform(key(2), [8] as const))).toEqual(await values(uniform(key(2), [8] as const)));
    expect(await values(uniform(key(3), [8] as const))).not.toEqual(await values(uniform(key(2), [8] as const)));
  });
});

describe("normal", () => {
  it("reproduces the JAX quickstart's random.normal(PRNGKey(0), (10,))", async () => {
    // JAX prints float32 to 8 digits and computes erf⁻¹ in float32; 1e-6 covers both.
    const jax = [-0.3721109, 0.26423115, -0.18252768, -0.7368197, -0.44030377, -0.1521442, -0.67135346, -0.5908641, 0.73168886, 0.5673026];
    const xs = await values(normal(key(0), [10] as const));
    xs.forEach((x, i) => expect(x).toBeCloseTo(jax[i]!, 6));
  });

  it("pins recorded values for key(0), shape [5]", async () => {
    expect(await values(normal(key(0), [5] as const))).toEqual([
      0.18784385919570923, -1.2833424806594849, -0.2710916996002197, 1.2490593194961548, 0.24447001516819,
    ]);
  });

  it("has mean 0 and variance 1 over 1e5 draws", async () => {
    const xs = await values(normal(key(4), [draws] as const));
    // Standard errors: mean 1/√1e5 ≈ 0.0032, variance √(2/1e5) ≈ 0.0045; bounds are 5σ.
    expect(Math.abs(mean(xs))).toBeLessThan(0.016);
    expect(Math.abs(variance(xs) - 1)).toBeLessThan(0.023);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it("puts about 68.3% of draws within one standard deviation", async () => {
    const xs = await values(normal(key(5), [draws] as const));
    const inside = xs.filter((x) => Math.abs(x) < 1).length / draws;
    // erf(1/√2) = 0.6827; standard error √(0.68·0.32/1e5) ≈ 0.0015.
    expect(Math.abs(inside - erfScalar(Math.SQRT1_2))).toBeLessThan(0.0075);
  });
});

describe("erfinv", () => {
  it("inverts erf to 1e-13 across (−1, 1)", () => {
    fc.assert(
      fc.property(fc.double({ min: -0.999999, max: 0.999999, noNaN: true }), (y) => {
        expect(Math.abs(erfScalar(erfinv(y)) - y)).toBeLessThan(1e-13);
      }),
    );
  });

  it("knows the ends and the median", () => {
    expect(erfinv(1)).toBe(Infinity);
    expect(erfinv(-1)).toBe(-Infinity);
    expect(erfinv(0)).toBe(0);
    expect(erfinv(0.5)).toBeCloseTo(0.4769362762044699, 14);
    expect(erfinv(2)).toBeNaN();
  });
});

describe("truncatedNormal", () => {
  it("pins recorded values for key(0) on [−2, 2]", async () => {
    expect(await values(truncatedNormal(key(0), [5] as const, -2, 2))).toEqual([
      0.17920254170894623, -1.185547947883606, -0.25847166776657104, 1.1564090251922607, 0.23313765227794647,
    ]);
  });

  it("stays strictly within its bounds", async () => {
    const xs = await values(truncatedNormal(key(6), [draws] as const, -0.5, 1.5));
    expect(Math.min(...xs)).toBeGreaterThan(-0.5);
    expect(Math.max(...xs)).toBeLessThan(1.5);
  });

  it("has the truncated normal's mean", async () => {
    const xs = await values(truncatedNormal(key(7), [draws] as const, 0, 3));
    // Mean of N(0,1) on [0, 3]: (φ(0) − φ(3)) / (Φ(3) − Φ(0)) ≈ 0.7935; its sd is ≈ 0.60, so the
    // standard error is ≈ 0.0019 and 0.01 is over 5 of them.
    const phi = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
    const expected = (phi(0) - phi(3)) / (erfScalar(3 / Math.SQRT2) / 2);
    expect(Math.abs(mean(xs) - expected)).toBeLessThan(0.01);
  });

  it("refuses an empty interval", () => {
    expect(() => truncatedNormal(key(0), [2] as const, 1, 1)).toThrow(/lower < upper/);
  });
});

describe("bernoulli", () => {
  it("is a bool tensor with the requested rate", async () => {
    const b = bernoulli(key(8), 0.3, [draws] as const);
    expect(b.dtype).toBe("bool");
    const xs = await values(b);
    expect(xs.every((x) => x === 0 || x === 1)).toBe(true);
    // Standard error √(0.21/1e5) ≈ 0.0014; bound 0.0075.
    expect(Math.abs(mean(xs) - 0.3)).toBeLessThan(0.0075);
  });

  it("is all false at p = 0 and all true at p = 1", async () => {
    expect(await values(bernoulli(key(0), 0, [100] as const))).toEqual(new Array(100).fill(0));
    expect(await values(bernoulli(key(0), 1, [100] as const))).toEqual(new Array(100).fill(1));
  });
});

describe("permutation", () => {
  it("pins a recorded permutation for key(0)", async () => {
    expect(await values(permutation(key(0), 10))).toEqual([2, 7, 9, 6, 0, 8, 1, 3, 4, 5]);
  });

  it("is a permutation of 0 … n−1", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 300 }), async (seed, n) => {
        const p = permutation(key(seed), n);
        expect(p.dtype).toBe("i32");
        expect((await values(p)).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 50 },
    );
  });

  it("puts each element first about equally often", async () => {
    const counts = new Array<number>(5).fill(0);
    for (let s = 0; s < 2000; s++) counts[(await values(permutation(key(s), 5)))[0]!]!++;
    // Each count is Binomial(2000, 0.2): sd ≈ 17.9, bound 90 is over 5σ.
    counts.forEach((c) => expect(Math.abs(c - 400)).toBeLessThan(90));
  });
});

describe("dropout", () => {
  const n = 20_000;
  const x = lift(
    fromData(
      Array.from({ length: n }, (_, i) => 1 + (i % 7)),
      [n] as const,
    ),
  );

  it("returns its input unchanged at rate 0", () => {
    expect(dropout(key(0), 0, x)).toBe(x);
  });

  it("zeroes about `rate` of the elements and scales the rest by 1/(1 − rate)", async () => {
    const xs = await values(x);
    const ys = await values(dropout(key(9), 0.25, x));
    const kept = ys.filter((y) => y !== 0).length;
    // Survivors equal x/0.75 up to float32 rounding of the division (relative 6e-8).
    const wrong = ys.filter((y, i) => y !== 0 && Math.abs(y - xs[i]! / 0.75) > 1e-6 * y);
    expect(wrong).toEqual([]);
    // Kept fraction ~ Binomial(2e4, 0.75)/2e4: standard error ≈ 0.0031; bound 0.016 is over 5 of them.
    expect(Math.abs(kept / n - 0.75)).toBeLessThan(0.016);
  });

  it("gives zeros at rate 1", async () => {
    expect((await values(dropout(key(0), 1, x))).every((y) => y === 0)).toBe(true);
  });

  it("fixes its mask at trace time: a compiled step reuses it on every call", async () => {
    const f = await jit(({ h }) => dropout(key(10), 0.5, h), { h: spec([16] as const) }, reference());
    const ones = { h: fromData(new Array(16).fill(1), [16] as const) };
    const first = Array.from((await f(ones)).data);
    expect(Array.from((await f(ones)).data)).toEqual(first);
    expect(first.every((v) => v === 0 || v === 2)).toBe(true);
  });

  it("keeps the static shape of a traced input", () => {
    const h = input("h", [4, 8] as const);
    expect(dropout(key(0), 0.1, h).shape).toEqual([4, 8]);
  });

  it("refuses a rate outside [0, 1]", () => {
    expect(() => dropout(key(0), 1.5, x)).toThrow(/rate must be in \[0, 1\]/);
  });
});
