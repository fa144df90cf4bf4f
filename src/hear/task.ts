/**
 * @file HEAR task folders (hear-protocol.md §1): `task_metadata.json`, `labelvocabulary.csv`, one
 * `<split>.json` per split naming its clips and their labels, and the audio under
 * `<rate>/<split>/`. Everything read is decoded with io-ts; a `Left` names the file and the field.
 * Only what the embedding step and the probes need is interpreted; provenance fields pass through.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { reportErrors } from "../io/index.js";
import { hearError, type HearError } from "./error.js";

/** `task_metadata.json`: the fields the evaluator reads (§1.2). */
export const TaskMetadata = t.intersection([
  t.type({
    task_name: t.string,
    embedding_type: t.union([t.literal("scene"), t.literal("event")]),
    prediction_type: t.union([t.literal("multiclass"), t.literal("multilabel")]),
    split_mode: t.union([t.literal("trainvaltest"), t.literal("presplit_kfold"), t.literal("new_split_kfold")]),
    splits: t.array(t.string),
    sample_duration: t.union([t.number, t.null]),
    evaluation: t.array(t.string),
  }),
  t.partial({
    version: t.string,
    mode: t.string,
    nfolds: t.number,
    use_scoring_for_early_stopping: t.boolean,
    evaluation_params: t.unknown,
  }),
]);
export type TaskMetadata = t.TypeOf<typeof TaskMetadata>;

/** One timed event of an event task, in ms. */
export const TaskEvent = t.type({ label: t.union([t.string, t.number]), start: t.number, end: t.number });
export type TaskEvent = t.TypeOf<typeof TaskEvent>;

/** A split file: clip name → labels (scene tasks) or events (event tasks). */
export const SplitLabels = t.record(t.string, t.union([t.array(t.union([t.string, t.number])), t.array(TaskEvent)]));
export type SplitLabels = t.TypeOf<typeof SplitLabels>;

/** A split: its name, the audio folder for 16 kHz, and its clips with their labels. */
export interface TaskSplit {
  readonly name: string;
  readonly audioDir: string;
  readonly labels: SplitLabels;
}

/** A HEAR task as read from its folder. */
export interface HearTask {
  readonly dir: string;
  readonly metadata: TaskMetadata;
  /** Labels in index order (`labelvocabulary.csv`), as strings. */
  readonly vocabulary: ReadonlyArray<string>;
  readonly splits: ReadonlyArray<TaskSplit>;
  /** The audio rate folder used (`16000` unless the task lacks it). */
  readonly rate: number;
}

/** Whether `dir` looks like a HEAR task (it holds `task_metadata.json`). */
export const isTaskFolder = (dir: string): boolean => existsSync(join(dir, "task_metadata.json"));

const readJson = <A>(path: string, codec: t.Decoder<unknown, A>): E.Either<HearError, A> =>
  pipe(
    E.tryCatch(
      () => JSON.parse(readFileSync(path, "utf8")) as unknown,
      (e) =>
        hearError(
          "task",
          path,
          e instanceof SyntaxError ? `not JSON: ${e.message}` : `cannot read: ${e instanceof Error ? e.message : String(e)}`,
        ),
    ),
    E.chain((json) =>
      pipe(
        codec.decode(json),
        E.mapLeft((errors) => hearError("task", path, reportErrors(errors).slice(0, 3).join("; "))),
      ),
    ),
  );

/** `labelvocabulary.csv`: header `idx,label`, indices 0..n-1 in order (§1.3). */
export const parseVocabulary = (text: string, source: string): E.Either<HearError, string[]> => {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines[0]?.trim() !== "idx,label")
    return E.left(hearError("task", source, `expected the header "idx,label", got ${JSON.stringify(lines[0] ?? "")}`));
  const labels: string[] = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const comma = line.indexOf(",");
    const idx = Number(line.slice(0, comma));
    if (comma < 0 || idx !== i) return E.left(hearError("task", source, `line ${i + 2}: expected index ${i}, got ${JSON.stringify(line)}`));
    labels.push(line.slice(comma + 1).replace(/^"(.*)"$/, "$1"));
  }
  return E.right(labels);
};

/** The rate folder to read: 16000 when present, else the highest rate (clips are resampled on load). */
const pickRate = (dir: string): E.Either<HearError, number> => {
  const rates = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => /^\d+$/.test(n) && statSync(join(dir, n)).isDirectory())
        .map(Number)
    : [];
  if (rates.includes(16000)) return E.right(16000);
  return rates.length > 0 ? E.right(Math.max(...rates)) : E.left(hearError("task", dir, "no audio folder (16000/ or another rate)"));
};

/**
 * Reads a HEAR task folder.
 * @example
 * const task = readTask("tasks/esc50-v2.0.0-full"); // Right({ metadata, vocabulary, splits, rate })
 */
export const readTask = (dir: string): E.Either<HearError, HearTask> =>
  pipe(
    E.Do,
    E.bind("metadata", () => readJson(join(dir, "task_metadata.json"), TaskMetadata)),
    E.bind("vocabulary", () =>
      pipe(
        E.tryCatch(
          () => readFileSync(join(dir, "labelvocabulary.csv"), "utf8"),
          (e) => hearError("task", join(dir, "labelvocabulary.csv"), `cannot read: ${e instanceof Error ? e.message : String(e)}`),
        ),
        E.chain((text) => parseVocabulary(text, join(dir, "labelvocabulary.csv"))),
      ),
    ),
    E.bind("rate", () => pickRate(dir)),
    E.bind("splits", ({ metadata, rate }) =>
      E.traverseArray((name: string) =>
        pipe(
          readJson(join(dir, `${name}.json`), SplitLabels),
          E.map((labels): TaskSplit => ({ name, audioDir: join(dir, String(rate), name), labels })),
        ),
      )(metadata.splits),
    ),
    E.map(({ metadata, vocabulary, rate, splits }) => ({ dir, metadata, vocabulary, rate, splits })),
  );

/**
 * Label indices of a scene clip's labels (string forms compared with the vocabulary, §1.4), or the
 * first label not in it.
 */
export const labelIndices = (task: HearTask, labels: ReadonlyArray<string | number | TaskEvent>): E.Either<string, number[]> => {
  const index = new Map(task.vocabulary.map((l, i) => [l, i] as const));
  const out: number[] = [];
  for (const l of labels) {
    const name = typeof l === "object" ? String(l.label) : String(l);
    const i = index.get(name);
    if (i === undefined) return E.left(`label ${JSON.stringify(name)} is not in labelvocabulary.csv`);
    out.push(i);
  }
  return E.right(out);
};
