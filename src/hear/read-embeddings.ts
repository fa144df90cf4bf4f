/**
 * @file A task's embeddings read back from the layout `mwmae embed --out` writes (hear-eval-kit's
 * embedding step, hear-protocol.md §1.6): per split folder, per clip `<clip>.embedding.npy` (`[D]` for
 * scene tasks, `[T, D]` for event tasks) with `<clip>.target-labels.json` (the clip's labels, or the
 * labels active at each timestamp) and for event tasks `<clip>.timestamps.json`; the reference events
 * of event tasks come from the copied `<split>.json`. Rows are in file-name order (frames in time
 * order); the kit's Python-generator order is not reproduced (it changes which rows share a batch).
 *
 * Everything is checked before any training: a missing split file or folder, a label not in
 * `labelvocabulary.csv`, embeddings of two widths, a NaN or infinity, a metric this project does not
 * compute, or a multiclass clip without exactly one label are errors naming the file. A clip listed
 * in a split file without an embedding, and a class without positives in a split when the task
 * reports a per-class metric (mAP, d_prime, aucroc leave such classes out), are problems: the task is
 * evaluated, and the problem reported.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { HostTensor } from "../ir/index.js";
import type { TargetSet } from "./downstream.js";
import { hearError, type HearError } from "./error.js";
import { defaultEventPostprocessingGrid, isEventMetric, type ClipEvents, type SoundEvent } from "./event-metrics.js";
import { isSceneMetric } from "./metrics.js";
import { decodeNpy } from "./npy.js";
import { parseVocabulary, SplitLabels, TaskEvent, TaskMetadata } from "./task.js";

/** A task's embeddings as read back: metadata, vocabulary, one target set per split, and what is odd. */
export interface TaskEmbeddings {
  readonly dir: string;
  readonly metadata: TaskMetadata;
  readonly vocabulary: ReadonlyArray<string>;
  readonly splits: Readonly<Record<string, TargetSet>>;
  /** Event tasks: the postprocessing grid (the metadata's `event_postprocessing_grid`, else the kit's). */
  readonly eventGrid: { readonly median_filter_ms: ReadonlyArray<number>; readonly min_duration: ReadonlyArray<number> };
  /** The dropout grid (`task_specific_param_grid.dropout`, else the kit's 0.1, 0.25). */
  readonly dropoutGrid: ReadonlyArray<number>;
  /** Problems that do not stop the evaluation, each naming its file. */
  readonly problems: ReadonlyArray<string>;
}

const Labels = t.array(t.union([t.string, t.number]));
const FrameLabels = t.array(Labels);
const Times = t.array(t.number);
const EvaluationParams = t.partial({
  event_postprocessing_grid: t.partial({ median_filter_ms: t.array(t.number), min_duration: t.array(t.number) }),
  task_specific_param_grid: t.partial({ dropout: t.array(t.number) }),
});

/**
 * The dropout grid of a task: `evaluation_params.task_specific_param_grid.dropout`, else the kit's 0.1, 0.25.
 * @example
 * dropoutGridOf(metadata); // [0.1, 0.25]
 */
export const dropoutGridOf = (metadata: TaskMetadata): ReadonlyArray<number> => {
  const p = EvaluationParams.decode(metadata.evaluation_params ?? {});
  return (E.isRight(p) ? p.right.task_specific_param_grid?.dropout : undefined) ?? [0.1, 0.25];
};

/** A failed check, thrown inside this module only and returned as a `HearError`. */
class ReadError extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`${path}: ${why}`);
  }
}
const fail = (path: string, why: string): never => {
  throw new ReadError(path, why);
};

const readJson = <A>(path: string, codec: t.Decoder<unknown, A>, what: string): A => {
  if (!existsSync(path)) fail(path, "missing");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    fail(path, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const decoded = codec.decode(json);
  return E.isRight(decoded) ? decoded.right : fail(path, `expected ${what}`);
};

/** The first non-finite element of `data`, or -1. */
const firstNonFinite = (data: ArrayLike<number>): number => {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
};

interface SplitRead {
  readonly set: TargetSet;
  readonly problems: string[];
}

/** One split folder into `{ x, targets, rows, events }`. */
const readSplit = (dir: string, split: string, metadata: TaskMetadata, vocabulary: ReadonlyArray<string>): SplitRead => {
  const event = metadata.embedding_type === "event";
  const listed = readJson(join(dir, `${split}.json`), SplitLabels, "an object of clip → labels or events");
  const folder = join(dir, split);
  if (!existsSync(folder)) fail(folder, `no such split folder (task_metadata.json lists the split "${split}")`);
  const files = readdirSync(folder)
    .filter((f) => f.endsWith(".embedding.npy"))
    .sort();
  if (files.length === 0) fail(folder, "no .embedding.npy files");
  const index = new Map(vocabulary.map((l, i) => [l, i] as const));
  const classes = vocabulary.length;
  const labelIndex = (path: string, l: string | number): number =>
    index.get(String(l)) ?? fail(path, `label ${JSON.stringify(String(l))} is not in labelvocabulary.csv`);
  const chunks: Float32Array[] = [];
  const targets: number[] = [];
  const rows: Array<{ clip: string; timeMs?: number }> = [];
  let width = -1;
  for (const f of files) {
    const path = join(folder, f);
    const clip = f.slice(0, -".embedding.npy".length);
    const arr = decodeNpy(new Uint8Array(readFileSync(path)), path);
    if (E.isLeft(arr)) fail(path, arr.left.startsWith(path) ? arr.left.slice(path.length + 2) : arr.left);
    const { shape, data } = (arr as E.Right<{ shape: ReadonlyArray<number>; data: ArrayLike<number> }>).right;
    if (shape.length !== (event ? 2 : 1))
      fail(path, `${event ? "an event task needs [T, D]" : "a scene embedding must be 1-D"}, got shape (${shape.join(", ")})`);
    const d = shape[shape.length - 1]!;
    if (width >= 0 && d !== width) fail(path, `width ${d}, the files before it have ${width}`);
    width = d;
    const bad = firstNonFinite(data);
    if (bad >= 0) fail(path, `${data[bad]} at element ${bad}${event ? ` (frame ${Math.floor(bad / d)}, column ${bad % d})` : ""}`);
    chunks.push(Float32Array.from(data));
    const labelPath = join(folder, `${clip}.target-labels.json`);
    if (!event) {
      const labels = readJson(labelPath, Labels, "a list of labels");
      if (metadata.prediction_type === "multiclass" && labels.length !== 1)
        fail(labelPath, `a multiclass clip needs exactly one label, got ${labels.length}`);
      const row = new Array<number>(classes).fill(0);
      for (const l of labels) row[labelIndex(labelPath, l)] = 1;
      targets.push(...row);
      rows.push({ clip });
      continue;
    }
    const frames = shape[0]!;
    const times = readJson(join(folder, `${clip}.timestamps.json`), Times, "a list of timestamps (ms)");
    if (times.length !== frames) fail(join(folder, `${clip}.timestamps.json`), `${times.length} timestamps for ${frames} frames`);
    const frameLabels = readJson(labelPath, FrameLabels, "a list of label lists, one per timestamp");
    if (frameLabels.length !== frames) fail(labelPath, `${frameLabels.length} label lists for ${frames} frames`);
    frameLabels.forEach((labels, k) => {
      const row = new Array<number>(classes).fill(0);
      for (const l of labels) row[labelIndex(labelPath, l)] = 1;
      targets.push(...row);
      rows.push({ clip, timeMs: times[k]! });
    });
  }
  const problems: string[] = [];
  const have = new Set(rows.map((r) => r.clip));
  const absent = Object.keys(listed).filter((c) => !have.has(c));
  if (absent.length > 0)
    problems.push(`${join(dir, `${split}.json`)}: ${absent.length} listed clip(s) without an embedding in ${folder} (first: ${absent[0]})`);
  const events: Record<string, SoundEvent[]> = {};
  if (event)
    for (const [clip, list] of Object.entries(listed)) {
      if (!have.has(clip)) continue;
      events[clip] = (list as ReadonlyArray<unknown>).map((e) =>
        TaskEvent.is(e)
          ? { label: vocabulary[labelIndex(join(dir, `${split}.json`), e.label)]!, start: e.start, end: e.end }
          : fail(join(dir, `${split}.json`), `clip ${clip}: expected events { label, start, end }`),
      );
    }
  const n = rows.length;
  const x = new Float32Array(n * width);
  let at = 0;
  for (const c of chunks) {
    x.set(c, at);
    at += c.length;
  }
  const host = (data: Float32Array, w: number): HostTensor => ({ shape: [n, w], dtype: "f32", data });
  return {
    set: {
      x: host(x, width),
      targets: host(Float32Array.from(targets), classes),
      rows,
      ...(event ? { events: events as ClipEvents } : {}),
    },
    problems,
  };
};

/** Classes without a positive row in `set`. */
const classesWithoutPositives = (set: TargetSet, vocabulary: ReadonlyArray<string>): string[] => {
  const [n, classes] = set.targets.shape as readonly [number, number];
  return vocabulary.filter((_, c) => {
    for (let i = 0; i < n; i++) if (set.targets.data[i * classes + c]! > 0) return false;
    return true;
  });
};

/**
 * Reads a task folder written by `mwmae embed --out` (or by hear-eval-kit's embedding step); a `Left`
 * names the file and the problem.
 * @example
 * const task = readTaskEmbeddings("embeddings/esc50-v2.0.0-full"); // Right({ metadata, splits, problems })
 */
export const readTaskEmbeddings = (dir: string): E.Either<HearError, TaskEmbeddings> => {
  const metaPath = join(dir, "task_metadata.json");
  try {
    const metadata = readJson(metaPath, TaskMetadata, "a HEAR task_metadata.json");
    const known = metadata.embedding_type === "event" ? isEventMetric : isSceneMetric;
    const unknown = metadata.evaluation.filter((m) => !known(m));
    if (metadata.evaluation.length === 0) fail(metaPath, "evaluation: no metric");
    if (unknown.length > 0)
      fail(metaPath, `evaluation: ${unknown.map((m) => `"${m}"`).join(", ")} not computed for ${metadata.embedding_type} tasks`);
    if (metadata.split_mode === "trainvaltest" && ["train", "valid", "test"].some((s) => !metadata.splits.includes(s)))
      fail(metaPath, `splits: a trainvaltest task needs train, valid and test, got ${metadata.splits.join(", ")}`);
    if (metadata.split_mode !== "trainvaltest" && metadata.splits.length < 3)
      fail(metaPath, `splits: a k-fold task needs at least 3 folds, got ${metadata.splits.length}`);
    const params = EvaluationParams.decode(metadata.evaluation_params ?? {});
    if (E.isLeft(params))
      fail(metaPath, "evaluation_params: expected number lists in event_postprocessing_grid / task_specific_param_grid");
    const p = E.isRight(params) ? params.right : {};
    const vocabPath = join(dir, "labelvocabulary.csv");
    if (!existsSync(vocabPath)) fail(vocabPath, "missing");
    const vocabulary = parseVocabulary(readFileSync(vocabPath, "utf8"), vocabPath);
    if (E.isLeft(vocabulary)) fail(vocabPath, vocabulary.left.message.slice(vocabPath.length + 2));
    const vocab = E.isRight(vocabulary) ? vocabulary.right : [];
    const problems: string[] = [];
    const splits: Record<string, TargetSet> = {};
    const perClass = metadata.evaluation.some((m) => m === "mAP" || m === "d_prime" || m === "aucroc");
    for (const s of metadata.splits) {
      const read = readSplit(dir, s, metadata, vocab);
      splits[s] = read.set;
      problems.push(...read.problems);
      const empty = perClass ? classesWithoutPositives(read.set, vocab) : [];
      if (empty.length > 0)
        problems.push(
          `${join(dir, s)}: no positives for ${empty.length} class(es) (${empty.slice(0, 5).join(", ")}${empty.length > 5 ? ", …" : ""}); mAP, d_prime and aucroc leave them out`,
        );
    }
    return E.right({
      dir,
      metadata,
      vocabulary: vocab,
      splits,
      eventGrid: { ...defaultEventPostprocessingGrid, ...p.event_postprocessing_grid },
      dropoutGrid: p.task_specific_param_grid?.dropout ?? [0.1, 0.25],
      problems,
    });
  } catch (e) {
    if (e instanceof ReadError) return E.left(hearError("task", e.path, e.why));
    throw e;
  }
};
