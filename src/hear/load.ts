/**
 * @file Model files on disk for the HEAR layer (Node-only): a configuration file, a checkpoint file
 * in either format, and HEAR's `load_model` over both.
 */

import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as TE from "fp-ts/lib/TaskEither.js";
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
 * Reads a checkpoint in either format.
 * @example
 * readCheckpointFile("tiny_hear.msgpack"); // Right({ format: "flax-msgpack", tensors: { "params/…": … } })
 */
export const readCheckpointFile = (path: string): E.Either<HearError, CheckpointFile> =>
  pipe(
    readBytes(path, "checkpoint"),
    E.chain((bytes) => decodeCheckpoint(bytes, path)),
  );

/** `modelFromCheckpoint`'s options, where the configuration may also be a JSON file's path. */
export interface LoadModelOptions extends Omit<CheckpointModelOptions, "config"> {
  /** The configuration, or a JSON file holding it (either dialect); else the checkpoint's own. */
  readonly config?: MwmaeConfig | string;
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
      E.chain((file) =>
        pipe(
          typeof options.config === "string" ? readConfigFile(options.config) : E.right<HearError, MwmaeConfig | undefined>(options.config),
          E.chain((config) => modelFromCheckpoint(file, checkpointPath, { ...options, config })),
        ),
      ),
    ),
  );
