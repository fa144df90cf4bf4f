/**
 * @file A HEAR model: MW-MAE parameters and configuration with the two compiled pieces the embedding
 * functions need, the front-end (audio → standardised log-mel) and the encoder (`forwardFeatures` on
 * 200-frame chunks). Each piece is traced and prepared once per input shape and kept in the model
 * (the front-end for the 4 most recent clip lengths), so a task of equal-length clips compiles once.
 * `loadModel` builds one from files, as HEAR's `load_model(path)` does; `hearModel` from parameters
 * already in memory (a run that just trained).
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { logMel, standardize } from "../audio/index.js";
import { jit, reference, type Backend } from "../backends/index.js";
import type { HostTensor, Tensor } from "../ir/index.js";
import { forwardFeatures, geometry, loadParams, type HostParams, type MwmaeConfig, type MwmaeParams } from "../models/mwmae/index.js";
import { spec } from "../trace/index.js";
import { checkpointConfig, parameterTensors, type CheckpointFile } from "./checkpoint.js";
import { hearError, type HearError } from "./error.js";

/** The sample rate every HEAR model here takes (DESIGN.md §2). */
export const hearSampleRate = 16000;

/** Options of `hearModel`: where it runs and how many chunks one run encodes; every field is optional. */
export interface HearModelOptions {
  /** Where graphs run; the float32 reference interpreter by default. */
  readonly backend?: Backend;
  /** Most 200-frame chunks encoded in one run (bounds memory; default 16). */
  readonly maxChunksPerRun?: number;
}

/** A loaded model, with HEAR's attributes under their TypeScript names. */
export interface HearModel {
  readonly sampleRate: typeof hearSampleRate;
  /** Width of a scene embedding: frequency patches × encoder width (3840 for MW-MAE-base). */
  readonly sceneEmbeddingSize: number;
  /** Width of a timestamp embedding (the same number). */
  readonly timestampEmbeddingSize: number;
  readonly config: MwmaeConfig;
  readonly params: HostParams;
  readonly backend: Backend;
  /** Standardised log-mels `[n, frames, mels]` of clips `[n, samples]`. */
  readonly frontEnd: (audio: HostTensor) => Promise<HostTensor>;
  /** `forwardFeatures` of chunks `[c, frames, mels]`: `[c, frames / patch, sceneEmbeddingSize]`. */
  readonly encode: (chunks: HostTensor) => Promise<HostTensor>;
}

/**
 * A cache of compiled functions by shape, each traced and prepared once, keeping the `capacity` most
 * recently used: clips of many different lengths (FSD50K's 0.3–30 s) must not pile up graphs.
 */
const memo = <V>(make: (key: string) => Promise<V>, capacity = Infinity): ((key: string) => Promise<V>) => {
  const made = new Map<string, Promise<V>>();
  return (key) => {
    const value = made.get(key) ?? make(key);
    made.delete(key); // re-insert: Map order is recency order
    made.set(key, value);
    if (made.size > capacity) made.delete(made.keys().next().value!);
    return value;
  };
};

/** Rows `[from, to)` of a tensor along its first axis, sharing the data. */
const rows = (x: HostTensor, from: number, to: number): HostTensor => {
  const inner = x.data.length / x.shape[0]!;
  return { shape: [to - from, ...x.shape.slice(1)], dtype: x.dtype, data: x.data.subarray(from * inner, to * inner) };
};

/** Tensors joined along their first axis (same trailing shape and data type). */
const joinRows = (parts: ReadonlyArray<HostTensor>): HostTensor => {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const Ctor = parts[0]!.data.constructor as Float32ArrayConstructor;
  const data = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((n, p) => n + p.shape[0]!, 0), ...parts[0]!.shape.slice(1)], dtype: parts[0]!.dtype, data };
};

/**
 * A HEAR model from a configuration and parameters already in memory.
 * @example
 * const model = hearModel(cfg, realizedParams); // then getSceneEmbeddings(audio, model)
 */
export const hearModel = (config: MwmaeConfig, params: HostParams, options: HearModelOptions = {}): HearModel => {
  const backend = options.backend ?? reference({ precision: "f32" });
  const maxChunks = options.maxChunksPerRun ?? 16;
  const g = geometry(config);
  const width = g.grid[1] * config.encoder.dim;
  const frontEndFor = memo(async (key) => {
    const [n, samples] = key.split("x").map(Number) as [number, number];
    return jit(({ x }: { x: Tensor<readonly [number, number]> }) => standardize(logMel(x)), { x: spec([n, samples] as const) }, backend);
  }, 4);
  const encoderFor = memo(async (key) =>
    jit(
      ({ p, x }: { p: MwmaeParams; x: Tensor<readonly [number, number, number]> }) => forwardFeatures(p, config)(x),
      { p: params, x: spec([Number(key), config.input.frames, config.input.mels] as const) } as never,
      backend,
    ),
  );
  const frontEnd = async (audio: HostTensor): Promise<HostTensor> => {
    const [n, samples] = audio.shape as readonly [number, number];
    const run = await frontEndFor(`${n}x${samples}`);
    return run({ x: audio as HostTensor<readonly [number, number]> });
  };
  const encode = async (chunks: HostTensor): Promise<HostTensor> => {
    const count = chunks.shape[0]!;
    const outputs: HostTensor[] = [];
    for (let from = 0; from < count; from += maxChunks) {
      const part = rows(chunks, from, Math.min(count, from + maxChunks));
      const run = await encoderFor(String(part.shape[0]));
      outputs.push((await run({ p: params, x: part } as never)) as unknown as HostTensor);
    }
    return joinRows(outputs);
  };
  return {
    sampleRate: hearSampleRate,
    sceneEmbeddingSize: width,
    timestampEmbeddingSize: width,
    config,
    params,
    backend,
    frontEnd,
    encode,
  };
};

/** Where `modelFromCheckpoint` takes the configuration from. */
export interface CheckpointModelOptions extends HearModelOptions {
  /** The configuration; else the checkpoint's own. */
  readonly config?: MwmaeConfig;
  /** The configuration when neither `config` nor the checkpoint gives one. */
  readonly fallbackConfig?: MwmaeConfig;
}

/**
 * A model from a decoded checkpoint (`decodeCheckpoint`) and a configuration: `options.config`, else
 * the one the checkpoint carries, else `options.fallbackConfig`. A `Left` names `source` and the
 * first bad field or tensor. Runs anywhere; `loadModel` (mwmae-ts/node) reads the files.
 * @example
 * const model = modelFromCheckpoint(decodeCheckpoint(bytes, "w.msgpack"), "w.msgpack", { config });
 */
export const modelFromCheckpoint = (
  file: CheckpointFile,
  source: string,
  options: CheckpointModelOptions = {},
): E.Either<HearError, HearModel> =>
  pipe(
    options.config !== undefined
      ? E.right<HearError, MwmaeConfig>(options.config)
      : pipe(
          checkpointConfig(file, source),
          E.chain((c) => {
            const config = c ?? options.fallbackConfig;
            return config !== undefined
              ? E.right(config)
              : E.left(hearError("config", source, "the checkpoint carries no configuration: give one"));
          }),
        ),
    E.chain((config) =>
      pipe(
        loadParams(config, parameterTensors(file.tensors)),
        E.bimap(
          (e) => hearError("checkpoint", source, `does not match the configuration: ${e.message}`),
          (params) => hearModel(config, params, options),
        ),
      ),
    ),
  );

/** Audio clips `[n, samples]` as one host tensor (rows must be of equal length). */
export const audioBatch = (audio: ReadonlyArray<Float32Array> | HostTensor): HostTensor<readonly [number, number]> => {
  if (!Array.isArray(audio)) {
    const t = audio as HostTensor;
    if (t.shape.length !== 2) throw new RangeError(`audio: expected [n_sounds, n_samples], got [${t.shape.join(", ")}]`);
    return t as HostTensor<readonly [number, number]>;
  }
  const clips = audio as ReadonlyArray<Float32Array>;
  const samples = clips[0]?.length ?? 0;
  clips.forEach((c, i) => {
    if (c.length !== samples)
      throw new RangeError(
        `audio: every sound must have the same length (HEAR API); sound 0 has ${samples} samples, sound ${i} has ${c.length}`,
      );
  });
  const data = new Float32Array(clips.length * samples);
  clips.forEach((c, i) => data.set(c, i * samples));
  return { shape: [clips.length, samples] as const, dtype: "f32", data };
};
