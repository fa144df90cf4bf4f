/**
 * @file The pre-training data: a pool of standardised log-mels (the built-in synthetic corpus, or every
 * WAV under a folder, bad files skipped and reported), and batches of random crops drawn from it.
 *
 * The order is a pure function of the data key and a position `{ epoch, index }`: each epoch visits
 * every clip once in an order drawn from `fold(dataKey, epoch)`, and each visit crops at a start drawn
 * from its own key. A checkpoint stores the position, so a resumed run sees exactly the batches the
 * uninterrupted run would have seen.
 */

import * as E from "fp-ts/lib/Either.js";
import { fromData, type HostTensor, type Tensor } from "../ir/index.js";
import { cropStart, logMel, logMelDefaults, modelSampleRate, poolClip, standardize, type AudioError } from "../audio/index.js";
import { findWavFiles, loadClips } from "../audio/node.js";
import { jit, type Backend, type Compiled } from "../backends/index.js";
import { bits, fold, key, type Key } from "../random/index.js";
import { spec, type Spec } from "../trace/index.js";
import type { DataSpec } from "./config.js";

/** One clip of the pool: a standardised log-mel `[frames, mels]`, row-major. */
export interface PoolClip {
  /** A path, or `synth/<index>`. */
  readonly name: string;
  readonly frames: number;
  readonly data: Float32Array;
}

/** The training clips, loaded once: standardised log-mels with their mel count, and the files that were skipped. */
export interface Pool {
  /** Mel bins of every clip. */
  readonly mels: number;
  readonly clips: ReadonlyArray<PoolClip>;
  /** Files that could not be used, with the reason (folder pools only). */
  readonly skipped: ReadonlyArray<AudioError>;
}

/** Where the data stream is: the epoch, and how many clips of it were used. */
export interface DataPosition {
  readonly epoch: number;
  readonly index: number;
}

/** The position of a fresh run: epoch 0, no clip used yet. */
export const startPosition: DataPosition = { epoch: 0, index: 0 };

/** Log-mels of 16 kHz clips, one compiled front-end per clip length (synthetic clips share one). */
const frontEnd = (mels: number, backend: Backend) => {
  const compiled = new Map<number, Compiled<{ x: Spec<readonly [number]> }, Tensor>>();
  const cfg = { ...logMelDefaults, nMels: mels };
  return async (samples: Float32Array): Promise<Float32Array> => {
    let f = compiled.get(samples.length);
    if (f === undefined) {
      f = await jit(({ x }) => standardize(logMel(x, cfg)), { x: spec([samples.length] as readonly [number]) }, backend);
      compiled.set(samples.length, f);
    }
    return Float32Array.from((await f({ x: fromData(samples, [samples.length]) })).data);
  };
};

/**
 * The pool a data spec describes, as `mels`-bin log-mels computed on `backend`. `Left` when nothing
 * usable remains (an unreadable folder, or every file bad: the reasons are in the message).
 * @example
 * const pool = await buildPool({ kind: "synth", clips: 64, seconds: 2.05, seed: 0 }, 80, reference());
 */
export const buildPool = async (spec: DataSpec, mels: number, backend: Backend): Promise<E.Either<string, Pool>> => {
  const toLogMel = frontEnd(mels, backend);
  const clip = async (name: string, samples: Float32Array): Promise<PoolClip> => {
    const data = await toLogMel(samples);
    return { name, frames: data.length / mels, data };
  };
  if (spec.kind === "synth") {
    const k = key(spec.seed);
    const clips: PoolClip[] = [];
    for (let i = 0; i < spec.clips; i++)
      clips.push(await clip(`synth/${i}`, poolClip(k, i, { seconds: spec.seconds, sampleRate: modelSampleRate })));
    return E.right({ mels, clips, skipped: [] });
  }
  const files = await findWavFiles(spec.path)();
  if (E.isLeft(files)) return E.left(files.left.message);
  if (files.right.length === 0) return E.left(`${spec.path}: no .wav files found (searched recursively)`);
  const loaded = await loadClips(files.right)();
  const clips: PoolClip[] = [];
  for (const c of loaded.clips) clips.push(await clip(c.path, c.audio.samples));
  if (clips.length === 0)
    return E.left(
      `${spec.path}: none of the ${files.right.length} .wav files could be used: ${loaded.skipped.map((s) => s.message).join("; ")}`,
    );
  return E.right({ mels, clips, skipped: loaded.skipped });
};

/** The visiting order of epoch `epoch`: clip indices sorted by one random word each (ties by index). */
export const epochOrder = (dataKey: Key, epoch: number, clips: number): number[] => {
  const words = bits(fold(fold(dataKey, epoch), 0), clips);
  return Array.from({ length: clips }, (_, i) => i).sort((a, b) => words[a]! - words[b]! || a - b);
};

/** `frames` rows of a clip from `start`, zero past its end (zero is the clip mean after standardising). */
const copyCrop = (clip: PoolClip, start: number, frames: number, mels: number, out: Float32Array, at: number): void => {
  const rows = Math.max(0, Math.min(frames, clip.frames - start));
  out.set(clip.data.subarray(start * mels, (start + rows) * mels), at);
};

/**
 * The next batch of `batch` crops of `frames` frames, `[batch, frames, mels]`, and the position after it.
 * @example
 * const { x, next } = nextBatch(pool, dataKey, startPosition, 8, 200);
 */
export const nextBatch = (
  pool: Pool,
  dataKey: Key,
  position: DataPosition,
  batch: number,
  frames: number,
): { readonly x: HostTensor<readonly [number, number, number]>; readonly next: DataPosition } => {
  const { mels, clips } = pool;
  const out = new Float32Array(batch * frames * mels);
  let { epoch, index } = position;
  let order = epochOrder(dataKey, epoch, clips.length);
  for (let b = 0; b < batch; b++) {
    if (index >= clips.length) {
      epoch += 1;
      index = 0;
      order = epochOrder(dataKey, epoch, clips.length);
    }
    const clip = clips[order[index]!]!;
    const start = cropStart(fold(fold(fold(dataKey, epoch), 1), index), clip.frames, frames);
    copyCrop(clip, start, frames, mels, out, b * frames * mels);
    index += 1;
  }
  return { x: fromData(out, [batch, frames, mels] as const), next: { epoch, index } };
};
