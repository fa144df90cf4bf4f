/**
 * The linear probe on synthetic embeddings with known answers: well-separated Gaussian classes are
 * learned almost perfectly, labels independent of the features give chance accuracy, and the
 * stratified splits partition the data in proportion.
 */
import { describe, expect, it } from "vitest";
import {
  linearProbe,
  probeEmbeddings,
  selectRows,
  splitIndices,
  top1Accuracy,
  meanAveragePrecision,
  averagePrecision,
  type LabelledSet,
} from "../../src/hear";
import { bits, key } from "../../src/random";

/** Standard normal draws from a key (Box–Muller on Threefry bits). */
const gaussians = (seed: number, n: number): Float64Array => {
  const u = bits(key(seed), 2 * n);
  return Float64Array.from({ length: n }, (_, i) => {
    const a = (u[2 * i]! + 1) / 2 ** 32;
    const b = u[2 * i + 1]! / 2 ** 32;
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  });
};

/**
 * `n` points of dimension `d` in `classes` classes: class c has mean `gap` on axis c (and 0 elsewhere),
 * unit variance everywhere, features shifted and scaled per dimension (standardisation must undo it).
 */
const clusters = (seed: number, n: number, d: number, classes: number, gap: number) => {
  const z = gaussians(seed, n * d);
  const y = Int32Array.from({ length: n }, (_, i) => i % classes);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (z[i * d + j]! + (j === y[i] ? gap : 0)) * (1 + j) + 100 * j;
  return { x: { shape: [n, d] as const, dtype: "f32" as const, data: x }, y };
};

const splits = (x: LabelledSet["x"], y: ArrayLike<number>, seed: number) => {
  const idx = splitIndices(y, { valid: 0.2, test: 0.2 }, key(seed));
  return { train: selectRows(x, y, idx.train), valid: selectRows(x, y, idx.valid), test: selectRows(x, y, idx.test) };
};

describe("linearProbe", () => {
  // Means 6σ apart on orthogonal axes: the pairwise Bayes error is Φ(−6/√2) ≈ 1e-5, so with 80 test
  // points (4 classes × 20) any accuracy below 0.95 would be a training failure, not bad luck.
  it("reaches high accuracy on separable clusters", async () => {
    const { x, y } = clusters(1, 400, 16, 4, 6);
    const r = await linearProbe(splits(x, y, 2), { epochs: 150 });
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.validAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.bestEpoch).toBeGreaterThan(0);
    expect(r.losses[0]).toBeCloseTo(Math.log(4), 5); // the zero classifier: uniform over 4 classes
    expect(r.losses[r.losses.length - 1]).toBeLessThan(0.1);
  });

  // Test labels independent of everything the probe saw: the number correct is exactly
  // Binomial(200, 1/4) whatever the classifier, mean 50, sd 6.1; |acc − 0.25| < 0.15 is a 4.9σ band
  // (P(outside) < 1e-6). The probe does fit the training noise: its loss falls below log 4.
  it("stays at chance on random labels", async () => {
    const n = 1000;
    const { x } = clusters(3, n, 32, 4, 0);
    const noise = bits(key(4), n);
    const y = Int32Array.from(noise, (b) => b % 4);
    const r = await linearProbe(splits(x, y, 5), { epochs: 100 });
    expect(Math.abs(r.testAccuracy - 0.25)).toBeLessThan(0.15);
    expect(r.losses[r.losses.length - 1]).toBeLessThan(Math.log(4) - 0.02);
  });

  it("probeEmbeddings splits and probes in one call, deterministically", async () => {
    const { x, y } = clusters(6, 200, 8, 4, 6);
    const a = await probeEmbeddings(x, y, { seed: 1, epochs: 150 });
    expect(a.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(await probeEmbeddings(x, y, { seed: 1, epochs: 150 })).toEqual(a);
  });

  it("refuses labels outside the classes", async () => {
    const { x, y } = clusters(1, 20, 2, 2, 1);
    const set = selectRows(x, y, [0, 1, 2, 3]);
    await expect(linearProbe({ train: set, valid: set, test: set }, { classes: 1, epochs: 1 })).rejects.toThrow(
      /labels must be integers in \[0, 1\)/,
    );
  });
});

describe("splitIndices", () => {
  it("partitions the rows, stratified by class, the same for the same key", () => {
    const y = Int32Array.from({ length: 103 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
    const s = splitIndices(y, { valid: 0.2, test: 0.1 }, key(7));
    expect([...s.train, ...s.valid, ...s.test].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    const count = (idx: number[], c: number) => idx.filter((i) => y[i] === c).length;
    expect([0, 1, 2].map((c) => count(s.test, c))).toEqual([6, 3, 1]);
    expect([0, 1, 2].map((c) => count(s.valid, c))).toEqual([12, 6, 3]);
    expect(splitIndices(y, { valid: 0.2, test: 0.1 }, key(7))).toEqual(s);
    expect(splitIndices(y, { valid: 0.2, test: 0.1 }, key(8)).test).not.toEqual(s.test);
  });
});

describe("metrics", () => {
  it("top-1 accuracy lets the first index win ties", () => {
    expect(top1Accuracy([0.1, 0.9, 0.8, 0.2, 0.5, 0.5], [1, 1, 0], 2)).toBeCloseTo(2 / 3, 12);
  });

  it("average precision is the mean precision at each positive's rank", () => {
    // Ranked: +, −, +, − → (1/1 + 2/3) / 2. Second call: class 0 as above, class 1 ranked −, +, − → 1/2.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.1], [true, false, true, false])).toBeCloseTo(5 / 6, 12);
    expect(meanAveragePrecision([0.9, 0.1, 0.8, 0.2, 0.7, 0.3], [1, 0, 0, 1, 1, 0], 2)).toBeCloseTo((5 / 6 + 1 / 2) / 2, 12);
  });
});
