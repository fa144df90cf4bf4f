/**
 * The task-level protocol on a synthetic task folder in `mwmae embed --out`'s layout: files read back
 * into split matrices, folds rotated, seeds aggregated with the kit's Student-t interval.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/hear";
import { evaluateTask, meanConfidence, readTaskEmbeddings } from "../../src/hear/node";
import { bits, key } from "../../src/random";

const vocabulary = ["bird", "dog", "rain"];

/** A 3-fold scene task: 30 clips per fold, 8-d embeddings with class mean 5 on axis = class. */
const writeTask = (labelOf: (i: number) => string = (i) => vocabulary[i % 3]!): string => {
  const dir = join(mkdtempSync(join(tmpdir(), "hear-eval-")), "toy-v1-full");
  const folds = ["fold00", "fold01", "fold02"];
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "task_metadata.json"),
    JSON.stringify({
      task_name: "toy",
      embedding_type: "scene",
      prediction_type: "multiclass",
      split_mode: "new_split_kfold",
      nfolds: 3,
      splits: folds,
      sample_duration: 1,
      evaluation: ["top1_acc"],
    }),
  );
  writeFileSync(join(dir, "labelvocabulary.csv"), `idx,label\n${vocabulary.map((l, i) => `${i},${l}`).join("\n")}\n`);
  const u = bits(key(11), 90 * 8);
  folds.forEach((fold, f) => {
    mkdirSync(join(dir, fold));
    for (let c = 0; c < 30; c++) {
      const i = f * 30 + c;
      const x = Float32Array.from({ length: 8 }, (_, j) => u[i * 8 + j]! / 2 ** 32 - 0.5 + (j === i % 3 ? 5 : 0));
      writeFileSync(join(dir, fold, `clip${i}.wav.embedding.npy`), encodeNpy(x, [8]));
      writeFileSync(join(dir, fold, `clip${i}.wav.target-labels.json`), JSON.stringify([labelOf(i)]));
    }
  });
  return dir;
};

describe("meanConfidence", () => {
  it("reproduces the protocol's worked example: 81.18 ± 0.190 over ten runs", () => {
    const { mean, halfWidth } = meanConfidence([81.0, 81.5, 80.8, 81.3, 81.1, 81.6, 80.9, 81.2, 81.4, 81.0]);
    expect(mean).toBeCloseTo(81.18, 10);
    expect(halfWidth).toBeCloseTo(0.19, 3);
  });
});

describe("evaluateTask", () => {
  it("reads the split matrices back and scores a separable task near 1 on every fold and seed", async () => {
    const task = readTaskEmbeddings(writeTask());
    if (E.isLeft(task)) throw new Error(task.left.message);
    expect(task.right.splits["fold01"]!.x.shape).toEqual([30, 8]);
    expect(task.right.splits["fold01"]!.targets.shape).toEqual([30, 3]);
    const score = await evaluateTask(task.right, [0, 1], { hidden: 16, learningRate: 1e-2, batchSize: 32, maxEpochs: 30, patience: 3 });
    expect(score.metric).toBe("top1_acc");
    expect(score.seeds.map((s) => s.folds.map((f) => f.test))).toEqual([
      ["fold00", "fold01", "fold02"],
      ["fold00", "fold01", "fold02"],
    ]);
    // One dropout rate per seed: the grid's winner on the first rotation is reused for the others.
    score.seeds.forEach((s) => expect(new Set(s.folds.map((f) => f.dropout)).size).toBe(1));
    expect(score.mean).toBeGreaterThan(0.9);
    expect(Number.isFinite(score.halfWidth)).toBe(true);
  });

  it("names the file whose label is not in the vocabulary", () => {
    const task = readTaskEmbeddings(writeTask((i) => (i === 40 ? "cat" : vocabulary[i % 3]!)));
    expect(E.isLeft(task) && task.left.message).toMatch(/clip40\.wav\.target-labels\.json: label "cat" is not in labelvocabulary\.csv/);
  });
});
