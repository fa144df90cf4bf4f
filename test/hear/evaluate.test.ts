/**
 * The task-level protocol on synthetic task folders in `mwmae embed --out`'s layout: files read back
 * into split matrices, folds rotated, seeds aggregated with the kit's Student-t interval, event tasks
 * scored on the events made of their frames, the kit's files written, and bad folders refused with
 * the file and the problem named.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/hear";
import { evaluateTask, meanConfidence, readTaskEmbeddings, writeTaskResults } from "../../src/hear/node";
import { eventTask, sceneTask } from "./task-fixtures";

const fast = { hidden: 16, learningRate: 1e-2, batchSize: 32, maxEpochs: 30, patience: 3 } as const;

const read = (dir: string) => {
  const task = readTaskEmbeddings(dir);
  if (E.isLeft(task)) throw new Error(task.left.message);
  return task.right;
};

const refused = (dir: string): string => {
  const task = readTaskEmbeddings(dir);
  return E.isLeft(task) ? task.left.message : "read without complaint";
};

describe("meanConfidence", () => {
  it("reproduces the protocol's worked example: 81.18 ± 0.190 over ten runs", () => {
    const { mean, halfWidth } = meanConfidence([81.0, 81.5, 80.8, 81.3, 81.1, 81.6, 80.9, 81.2, 81.4, 81.0]);
    expect(mean).toBeCloseTo(81.18, 10);
    expect(halfWidth).toBeCloseTo(0.19, 3);
  });
});

describe("evaluateTask (scene)", () => {
  it("reads the split matrices back and scores a separable task near 1 on every fold and seed", async () => {
    const task = read(sceneTask({ evaluation: ["top1_acc", "mAP", "d_prime", "aucroc", "chroma_acc"] }));
    expect(task.splits["fold01"]!.x.shape).toEqual([30, 8]);
    expect(task.splits["fold01"]!.targets.shape).toEqual([30, 3]);
    expect(task.problems).toEqual([]);
    const score = await evaluateTask(task, [0, 1], fast);
    expect(score.metric).toBe("top1_acc");
    expect(score.seeds.map((s) => s.folds.map((f) => f.test))).toEqual([
      ["fold00", "fold01", "fold02"],
      ["fold00", "fold01", "fold02"],
    ]);
    // One dropout rate per seed: the grid's winner on the first rotation is reused for the others.
    score.seeds.forEach((s) => expect(new Set(s.folds.map((f) => f.dropout)).size).toBe(1));
    score.seeds.forEach((s) => expect(s.folds[0]!.grid!.map((g) => g.dropout).sort()).toEqual([0.1, 0.25]));
    expect(score.mean).toBeGreaterThan(0.9);
    expect(Number.isFinite(score.halfWidth)).toBe(true);
    expect(Object.keys(score.metrics)).toEqual(["top1_acc", "mAP", "d_prime", "aucroc", "chroma_acc"]);
    expect(score.metrics["mAP"]!.mean).toBeGreaterThan(0.9);
    expect(score.metrics["aucroc"]!.mean).toBeGreaterThan(0.9);
    // With 3 classes, chroma (index mod 12) is top-1 accuracy.
    expect(score.metrics["chroma_acc"]!.mean).toBe(score.metrics["top1_acc"]!.mean);
  });

  it("writes the kit's files: predicted scores per seed, grid lines, predictions, evaluation.json", async () => {
    const dir = sceneTask({ perFold: 12 });
    const task = read(dir);
    const score = await evaluateTask(task, [3], { ...fast, maxEpochs: 6 });
    expect(E.isRight(writeTaskResults(dir, task, score))).toBe(true);
    const predicted = JSON.parse(readFileSync(join(dir, "seed3/test.predicted-scores.json"), "utf8"));
    expect(Object.keys(predicted).sort()).toEqual(["aggregated_scores", "fold00", "fold01", "fold02", "score_mode"]);
    expect(predicted.aggregated_scores.test_score_mean).toBeCloseTo(score.mean, 12);
    expect(predicted.fold01.test_top1_acc).toBe(score.seeds[0]!.folds[1]!.testScore);
    expect(readFileSync(join(dir, "seed3/valid.hparams.jsonl"), "utf8").trim().split("\n")).toHaveLength(2);
    const probs = JSON.parse(readFileSync(join(dir, "seed3/fold02.predictions.json"), "utf8"));
    expect(Object.keys(probs)).toHaveLength(12);
    const row = probs["clip24.wav"] as number[];
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const all = JSON.parse(readFileSync(join(dir, "evaluation.json"), "utf8"));
    expect(all.seeds[0].folds[0].grid).toHaveLength(2);
    expect(all.task).toBe("toy");
  });
});

describe("evaluateTask (event)", () => {
  it("learns frame labels and scores the events they make, the postprocessing picked on validation", async () => {
    const task = read(eventTask());
    expect(task.splits["train"]!.x.shape).toEqual([8 * 30, 6]);
    expect(task.splits["test"]!.events!["clip12.wav"]).toEqual([{ label: "knock", start: 500, end: 1500 }]);
    const score = await evaluateTask(task, [0], { ...fast, maxEpochs: 24 });
    const fold = score.seeds[0]!.folds[0]!;
    expect(score.metric).toBe("event_onset_200ms_fms");
    // Frames 100 ms apart, onsets on the grid: a clean detector finds every onset within 200 ms.
    expect(score.mean).toBeGreaterThan(0.9);
    expect(fold.metrics["segment_1s_er"]).toBeLessThan(0.2);
    expect([0, 250]).toContain((fold.choice as { median_filter_ms: number }).median_filter_ms);
    const events = fold.events as Record<string, Array<{ label: string; start: number }>>;
    expect(Object.keys(events).sort()).toEqual(["clip12.wav", "clip13.wav", "clip14.wav", "clip15.wav"]);
  });
});

describe("readTaskEmbeddings refuses bad folders, naming the file", () => {
  it("a label not in the vocabulary", () => {
    expect(refused(sceneTask({ labelOf: (i) => (i === 40 ? "cat" : ["bird", "dog", "rain"][i % 3]!) }))).toMatch(
      /fold01[\\/]clip40\.wav\.target-labels\.json: label "cat" is not in labelvocabulary\.csv/,
    );
  });

  it("a missing split file", () => {
    const dir = sceneTask({ perFold: 3 });
    rmSync(join(dir, "fold01.json"));
    expect(refused(dir)).toMatch(/fold01\.json: missing/);
  });

  it("a missing split folder", () => {
    const dir = sceneTask({ perFold: 3 });
    rmSync(join(dir, "fold02"), { recursive: true });
    expect(refused(dir)).toMatch(/fold02: no such split folder/);
  });

  it("embeddings of two widths", () => {
    const dir = sceneTask({ perFold: 3 });
    writeFileSync(join(dir, "fold00/clip1.wav.embedding.npy"), encodeNpy(new Float32Array(5), [5]));
    expect(refused(dir)).toMatch(/fold00[\\/]clip1\.wav\.embedding\.npy: width 5, the files before it have 8/);
  });

  it("a NaN in an embedding", () => {
    const dir = sceneTask({ perFold: 3 });
    const x = new Float32Array(8);
    x[3] = NaN;
    writeFileSync(join(dir, "fold01/clip4.wav.embedding.npy"), encodeNpy(x, [8]));
    expect(refused(dir)).toMatch(/fold01[\\/]clip4\.wav\.embedding\.npy: NaN at element 3/);
  });

  it("a metric not computed here", () => {
    expect(refused(sceneTask({ perFold: 3, evaluation: ["top1_acc", "bleu"] }))).toMatch(
      /task_metadata\.json: evaluation: "bleu" not computed/,
    );
  });

  it("reports, without refusing, a split with no positives for a class under a per-class metric", () => {
    const dir = sceneTask({
      perFold: 3,
      evaluation: ["top1_acc", "mAP"],
      labelOf: (i) => (i < 3 ? "bird" : ["bird", "dog", "rain"][i % 3]!),
    });
    const task = read(dir);
    expect(task.problems).toHaveLength(1);
    expect(task.problems[0]).toMatch(/fold00: no positives for 2 class\(es\) \(dog, rain\)/);
    expect(existsSync(dir)).toBe(true);
  });
});
