/**
 * @file Checkpoints that lose nothing: one safetensors file per save (tensors by path, plus a JSON
 * metadata record under `__metadata__.mwmae`), written atomically, then a `latest` pointer written
 * atomically too. A crash at any moment leaves the previous checkpoint and pointer intact; loading
 * checks the file fully and, if the newest is damaged, says so and can fall back to the one before.
 */

import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { HostTensor } from "../ir/index.js";
import { writeFileAtomic, type WriteError } from "./atomic.js";
import { decodeSafetensors, encodeSafetensors, type FormatError } from "./safetensors.js";
import { reportErrors } from "./tensor-json.js";

/** Why a checkpoint could not be saved or loaded: the file at fault and a one-line message. */
export interface CheckpointError {
  readonly kind: "checkpoint";
  readonly path: string;
  readonly message: string;
}

/** One saved training state: its step, the tensors by path and the caller's metadata (decoded with the caller's codec on load). */
export interface Checkpoint<M> {
  readonly step: number;
  readonly tensors: Readonly<Record<string, HostTensor>>;
  readonly meta: M;
}

const fileFor = (dir: string, step: number): string => join(dir, `ckpt-${String(step).padStart(8, "0")}.safetensors`);
const pointer = (dir: string): string => join(dir, "latest");

const asCheckpointError = (e: WriteError | FormatError): CheckpointError =>
  e.kind === "write"
    ? { kind: "checkpoint", path: e.path, message: e.message }
    : { kind: "checkpoint", path: e.source, message: `${e.field}: ${e.message}` };

/** Saves atomically and keeps the newest `keep` checkpoints. Returns the file written. */
export const saveCheckpoint = <M>(dir: string, ckpt: Checkpoint<M>, keep = 3): E.Either<CheckpointError, string> => {
  const path = fileFor(dir, ckpt.step);
  const bytes = encodeSafetensors(ckpt.tensors, { mwmae: JSON.stringify({ step: ckpt.step, meta: ckpt.meta }) });
  return pipe(
    writeFileAtomic(path, bytes),
    E.chain(() => writeFileAtomic(pointer(dir), `${path.slice(dir.length + 1)}\n`)),
    E.mapLeft(asCheckpointError),
    E.map(() => {
      listCheckpoints(dir)
        .slice(0, -keep)
        .forEach((old) => rmSync(join(dir, old), { force: true }));
      return path;
    }),
  );
};

/** Checkpoint files in a folder, oldest first. */
export const listCheckpoints = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^ckpt-\d{8}\.safetensors$/.test(f))
        .sort()
    : [];

const Envelope = t.type({ step: t.number, meta: t.unknown });

/** Loads and fully checks one checkpoint file; `meta` is decoded by the caller's codec. */
export const loadCheckpoint = <M>(path: string, codec: t.Type<M, unknown, unknown>): E.Either<CheckpointError, Checkpoint<M>> => {
  const fail = (message: string): CheckpointError => ({ kind: "checkpoint", path, message });
  if (!existsSync(path)) return E.left(fail("no such file"));
  return pipe(
    decodeSafetensors(new Uint8Array(readFileSync(path)), path),
    E.mapLeft(asCheckpointError),
    E.chain((file) =>
      pipe(
        E.tryCatch(
          () => JSON.parse(file.metadata["mwmae"] ?? "null") as unknown,
          () => fail("metadata is not JSON"),
        ),
        E.chain((raw) =>
          pipe(
            Envelope.decode(raw),
            E.mapLeft((errs) => fail(`metadata: ${reportErrors(errs).slice(0, 3).join("; ")}`)),
          ),
        ),
        E.chain((env) =>
          pipe(
            codec.decode(env.meta),
            E.mapLeft((errs) => fail(`metadata: ${reportErrors(errs).slice(0, 3).join("; ")}`)),
            E.map((meta) => ({ step: env.step, tensors: file.tensors, meta })),
          ),
        ),
      ),
    ),
  );
};

/**
 * The newest loadable checkpoint in `dir` (by the `latest` pointer, else by name). A damaged newest
 * file, or one that `check` finds inconsistent (a reason string; e.g. its stored step disagrees with
 * its metadata), is skipped for the one before, and the reasons are returned beside the result.
 */
export const loadLatestCheckpoint = <M>(
  dir: string,
  codec: t.Type<M, unknown, unknown>,
  check: (checkpoint: Checkpoint<M>, path: string) => string | undefined = () => undefined,
): E.Either<CheckpointError, { readonly checkpoint: Checkpoint<M>; readonly skipped: ReadonlyArray<CheckpointError> }> => {
  const named = existsSync(pointer(dir)) ? readFileSync(pointer(dir), "utf8").trim() : "";
  const files = [...new Set([named, ...listCheckpoints(dir).reverse()].filter((f) => f !== ""))];
  const skipped: CheckpointError[] = [];
  for (const f of files) {
    const loaded = loadCheckpoint(join(dir, f), codec);
    const problem = E.isRight(loaded) ? check(loaded.right, join(dir, f)) : undefined;
    if (E.isRight(loaded) && problem === undefined) return E.right({ checkpoint: loaded.right, skipped });
    skipped.push(E.isLeft(loaded) ? loaded.left : { kind: "checkpoint", path: join(dir, f), message: problem! });
  }
  return E.left({
    kind: "checkpoint",
    path: dir,
    message:
      skipped.length === 0 ? "no checkpoint found" : `no loadable checkpoint: ${skipped.map((s) => `${s.path}: ${s.message}`).join("; ")}`,
  });
};
