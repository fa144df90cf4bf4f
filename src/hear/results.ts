/**
 * @file What `mwmae evaluate` writes for a task, atomically: per seed the kit's files
 * (hear-protocol.md §3.10) `seed<k>/test.predicted-scores.json` (for `trainvaltest`
 * `{ test: { test_score, test_<metric>…, validation_score, epoch }, hparams, score_mode, postprocessing }`;
 * for k-fold one such object per fold plus `aggregated_scores` with `test_score_mean`/`test_score_std`
 * and each metric's), `seed<k>/valid.hparams.jsonl` (one `[validation score, hparams]` per grid point)
 * and `seed<k>/<test split>.predictions.json` (scene: clip → class probabilities; event: clip → events);
 * and `evaluation.json`, the whole `TaskScore` (every seed, fold, grid point and metric) without the
 * prediction arrays. Non-finite numbers become `null` in JSON.
 */

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { writeFileAtomic } from "../io/node.js";
import type { DownstreamResult } from "./downstream.js";
import { hearError, type HearError } from "./error.js";
import type { FoldScore, TaskScore } from "./evaluate.js";
import type { TaskEmbeddings } from "./read-embeddings.js";

/** A fold's result without its prediction arrays (what the JSON files hold). */
const summary = (r: DownstreamResult) => ({
  dropout: r.dropout,
  testScore: r.testScore,
  validationScore: r.validationScore,
  epoch: r.epoch,
  epochsRun: r.epochsRun,
  metrics: r.metrics,
  ...(r.choice === undefined ? {} : { postprocessing: r.choice }),
});

/**
 * `TaskScore` as plain JSON data: folds and grid points summarised, no prediction arrays.
 * @example
 * JSON.stringify(taskScoreJson(score));
 */
export const taskScoreJson = (score: TaskScore) => ({
  task: score.task,
  metric: score.metric,
  mean: score.mean,
  halfWidth: score.halfWidth,
  metrics: score.metrics,
  seeds: score.seeds.map((s) => ({
    seed: s.seed,
    score: s.score,
    metrics: s.metrics,
    folds: s.folds.map((f) => ({
      test: f.test,
      valid: f.valid,
      ...summary(f),
      ...(f.grid === undefined ? {} : { grid: f.grid.map(summary) }),
    })),
  })),
});

/** The kit's per-split score object. */
const kitScores = (f: FoldScore, metric: string) => ({
  test_score: f.testScore,
  ...Object.fromEntries(Object.entries(f.metrics).map(([k, v]) => [`test_${k}`, v])),
  validation_score: f.validationScore,
  epoch: f.epoch,
  hparams: { dropout: f.dropout, primary_metric: metric },
  ...(f.choice === undefined ? {} : { postprocessing: f.choice }),
});

const sampleStd = (xs: ReadonlyArray<number>): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Clip → probabilities (scene) or clip → events (event) of one fold's test split. */
const predictionsOf = (task: TaskEmbeddings, f: FoldScore): unknown => {
  if (f.events !== undefined) return f.events;
  const rows = task.splits[f.test]?.rows ?? [];
  const classes = f.predictions.shape[1]!;
  return Object.fromEntries(rows.map((r, i) => [r.clip, Array.from(f.predictions.data.subarray(i * classes, (i + 1) * classes))]));
};

const json = (value: unknown): string =>
  `${JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;

/**
 * Writes a task's result files under `dir` (the task's output folder); `model` names the model in
 * `evaluation.json` (for `mwmae table`). `Left` names the file.
 * @example
 * writeTaskResults("embeddings/esc50-v2.0.0-full", task, score);
 */
export const writeTaskResults = (dir: string, task: TaskEmbeddings, score: TaskScore, model?: string): E.Either<HearError, void> => {
  const files: Array<[string, string]> = [];
  for (const s of score.seeds) {
    const seedDir = join(dir, `seed${s.seed}`);
    const [first] = s.folds;
    const predicted =
      task.metadata.split_mode === "trainvaltest" && first !== undefined
        ? { test: kitScores(first, score.metric), score_mode: "max" }
        : {
            ...Object.fromEntries(s.folds.map((f) => [f.test, kitScores(f, score.metric)])),
            aggregated_scores: {
              test_score_mean: s.score,
              test_score_std: sampleStd(s.folds.map((f) => f.testScore)),
              ...Object.fromEntries(
                Object.keys(s.metrics).flatMap((m) => {
                  const v = s.folds.map((f) => f.metrics[m] ?? NaN);
                  return [
                    [`test_${m}_mean`, s.metrics[m]],
                    [`test_${m}_std`, sampleStd(v)],
                  ];
                }),
              ),
            },
            score_mode: "max",
          };
    files.push([join(seedDir, "test.predicted-scores.json"), json(predicted)]);
    const grid = s.folds[0]?.grid ?? [];
    files.push([
      join(seedDir, "valid.hparams.jsonl"),
      grid
        .map((g) => `${JSON.stringify([g.validationScore, { dropout: g.dropout, epoch: g.epoch, postprocessing: g.choice ?? null }])}\n`)
        .join(""),
    ]);
    for (const f of s.folds) files.push([join(seedDir, `${f.test}.predictions.json`), json(predictionsOf(task, f))]);
  }
  files.push([
    join(dir, "evaluation.json"),
    json({ ...taskScoreJson(score), ...(model === undefined ? {} : { model }), dir: task.dir, problems: task.problems }),
  ]);
  for (const [path, text] of files) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      return E.left(hearError("write", dirname(path), `cannot create the folder: ${e instanceof Error ? e.message : String(e)}`));
    }
    const written = writeFileAtomic(path, text);
    if (E.isLeft(written)) return E.left(hearError("write", path, `cannot write: ${written.left.message}`));
  }
  return E.right(undefined);
};
