/**
 * @file The HEAR common API over audio arrays (hear-protocol.md §2): `getSceneEmbeddings` and
 * `getTimestampEmbeddings` on `[n_sounds, n_samples]` float32 audio at 16 kHz, computed as the
 * official MW-MAE runtime does (§2.2): log-mel and per-clip standardisation (src/audio), 200-frame
 * chunks with the end reflect-padded, the encoder on every chunk without masking, frames joined in
 * time and trimmed, the mean over time for the scene. The chunking arithmetic is src/models/mwmae's.
 * `embedClips` returns every intermediate, for tests and for the CLI, which writes both embeddings.
 */

import type { HostTensor } from "../ir/index.js";
import { chunkLogmel, joinChunks, sceneOf, timestampsMs } from "../models/mwmae/index.js";
import { audioBatch, type HearModel } from "./model.js";

/** One clip's embeddings and the bookkeeping behind them. */
export interface ClipEmbedding {
  /** Audio samples in the clip. */
  readonly samples: number;
  /** Log-mel frames, 1 + ⌊samples / 160⌋. */
  readonly frames: number;
  /** Frames of reflection appended to the last chunk (0 when the frames fill whole chunks). */
  readonly padFrames: number;
  /** The encoder's output per chunk, `[chunks, frames per chunk, width]`. */
  readonly chunkFeatures: HostTensor;
  /** Timestamp embeddings after the trim, `[T, width]`. */
  readonly embeddings: HostTensor<readonly [number, number]>;
  /** Their times in ms, as the official runtime gives them (`i · duration / T`). */
  readonly timestampsMs: Float64Array;
  /** The scene embedding: the mean of `embeddings` over time. */
  readonly scene: Float64Array;
}

/** Row `i` of a `[n, …]` tensor as a tensor of the trailing shape, sharing the data. */
const row = (x: HostTensor, i: number): HostTensor => {
  const inner = x.data.length / x.shape[0]!;
  return { shape: x.shape.slice(1), dtype: x.dtype, data: x.data.subarray(i * inner, (i + 1) * inner) };
};

/**
 * Embeddings from standardised log-mels `[n, frames, mels]` of clips of `samples` samples each (the
 * count sets the timestamps). All chunks of all clips go through the encoder together, in runs of at
 * most the model's `maxChunksPerRun`.
 * @example
 * const [clip] = await embedLogmels(logmels, 52800, model);
 */
export const embedLogmels = async (logmels: HostTensor, samples: number, model: HearModel): Promise<ClipEmbedding[]> => {
  const [n, frames, mels] = logmels.shape as readonly [number, number, number];
  if (logmels.shape.length !== 3) throw new RangeError(`embedLogmels: expected [n, frames, mels], got [${logmels.shape.join(", ")}]`);
  if (n === 0) return [];
  const unit = model.config.input.frames;
  const chunked = Array.from({ length: n }, (_, i) => chunkLogmel(row(logmels, i), unit));
  const total = chunked.reduce((k, c) => k + c.chunks.shape[0], 0);
  const all = new Float32Array(total * unit * mels);
  let at = 0;
  for (const c of chunked) {
    all.set(c.chunks.data, at);
    at += c.chunks.data.length;
  }
  const features = await model.encode({ shape: [total, unit, mels], dtype: "f32", data: all });
  const perChunk = features.data.length / total;
  let chunk = 0;
  return chunked.map((c) => {
    const count = c.chunks.shape[0];
    const mine: HostTensor = {
      shape: [count, ...features.shape.slice(1)],
      dtype: features.dtype,
      data: features.data.subarray(chunk * perChunk, (chunk + count) * perChunk),
    };
    chunk += count;
    const embeddings = joinChunks(mine, c.padFrames, unit);
    return {
      samples,
      frames,
      padFrames: c.padFrames,
      chunkFeatures: mine,
      embeddings,
      timestampsMs: timestampsMs(embeddings.shape[0], samples, model.sampleRate),
      scene: sceneOf(embeddings),
    };
  });
};

/**
 * Embeddings of each clip with every intermediate: the front-end, then `embedLogmels`.
 * @example
 * const [clip] = await embedClips([samples], model); // clip.scene, clip.embeddings, clip.timestampsMs
 */
export const embedClips = async (audio: ReadonlyArray<Float32Array> | HostTensor, model: HearModel): Promise<ClipEmbedding[]> => {
  const batch = audioBatch(audio);
  if (batch.shape[0] === 0) return [];
  return embedLogmels(await model.frontEnd(batch), batch.shape[1], model);
};

/**
 * HEAR's `get_scene_embeddings`: one float32 vector per clip, `[n_sounds, sceneEmbeddingSize]`.
 * @example
 * const scene = await getSceneEmbeddings([clipA, clipB], model); // shape [2, 3840] for MW-MAE-base
 */
export const getSceneEmbeddings = async (
  audio: ReadonlyArray<Float32Array> | HostTensor,
  model: HearModel,
): Promise<HostTensor<readonly [number, number]>> => {
  const clips = await embedClips(audio, model);
  const width = model.sceneEmbeddingSize;
  const data = new Float32Array(clips.length * width);
  clips.forEach((c, i) => data.set(c.scene, i * width));
  return { shape: [clips.length, width] as const, dtype: "f32", data };
};

/** What `getTimestampEmbeddings` returns: embeddings and their times in ms. */
export interface TimestampEmbeddings {
  /** `[n_sounds, n_timestamps, timestampEmbeddingSize]`, float32. */
  readonly embeddings: HostTensor<readonly [number, number, number]>;
  /** `[n_sounds, n_timestamps]` in milliseconds, float32. */
  readonly timestamps: HostTensor<readonly [number, number]>;
}

/**
 * HEAR's `get_timestamp_embeddings`: per-frame float32 embeddings (40 ms apart for 4-frame patches)
 * and their times in ms, which start at 0 (the official runtime's convention, not frame centres).
 * @example
 * const { embeddings, timestamps } = await getTimestampEmbeddings([clip], model); // [1, T, 3840], [1, T]
 */
export const getTimestampEmbeddings = async (
  audio: ReadonlyArray<Float32Array> | HostTensor,
  model: HearModel,
): Promise<TimestampEmbeddings> => {
  const clips = await embedClips(audio, model);
  const frames = clips[0]?.embeddings.shape[0] ?? 0;
  const width = model.timestampEmbeddingSize;
  const embeddings = new Float32Array(clips.length * frames * width);
  const timestamps = new Float32Array(clips.length * frames);
  clips.forEach((c, i) => {
    embeddings.set(c.embeddings.data, i * frames * width);
    timestamps.set(c.timestampsMs, i * frames);
  });
  return {
    embeddings: { shape: [clips.length, frames, width] as const, dtype: "f32", data: embeddings },
    timestamps: { shape: [clips.length, frames] as const, dtype: "f32", data: timestamps },
  };
};
