/**
 * @file HEAR embeddings as the official runtime (`hear_api/runtime.py`) computes them from a
 * standardised log-mel of any length: cut it into chunks of the model's input length (200 frames),
 * reflect-padding the end, run `forwardFeatures` on every chunk (one batch), concatenate the frames
 * in time, drop `int(T'·pad/chunk)` trailing frames (those that mostly saw padding), and average over
 * time for the scene embedding. Timestamps are the runtime's: frame i at `i·(duration/frames)` ms.
 *
 * Chunking is host-side bookkeeping; the per-chunk encoder is a compiled graph on any backend.
 */

import { fromData, type HostTensor, type Tensor } from "../../ir/index.js";
import { jit, type Backend } from "../../backends/index.js";
import type { MwmaeConfig } from "./config.js";
import { forwardFeatures } from "./features.js";
import type { HostParams, MwmaeParams } from "./params.js";

/** NumPy's `reflect` index for position `i` of a length-`n` axis (repeats reflections past 2n − 2). */
const reflectIndex = (i: number, n: number): number => {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = i % period;
  return m < n ? m : period - m;
};

/** A log-mel cut into model-sized chunks, with how many reflected frames were added at the end. */
export interface Chunks {
  /** `[chunks, chunk frames, mels]`. */
  readonly chunks: HostTensor<readonly [number, number, number]>;
  /** Frames of reflection appended to the last chunk. */
  readonly padFrames: number;
}

/**
 * A log-mel `[frames, mels]` cut into `unit`-frame chunks, the end reflect-padded. The official code
 * pads `unit − frames % unit` frames, a whole extra chunk when `unit` divides `frames`, then trims it
 * again; padding `(unit − frames % unit) % unit` gives the same embeddings without that chunk.
 */
export const chunkLogmel = (logmel: HostTensor, unit: number): Chunks => {
  const [frames, mels] = logmel.shape as readonly [number, number];
  if (logmel.shape.length !== 2 || frames < 1)
    throw new RangeError(`chunkLogmel: expected [frames, mels], got [${logmel.shape.join(", ")}]`);
  const padFrames = (unit - (frames % unit)) % unit;
  const count = (frames + padFrames) / unit;
  const data = new Float32Array(count * unit * mels);
  for (let f = 0; f < frames + padFrames; f++) {
    const src = reflectIndex(f, frames) * mels;
    for (let m = 0; m < mels; m++) data[f * mels + m] = logmel.data[src + m]!;
  }
  return { chunks: fromData(data, [count, unit, mels] as const), padFrames };
};

/** Chunk features `[chunks, T', width]` joined in time, minus `int(T'·pad/unit)` trailing frames. */
export const joinChunks = (features: HostTensor, padFrames: number, unit: number): HostTensor<readonly [number, number]> => {
  const [count, perChunk, width] = features.shape as readonly [number, number, number];
  const frames = count * perChunk - Math.trunc((perChunk * padFrames) / unit);
  return fromData(features.data.subarray(0, frames * width), [frames, width] as const);
};

/** Time in ms of each of `frames` embeddings of `samples` samples at `sampleRate`: `i·duration/frames`. */
export const timestampsMs = (frames: number, samples: number, sampleRate = 16000): Float64Array =>
  Float64Array.from({ length: frames }, (_, i) => (i * (samples / sampleRate) * 1000) / frames);

/** Mean over time of `[frames, width]` embeddings. */
export const sceneOf = (embeddings: HostTensor): Float64Array => {
  const [frames, width] = embeddings.shape as readonly [number, number];
  const out = new Float64Array(width);
  for (let f = 0; f < frames; f++) for (let w = 0; w < width; w++) out[w] = out[w]! + embeddings.data[f * width + w]!;
  return out.map((v) => v / frames);
};

/** The HEAR embeddings of one clip: per-chunk features, per-frame timestamp embeddings with their times, and the scene embedding. */
export interface HearEmbeddings {
  /** Each chunk's `forwardFeatures`, `[chunks, T', F'·dim]`. */
  readonly chunkFeatures: HostTensor;
  /** Per-frame embeddings after the trim, `[frames, F'·dim]`. */
  readonly timestamps: HostTensor<readonly [number, number]>;
  /** Their times in ms. */
  readonly timesMs: Float64Array;
  /** Mean over time, `[F'·dim]`. */
  readonly scene: Float64Array;
  /** Frames of reflection padding appended before chunking (trimmed from `timestamps`). */
  readonly padFrames: number;
}

/**
 * Scene and timestamp embeddings of a standardised log-mel `[frames, mels]` that came from `samples`
 * audio samples (for the times), on `backend`.
 * @example
 * const { scene, timestamps, timesMs } = await hearEmbeddings(params, cfg, logmel, 52800, reference());
 */
export const hearEmbeddings = async (
  params: HostParams,
  cfg: MwmaeConfig,
  logmel: HostTensor,
  samples: number,
  backend: Backend,
): Promise<HearEmbeddings> => {
  const { chunks, padFrames } = chunkLogmel(logmel, cfg.input.frames);
  const encode = await jit(
    ({ p, x }: { p: MwmaeParams; x: Tensor<readonly [number, number, number]> }) => forwardFeatures(p, cfg)(x),
    { p: params, x: chunks } as never,
    backend,
  );
  const chunkFeatures = (await encode({ p: params, x: chunks } as never)) as unknown as HostTensor;
  const timestamps = joinChunks(chunkFeatures, padFrames, cfg.input.frames);
  return { chunkFeatures, timestamps, timesMs: timestampsMs(timestamps.shape[0], samples), scene: sceneOf(timestamps), padFrames };
};
