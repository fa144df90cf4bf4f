/**
 * @file The downstream evaluation of one HEAR task (hear-protocol.md §3.5–3.10) from its embeddings
 * (`readTaskEmbeddings`): per seed, the grid search on the first rotation (its winner is that fold's
 * result), the winning grid point retrained from scratch on every other rotation, the seed's score the
 * test score (train/valid/test) or the mean over folds; over seeds, the mean with a 95% Student-t
 * interval, for the primary metric and for every other one. Scene tasks score clip probabilities;
 * event tasks score the events made of frame probabilities (src/hear/scoring.ts).
 */

import type { HostTensor } from "../ir/index.js";
import {
  foldRotations,
  gridSearchDownstream,
  trainDownstream,
  type DownstreamOptions,
  type DownstreamResult,
  type TargetSet,
} from "./downstream.js";
import type { TaskEmbeddings } from "./read-embeddings.js";
import { eventScorer, sceneScorer } from "./scoring.js";

/** Rows of several sets stacked in the given order (training sets: rows and events are not kept). */
const stack = (sets: ReadonlyArray<TargetSet>): TargetSet => {
  const cat = (parts: ReadonlyArray<HostTensor>): HostTensor => {
    const w = parts[0]!.shape[1]!;
    const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p.data, at);
      at += p.data.length;
    }
    return { shape: [data.length / w, w], dtype: "f32", data };
  };
  return sets.length === 1 ? sets[0]! : { x: cat(sets.map((s) => s.x)), targets: cat(sets.map((s) => s.targets)) };
};

/** Two-sided 95% Student-t quantiles for 1…30 degrees of freedom (beyond: the normal 1.96). */
const t975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * Mean and 95% half-width `t(0.975, n − 1) · s / √n` (s with n − 1), as the kit aggregates seeds;
 * the half-width is NaN for a single value.
 * @example
 * meanConfidence([81.0, 81.5, 80.8, 81.3, 81.1, 81.6, 80.9, 81.2, 81.4, 81.0]); // { mean: 81.18, halfWidth: 0.190 }
 */
export const meanConfidence = (values: ReadonlyArray<number>): { readonly mean: number; readonly halfWidth: number } => {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, halfWidth: NaN };
  const s = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { mean, halfWidth: ((t975[n - 2] ?? 1.96) * s) / Math.sqrt(n) };
};

/** One fold (rotation) of one seed: where it tested and validated, and its result. */
export type FoldScore = DownstreamResult & {
  readonly test: string;
  readonly valid: string;
  /** Rotation 0 only: every grid point trained (the winner is this fold's result). */
  readonly grid?: ReadonlyArray<DownstreamResult>;
};

/** One seed's result: the task score and every metric (both averaged over folds). */
export interface SeedScore {
  readonly seed: number;
  /** The test score (train/valid/test), or the mean over folds. */
  readonly score: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly folds: ReadonlyArray<FoldScore>;
}

/** A task's result over seeds. */
export interface TaskScore {
  /** `task_name` from the metadata. */
  readonly task: string;
  /** The primary metric's name (`evaluation[0]`). */
  readonly metric: string;
  readonly mean: number;
  readonly halfWidth: number;
  /** Every metric's mean and 95% half-width over seeds. */
  readonly metrics: Readonly<Record<string, { readonly mean: number; readonly halfWidth: number }>>;
  readonly seeds: ReadonlyArray<SeedScore>;
}

/** Progress of `evaluateTask`: trainings done of the total, and epochs as they pass. */
export interface EvaluateProgress {
  /** Called after each training with the count done, the total (`trainingsOf`) and what it was (seed, split, dropout). */
  readonly onTraining?: (done: number, total: number, what: string) => void;
  /** Called after every epoch of the current training. */
  readonly onEpoch?: (epoch: number) => void;
}

/** Number of trainings `evaluateTask` runs for these seeds (for progress bars). */
export const trainingsOf = (task: Pick<TaskEmbeddings, "metadata" | "dropoutGrid">, seeds: number): number => {
  const folds = task.metadata.split_mode === "trainvaltest" ? 1 : task.metadata.splits.length;
  return seeds * (task.dropoutGrid.length + folds - 1);
};

/**
 * The kit's protocol on one task for each seed.
 * @example
 * const score = await evaluateTask(task, [0, 1, 2], { backend: wasm() }); // score.mean ± score.halfWidth
 */
export const evaluateTask = async (
  task: TaskEmbeddings,
  seeds: ReadonlyArray<number>,
  options: Omit<DownstreamOptions, "prediction" | "seed" | "scorer" | "onEpoch"> = {},
  progress: EvaluateProgress = {},
): Promise<TaskScore> => {
  const { metadata } = task;
  const prediction = metadata.prediction_type;
  const scorer =
    metadata.embedding_type === "event"
      ? eventScorer(metadata.evaluation, task.vocabulary, task.eventGrid, (set) => set.events ?? {})
      : sceneScorer(metadata.evaluation);
  const rotations =
    metadata.split_mode === "trainvaltest" ? [{ test: "test", valid: "valid", train: ["train"] }] : foldRotations(metadata.splits);
  const dataOf = (r: (typeof rotations)[number]) => ({
    train: stack(r.train.map((s) => task.splits[s]!)),
    valid: task.splits[r.valid]!,
    test: task.splits[r.test]!,
  });
  const total = trainingsOf(task, seeds.length);
  let done = 0;
  const tick = (what: string) => progress.onTraining?.(++done, total, what);
  const results: SeedScore[] = [];
  for (const seed of seeds) {
    let where = "";
    const opts: DownstreamOptions = {
      ...options,
      prediction,
      seed,
      scorer,
      ...(progress.onEpoch === undefined ? {} : { onEpoch: progress.onEpoch }),
      onTrained: (r) => tick(`seed ${seed}, ${where}, dropout ${r.dropout}`),
    };
    const first = rotations[0]!;
    where = `${first.test} (grid)`;
    const { best, all } = await gridSearchDownstream(dataOf(first), opts, task.dropoutGrid);
    const folds: FoldScore[] = [{ ...best, test: first.test, valid: first.valid, grid: all }];
    for (const r of rotations.slice(1)) {
      where = r.test;
      folds.push({ ...(await trainDownstream(dataOf(r), best.dropout, opts)), test: r.test, valid: r.valid });
    }
    const mean = (f: (x: FoldScore) => number) => folds.reduce((a, x) => a + f(x), 0) / folds.length;
    results.push({
      seed,
      score: mean((f) => f.testScore),
      metrics: Object.fromEntries(metadata.evaluation.map((m) => [m, mean((f) => f.metrics[m] ?? NaN)])),
      folds,
    });
  }
  const { mean, halfWidth } = meanConfidence(results.map((r) => r.score));
  return {
    task: metadata.task_name,
    metric: metadata.evaluation[0]!,
    mean,
    halfWidth,
    metrics: Object.fromEntries(metadata.evaluation.map((m) => [m, meanConfidence(results.map((r) => r.metrics[m]!))])),
    seeds: results,
  };
};
