/**
 * @file The downstream evaluation of one HEAR scene task from the files `mwmae embed --out` wrote
 * (hear-protocol.md §3.5–3.10): per-clip `.embedding.npy` and `.target-labels.json` read back into
 * split matrices, the grid search on the first rotation, the winning dropout retrained on the other
 * folds, the task score per seed (the test score, or the mean over folds), and over seeds the mean
 * with a 95% Student-t interval. Rows are in file-name order; the kit's own order (a Python
 * generator seeded with 0) is not reproduced, which changes batch composition, not the protocol.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { HostTensor } from "../ir/index.js";
import {
  foldRotations,
  gridSearchDownstream,
  trainDownstream,
  type DownstreamOptions,
  type DownstreamResult,
  type TargetSet,
} from "./downstream.js";
import { hearError, type HearError } from "./error.js";
import { decodeNpy } from "./npy.js";
import { parseVocabulary, TaskMetadata } from "./task.js";

/** A task's embeddings as read back: metadata, vocabulary and one target set per split. */
export interface TaskEmbeddings {
  readonly metadata: TaskMetadata;
  readonly vocabulary: ReadonlyArray<string>;
  readonly splits: Readonly<Record<string, TargetSet>>;
}

const SceneLabels = t.array(t.union([t.string, t.number]));

const fail = (path: string, why: string) => E.left(hearError("task", path, why));

/** One split folder: every `<clip>.embedding.npy` (sorted) with its labels as multi-hot rows. */
const readSplit = (dir: string, vocabulary: ReadonlyArray<string>): E.Either<HearError, TargetSet> => {
  if (!existsSync(dir)) return fail(dir, "no such split folder");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".embedding.npy"))
    .sort();
  if (files.length === 0) return fail(dir, "no .embedding.npy files");
  const index = new Map(vocabulary.map((l, i) => [l, i] as const));
  const rows: Float32Array[] = [];
  const targets = new Float32Array(files.length * vocabulary.length);
  for (const [i, f] of files.entries()) {
    const path = join(dir, f);
    const arr = decodeNpy(new Uint8Array(readFileSync(path)), path);
    if (E.isLeft(arr)) return fail(path, arr.left.slice(path.length + 2));
    if (arr.right.shape.length !== 1) return fail(path, `a scene embedding must be 1-D, got shape (${arr.right.shape.join(", ")})`);
    if (rows.length > 0 && arr.right.data.length !== rows[0]!.length)
      return fail(path, `width ${arr.right.data.length}, the others have ${rows[0]!.length}`);
    rows.push(Float32Array.from(arr.right.data));
    const labelPath = path.replace(/\.embedding\.npy$/, ".target-labels.json");
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(labelPath, "utf8"));
    } catch (e) {
      return fail(labelPath, `cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const labels = SceneLabels.decode(json);
    if (E.isLeft(labels)) return fail(labelPath, "expected a list of labels");
    for (const l of labels.right) {
      const c = index.get(String(l));
      if (c === undefined) return fail(labelPath, `label ${JSON.stringify(String(l))} is not in labelvocabulary.csv`);
      targets[i * vocabulary.length + c] = 1;
    }
  }
  const d = rows[0]!.length;
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => x.set(r, i * d));
  const host = (data: Float32Array, w: number): HostTensor => ({ shape: [rows.length, w], dtype: "f32", data });
  return E.right({ x: host(x, d), targets: host(targets, vocabulary.length) });
};

/**
 * Reads a task folder written by `mwmae embed --out` (or by hear-eval-kit's embedding step).
 * @example
 * const task = readTaskEmbeddings("embeddings/esc50-v2.0.0-full"); // Right({ metadata, splits })
 */
export const readTaskEmbeddings = (dir: string): E.Either<HearError, TaskEmbeddings> => {
  const metaPath = join(dir, "task_metadata.json");
  const vocabPath = join(dir, "labelvocabulary.csv");
  return pipe(
    E.tryCatch(
      () => [JSON.parse(readFileSync(metaPath, "utf8")) as unknown, readFileSync(vocabPath, "utf8")] as const,
      (e) => hearError("task", dir, `cannot read the task files: ${e instanceof Error ? e.message : String(e)}`),
    ),
    E.chain(([meta, vocab]) =>
      pipe(
        TaskMetadata.decode(meta),
        E.mapLeft(() => hearError("task", metaPath, "not a HEAR task_metadata.json")),
        E.chain((metadata) =>
          metadata.embedding_type !== "scene"
            ? E.left(hearError("task", metaPath, "only scene tasks are evaluated here"))
            : pipe(
                parseVocabulary(vocab, vocabPath),
                E.chain((vocabulary) =>
                  pipe(
                    E.traverseArray((s: string) =>
                      pipe(
                        readSplit(join(dir, s), vocabulary),
                        E.map((set) => [s, set] as const),
                      ),
                    )(metadata.splits),
                    E.map((pairs) => ({ metadata, vocabulary, splits: Object.fromEntries(pairs) })),
                  ),
                ),
              ),
        ),
      ),
    ),
  );
};

/** Rows of several sets stacked in the given order. */
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
  return { x: cat(sets.map((s) => s.x)), targets: cat(sets.map((s) => s.targets)) };
};

/** Two-sided 95% Student-t quantiles for 1…30 degrees of freedom (beyond: the normal 1.96). */
const t975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * Mean and 95% half-width `t(0.975, n − 1) · s / √n` (s with n − 1), as the kit aggregates seeds.
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

export interface SeedScore {
  readonly seed: number;
  /** The test score (train/valid/test), or the mean over folds. */
  readonly score: number;
  readonly folds: ReadonlyArray<DownstreamResult & { readonly test: string }>;
}

export interface TaskScore {
  readonly task: string;
  /** The primary metric's name (`evaluation[0]`). */
  readonly metric: string;
  readonly seeds: ReadonlyArray<SeedScore>;
  readonly mean: number;
  readonly halfWidth: number;
}

/**
 * The kit's protocol on one task for each seed: grid search on the first rotation (its winner is
 * that fold's result), the winning dropout retrained from scratch on every other rotation.
 * @example
 * const score = await evaluateTask(task, [0, 1, 2], { hidden: 1024 }); // score.mean ± score.halfWidth
 */
export const evaluateTask = async (
  task: TaskEmbeddings,
  seeds: ReadonlyArray<number>,
  options: Omit<DownstreamOptions, "prediction" | "seed"> = {},
): Promise<TaskScore> => {
  const { metadata } = task;
  const prediction = metadata.prediction_type;
  const rotations =
    metadata.split_mode === "trainvaltest" ? [{ test: "test", valid: "valid", train: ["train"] }] : foldRotations(metadata.splits);
  const dataOf = (r: (typeof rotations)[number]) => ({
    train: stack(r.train.map((s) => task.splits[s]!)),
    valid: task.splits[r.valid]!,
    test: task.splits[r.test]!,
  });
  const results: SeedScore[] = [];
  for (const seed of seeds) {
    const opts = { ...options, prediction, seed };
    const { best } = await gridSearchDownstream(dataOf(rotations[0]!), opts);
    const folds = [{ ...best, test: rotations[0]!.test }];
    for (const r of rotations.slice(1)) folds.push({ ...(await trainDownstream(dataOf(r), best.dropout, opts)), test: r.test });
    results.push({ seed, score: folds.reduce((a, f) => a + f.testScore, 0) / folds.length, folds });
  }
  const { mean, halfWidth } = meanConfidence(results.map((r) => r.score));
  return { task: metadata.task_name, metric: metadata.evaluation[0] ?? "top1_acc", seeds: results, mean, halfWidth };
};
