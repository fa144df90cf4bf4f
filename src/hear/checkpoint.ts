/**
 * @file Model files for the HEAR layer: a configuration from JSON in either dialect (this project's
 * `MwmaeConfig`, possibly under a `model` field, or the official keyword arguments as in
 * `tiny_hear.config.json`), and the tensors of a checkpoint in either format (this project's
 * safetensors, or an official Flax msgpack), told apart by their bytes rather than their names.
 * A safetensors file may carry its own configuration in its metadata (`config`, as the golden files
 * do, or the model inside this project's `mwmae` checkpoint record, as src/train writes it), so
 * `--config` is optional for those.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { HostTensor } from "../ir/index.js";
import {
  decodeSafetensors,
  decodeStateDict,
  describeBytes,
  looksLikeSafetensors,
  type FormatError,
  type OfficialTrainState,
} from "../io/index.js";
import { decodeConfig, decodeOfficialConfig, type ConfigError, type MwmaeConfig } from "../models/mwmae/index.js";
import { hearError, type HearError } from "./error.js";

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u);

/**
 * A configuration from parsed JSON: the official keyword arguments when `model_class` is present,
 * the `model` field of a larger file (a run's configuration) when present, else `MwmaeConfig` itself.
 * @example
 * decodeModelConfig("tiny_hear.config.json")(JSON.parse(text)); // Right({ kind: "mwmae", … })
 */
export const decodeModelConfig =
  (source: string) =>
  (json: unknown): E.Either<ConfigError, MwmaeConfig> =>
    isRecord(json) && "model_class" in json
      ? decodeOfficialConfig(source)(json)
      : isRecord(json) && !("kind" in json) && "model" in json
        ? decodeModelConfig(`${source} (model)`)(json["model"])
        : decodeConfig(source)(json);

const parseJson = (text: string, source: string, kind: "config" | "checkpoint"): E.Either<HearError, unknown> =>
  E.tryCatch(
    () => JSON.parse(text) as unknown,
    (e) => hearError(kind, source, `not JSON: ${e instanceof Error ? e.message : String(e)}`),
  );

/**
 * Decodes a configuration file's text (either dialect).
 * @example
 * decodeConfigText(text, "tiny_hear.config.json"); // Right({ kind: "mwmae", … })
 */
export const decodeConfigText = (text: string, source: string): E.Either<HearError, MwmaeConfig> =>
  pipe(
    parseJson(text, source, "config"),
    E.chain((json) =>
      pipe(
        decodeModelConfig(source)(json),
        E.mapLeft((e) => hearError("config", source, e.messages.join("; "))),
      ),
    ),
  );

/** What a checkpoint file holds: tensors by official path, and the configuration it carries, if any. */
export interface CheckpointFile {
  readonly format: "safetensors" | "flax-msgpack";
  readonly tensors: Readonly<Record<string, HostTensor>>;
  /** The raw configuration found in the file's metadata (either dialect), if any. */
  readonly config?: unknown;
  /** The official trainer's TrainState, when the file is one (its parameters and buffers are in `tensors`). */
  readonly trainState?: OfficialTrainState;
  /** What the file holds that is not used, one phrase each (for a note said once). */
  readonly ignored?: ReadonlyArray<string>;
}

/** A Flax state dict is a msgpack map: fixmap (0x80–0x8f), map16 (0xde) or map32 (0xdf). */
const looksLikeMsgpackMap = (b: Uint8Array): boolean =>
  b.length > 0 && ((b[0]! >= 0x80 && b[0]! <= 0x8f) || b[0] === 0xde || b[0] === 0xdf);

const formatMessage = (e: FormatError): string => (e.field === "" ? e.message : `${e.field}: ${e.message}`);

/** The configuration recorded in safetensors metadata: `config`, or this project's `mwmae` record's `meta.config` / `meta.model` (a training run's). */
const configInMetadata = (metadata: Readonly<Record<string, string>>): unknown => {
  const parse = (s: string | undefined): unknown => {
    try {
      return s === undefined ? undefined : (JSON.parse(s) as unknown);
    } catch {
      return undefined;
    }
  };
  const direct = parse(metadata["config"]);
  if (direct !== undefined) return direct;
  const record = parse(metadata["mwmae"]);
  const meta = isRecord(record) && isRecord(record["meta"]) ? record["meta"] : {};
  return meta["config"] ?? meta["model"];
};

/**
 * Decodes a checkpoint's bytes in either format, told apart by content; `path` names the source in errors.
 * @example
 * decodeCheckpoint(bytes, "tiny_hear.msgpack"); // Right({ format: "flax-msgpack", tensors: { "params/…": … } })
 */
export const decodeCheckpoint = (bytes: Uint8Array, path: string): E.Either<HearError, CheckpointFile> => {
  if (looksLikeSafetensors(bytes)) {
    return pipe(
      decodeSafetensors(bytes, path),
      E.bimap(
        (e) => hearError("checkpoint", path, formatMessage(e)),
        (file) => ({ format: "safetensors" as const, tensors: file.tensors, config: configInMetadata(file.metadata) }),
      ),
    );
  }
  if (looksLikeMsgpackMap(bytes)) {
    // A bare {params, buffers} dict or the trainer's whole TrainState (src/io/state-dict.ts).
    return pipe(
      decodeStateDict(bytes, path),
      E.bimap(
        (e) => hearError("checkpoint", path, formatMessage(e)),
        (sd): CheckpointFile => ({
          format: "flax-msgpack",
          tensors: sd.tensors,
          ignored: sd.ignored,
          ...(sd.trainState === undefined ? {} : { trainState: sd.trainState }),
        }),
      ),
    );
  }
  return E.left(hearError("checkpoint", path, `neither a safetensors file nor a Flax msgpack checkpoint: ${describeBytes(bytes)}`));
};

/**
 * The parameters among a checkpoint's tensors: those under `params/` when there are any (other
 * collections, optimiser state and buffers are left out), else every tensor.
 */
export const parameterTensors = (tensors: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> => {
  const entries = Object.entries(tensors);
  const params = entries.filter(([k]) => k.startsWith("params/"));
  return Object.fromEntries(params.length > 0 ? params : entries);
};

/** The configuration a checkpoint carries, decoded, if it carries one. */
export const checkpointConfig = (file: CheckpointFile, source: string): E.Either<HearError, MwmaeConfig | undefined> =>
  file.config === undefined
    ? E.right(undefined)
    : pipe(
        decodeModelConfig(source)(file.config),
        E.mapLeft((e) => hearError("config", source, `the configuration in its metadata: ${e.messages.join("; ")}`)),
      );
