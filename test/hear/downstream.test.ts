/**
 * The HEAR downstream MLP (hear-protocol.md §3) on synthetic embeddings: it learns separable classes
 * (multiclass and multilabel), stops early as the kit does, and rotates folds and grid points as the
 * kit does. The network is narrowed (hidden 32) and the rate raised (1e-3) to keep the test fast on
 * the reference interpreter; the protocol's defaults (1024, 1e-4) are the same code with other numbers.
 */
import { describe, expect, it } from "vitest";
import { foldRotations, gridSearchDownstream, selectRows, splitIndices, trainDownstream, type TargetSet } from "../../src/hear";
import { reference } from "../../src/backends";
import { bits, key } from "../../src/random";

const gaussians = (seed: number, n: number): Float64Array => {
  const u = bits(key(seed), 2 * n);
  return Float64Array.from(
    { length: n },
    (_, i) => Math.sqrt(-2 * Math.log((u[2 * i]! + 1) / 2 ** 32)) * Math.cos((2 * Math.PI * u[2 * i + 1]!) / 2 ** 32),
  );
};

/** Rows with class i mod C, mean `gap` on axis = class; targets one-hot, or multi-hot adding class+1 mod C. */
const dataset = (seed: number, n: number, d: number, classes: number, gap: number, multilabel: boolean) => {
  const z = gaussians(seed, n * d);
  const y = Int32Array.from({ length: n }, (_, i) => i % classes);
  const x = new Float32Array(n * d);
  const t = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const second = multilabel && i % 3 === 0 ? (y[i]! + 1) % classes : -1;
    for (let j = 0; j < d; j++) x[i * d + j] = z[i * d + j]! + (j === y[i] || j === second ? gap : 0);
    t[i * classes + y[i]!] = 1;
    if (second >= 0) t[i * classes + second] = 1;
  }
  const idx = splitIndices(y, { valid: 0.2, test: 0.2 }, key(seed + 1));
  const pick = (rows: number[]): TargetSet => ({
    x: selectRows({ shape: [n, d], dtype: "f32", data: x }, y, rows).x,
    targets: selectRows({ shape: [n, classes], dtype: "f32", data: t }, y, rows).x,
  });
  return { train: pick(idx.train), valid: pick(idx.valid), test: pick(idx.test) };
};

// On the reference interpreter, as the header says: the library's default backend (wasm) computes exp to ≤ 1 ulp rather than
// correctly rounded, and on 48 validation rows a one-ulp difference can move the best-validation epoch (both backends are
// held to the float64 interpreter step by step in downstream-backends.test.ts).
const fast = {
  hidden: 32,
  learningRate: 1e-2,
  batchSize: 64,
  maxEpochs: 45,
  patience: 5,
  backend: reference({ precision: "f32" }),
} as const;

describe("trainDownstream", () => {
  // Means 6σ apart: Bayes accuracy ≈ 1 − 3·Φ(−6/√2) > 0.9999; 48 test rows.
  it("learns separable classes (top-1 accuracy, batches of 64 with a short last one)", async () => {
    const r = await trainDownstream(dataset(1, 240, 8, 4, 6, false), 0.1, { prediction: "multiclass", seed: 0, ...fast });
    expect(r.testScore).toBeGreaterThanOrEqual(0.95);
    expect(r.epoch % 3).toBe(0);
    expect(r.epoch).toBeGreaterThan(0);
  });

  it("learns multi-hot targets (mAP)", async () => {
    const r = await trainDownstream(dataset(2, 240, 8, 4, 6, true), 0.1, { prediction: "multilabel", seed: 0, ...fast });
    expect(r.testScore).toBeGreaterThan(0.9);
  });

  // Labels carry no signal: validation accuracy wanders, and `patience` validations (every 3rd
  // epoch) without a strict improvement end the run before maxEpochs.
  it("stops after `patience` validations without a strict improvement", async () => {
    const r = await trainDownstream(dataset(3, 120, 8, 4, 0, false), 0.25, {
      prediction: "multiclass",
      seed: 1,
      ...fast,
      patience: 2,
      maxEpochs: 300,
    });
    expect(r.epochsRun).toBeLessThan(300);
    expect(r.epochsRun).toBe(r.epoch + 2 * 3);
  });
});

describe("the kit's bookkeeping", () => {
  it("rotates folds: test i, validation i+1 mod k, train the rest in name order", () => {
    expect(foldRotations(["fold02", "fold00", "fold01", "fold03"])).toEqual([
      { test: "fold00", valid: "fold01", train: ["fold02", "fold03"] },
      { test: "fold01", valid: "fold02", train: ["fold00", "fold03"] },
      { test: "fold02", valid: "fold03", train: ["fold00", "fold01"] },
      { test: "fold03", valid: "fold00", train: ["fold01", "fold02"] },
    ]);
  });

  it("grid search trains every dropout rate and keeps the best validation score", async () => {
    const { best, all } = await gridSearchDownstream(dataset(4, 120, 8, 4, 4, false), {
      prediction: "multiclass",
      seed: 3,
      ...fast,
      maxEpochs: 9,
    });
    expect(all.map((r) => r.dropout).sort()).toEqual([0.1, 0.25]);
    expect(best.validationScore).toBe(Math.max(...all.map((r) => r.validationScore)));
  });
});
