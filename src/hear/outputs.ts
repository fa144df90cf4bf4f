/**
 * @file Where embeddings go on disk. For a HEAR task, exactly the per-clip files hear-eval-kit's
 * embedding step writes (so its later steps and ours read them): under `<out>/<task folder>/` copies
 * of `task_metadata.json`, `labelvocabulary.csv` and the split files, and per clip
 * `<split>/<clip>.embedding.npy` (float32 `[D]` for scene tasks, `[T, D]` for event tasks) with
 * `<clip>.target-labels.json` (and `<clip>.timestamps.json` for event tasks). For plain WAV files,
 * `<name>.embedding.npy` (scene, `[D]`), `<name>.timestamp-embeddings.npy` (`[T, D]`) and
 * `<name>.timestamps.npy` (`[T]`, ms). Every file is written atomically.
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { makeFolders, writeFileAtomic } from "../io/node.js";
import type { ClipEmbedding } from "./embed.js";
import { hearError, type HearError } from "./error.js";
import { encodeNpy } from "./npy.js";
import type { HearTask, TaskEvent, TaskSplit } from "./task.js";

const write = (path: string, bytes: Uint8Array | string): E.Either<HearError, void> =>
  pipe(
    makeFolders(dirname(path)),
    E.mapLeft((e) => hearError("write", dirname(path), `cannot create the folder: ${e.message}`)),
    E.chain(() =>
      pipe(
        writeFileAtomic(path, bytes),
        E.mapLeft((e) => hearError("write", path, `cannot write: ${e.message}`)),
      ),
    ),
  );

const sequence = (writes: ReadonlyArray<() => E.Either<HearError, void>>): E.Either<HearError, void> =>
  writes.reduce<E.Either<HearError, void>>((acc, w) => E.chain(w)(acc), E.right(undefined));

/** Float32 copies of an embedding's parts, as stored. */
const float32 = (c: ClipEmbedding) => ({
  scene: Float32Array.from(c.scene),
  embeddings: Float32Array.from(c.embeddings.data),
  times: Float32Array.from(c.timestampsMs),
});

/** Writes a plain clip's three `.npy` files as `<base>.…`; returns the scene file. */
export const writeClipFiles = (base: string, c: ClipEmbedding): E.Either<HearError, string> => {
  const f = float32(c);
  return pipe(
    sequence([
      () => write(`${base}.embedding.npy`, encodeNpy(f.scene, [f.scene.length])),
      () => write(`${base}.timestamp-embeddings.npy`, encodeNpy(f.embeddings, c.embeddings.shape)),
      () => write(`${base}.timestamps.npy`, encodeNpy(f.times, [f.times.length])),
    ]),
    E.map(() => `${base}.embedding.npy`),
  );
};

/** The folder a task's embeddings go to. */
export const taskOutputDir = (out: string, task: HearTask): string =>
  join(
    out,
    task.dir
      .split(/[\\/]/)
      .filter((p) => p !== "")
      .pop() ?? "task",
  );

/** Copies the task's metadata, vocabulary and split files, as the kit does before embedding (each copy atomic). */
export const writeTaskMetadata = (out: string, task: HearTask): E.Either<HearError, void> => {
  const dir = taskOutputDir(out, task);
  const copy = (name: string) => () =>
    pipe(
      E.tryCatch(
        () => readFileSync(join(task.dir, name)),
        (e) => hearError("write", join(task.dir, name), `cannot copy: ${e instanceof Error ? e.message : String(e)}`),
      ),
      E.chain((bytes) => write(join(dir, name), new Uint8Array(bytes))),
    );
  return sequence(["task_metadata.json", "labelvocabulary.csv", ...task.splits.map((s) => `${s.name}.json`)].map(copy));
};

/** Events active at each time: start ≤ t < end + 0.0001 ms, the kit's interval rule (§1.4). */
const labelsAtTimes = (events: ReadonlyArray<TaskEvent>, times: Float32Array): string[][] =>
  Array.from(times, (t) => events.filter((e) => e.start <= t && t < e.end + 0.0001).map((e) => String(e.label)));

/** Writes one task clip's files; returns the embedding file. */
export const writeTaskClipFiles = (
  out: string,
  task: HearTask,
  split: TaskSplit,
  clip: string,
  c: ClipEmbedding,
): E.Either<HearError, string> => {
  const base = join(taskOutputDir(out, task), split.name, clip);
  const f = float32(c);
  const labels = split.labels[clip] ?? [];
  const event = task.metadata.embedding_type === "event";
  const embedding = event ? encodeNpy(f.embeddings, c.embeddings.shape) : encodeNpy(f.scene, [f.scene.length]);
  const targets = event ? labelsAtTimes(labels as ReadonlyArray<TaskEvent>, f.times) : labels;
  return pipe(
    sequence([
      () => write(`${base}.embedding.npy`, embedding),
      () => write(`${base}.target-labels.json`, JSON.stringify(targets)),
      ...(event ? [() => write(`${base}.timestamps.json`, JSON.stringify(Array.from(f.times)))] : []),
    ]),
    E.map(() => `${base}.embedding.npy`),
  );
};
