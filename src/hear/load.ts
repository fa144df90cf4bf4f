/**
 * @file Model files on disk for the HEAR layer (Node-only): a configuration file, a checkpoint file
 * in either format, and HEAR's `load_model` over both.
 */

import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as TE from "fp-ts/lib/TaskEither.js";
import { locateCheckpoint } from "../io/node.js";
import type { MwmaeConfig } from "../models/mwmae/index.js";
import { decodeCheckpoint, decodeConfigText, type CheckpointFile } from "./checkpoint.js";
import { hearError, type HearError } from "./error.js";
import { modelFromCheckpoint, type CheckpointModelOptions, type HearModel } from "./model.js";

const readBytes = (path: string, kind: "config" | "checkpoint"): E.Either<HearError, Uint8Array> =>
  E.tryCatch(
    // A fresh Uint8Array, not Node's pooled Buffer: decoders take `.buffer` views of what they get.
    () => new Uint8Array(readFileSync(path)),
    (e) => hearError(kind, path, `cannot read: ${e instanceof Error ? e.message : String(e)}`),
  );

/**
 * Reads and decodes a configuration file (either dialect).
 * @example
 * readConfigFile("tiny_hear.config.json"); // Right({ kind: "mwmae", … })
 */
export const readConfigFile = (path: string): E.Either<HearError, MwmaeConfig> =>
  pipe(
    readBytes(path, "config"),
    E.chain((bytes) => decodeConfigText(new TextDecoder().decode(bytes), path)),
  );

/**
 * Reads a checkpoint in either format, from a file or a folder (a trainer's work folder: its newest
 * `checkpoint_<step>`; an Orbax `checkpoint_<step>/` folder; this project's run folder), told apart
 * by content. `file` is the file read and `how` how it was chosen ("" for a file given directly).
 * @example
 * readCheckpointFile("workdir"); // Right({ format: "flax-msgpack", trainState: { step: 4, … }, file: "workdir/checkpoint_4", … })
 */
export const readCheckpointFile = (path: string): E.Either<HearError, CheckpointFile & { readonly file: string; readonly how: string }> =>
  pipe(
    locateCheckpoint(path),
    E.mapLeft((e) => hearError("checkpoint", e.path, e.message)),
    E.chain((loc) =>
      pipe(
        readBytes(loc.file, "checkpoint"),
        E.chain((bytes) => decodeCheckpoint(bytes, loc.file)),
        E.map((file) => ({ ...file, file: loc.file, how: loc.how })),
      ),
    ),
  );

/**
 * One line on what a checkpoint is and what of it is not used (a TrainState's optimiser state, RNG
 * keys, empty collections), or undefined for a plain weights file: said once by whoever loads it.
 * @example
 * checkpointNote(file); // "workdir/checkpoint_2: the official trainer's TrainState at step 2 (newest of …); not used: batch_stats (empty), …"
 */
export const checkpointNote = (file: CheckpointFile & { readonly file: string; readonly how: string }): string | undefined => {
  const what = file.trainState === undefined ? undefined : `the official trainer's TrainState at step ${file.trainState.step}`;
  const ignored = file.ignored ?? [];
  if (what === undefined && ignored.length === 0 && file.how === "") return undefined;
  const parts = [what, file.how === "" ? undefined : `(${file.how})`].filter((p) => p !== undefined).join(" ");
  return `${file.file}: ${parts === "" ? "weights" : parts}${ignored.length > 0 ? `; not used: ${ignored.join(", ")}` : ""}`;
};

/** `modelFromCheckpoint`'s options, where the configuration may also be a JSON file's path. */
export interface LoadModelOptions extends Omit<CheckpointModelOptions, "config"> {
  /** The configuration, or a JSON file holding it (either dialect); else the checkpoint's own. */
  readonly config?: MwmaeConfig | string;
  /** Told once what the checkpoint is and what of it is not used (`checkpointNote`), when there is something to say. */
  readonly onNote?: (line: string) => void;
}

/**
 * HEAR's `load_model`: a model from a checkpoint file (this project's safetensors or an official
 * Flax msgpack) and a configuration: `options.config`, else the one the checkpoint carries, else
 * `options.fallbackConfig`. A `Left` names the file and the first bad field or tensor.
 * @example
 * const model = await loadModel("tiny_hear.msgpack", { config: "tiny_hear.config.json" })();
 */
export const loadModel = (checkpointPath: string, options: LoadModelOptions = {}): TE.TaskEither<HearError, HearModel> =>
  TE.fromEither(
    pipe(
      readCheckpointFile(checkpointPath),
      E.chain((file) => {
        const note = checkpointNote(file);
        if (note !== undefined) options.onNote?.(note);
        return E.right(file);
      }),
      E.chain((file) =>
        pipe(
          typeof options.config === "string" ? readConfigFile(options.config) : E.right<HearError, MwmaeConfig | undefined>(options.config),
          E.chain((config) => modelFromCheckpoint(file, file.file, { ...options, config })),
        ),
      ),
    ),
  );
