/**
 * @file Crops of spectrograms along time: pre-training sees random 200-frame (2 s) windows of each clip
 * (DESIGN.md §2). The crop is a `gather` whose indices are `iota + start`, and `start` may be a graph
 * input, so one compiled graph serves every crop; the random start is drawn on the host from a key.
 * Clips shorter than the crop are zero-padded at the end (zero is the clip mean once standardised).
 */

import { add, broadcastTo, cast, gather, iota, padAll, reshape, scalar, type Tensor } from "../ir/index.js";
import { bits, type Key } from "../random/index.js";
import { ShapeError, type DropLast, type LastDim } from "../shape/index.js";

/** Frames in one pre-training crop: 200 frames of 10 ms, 2 s (DESIGN.md §2). */
export const cropFramesDefault = 200;

/**
 * A uniformly random start for a window of `frames` among `total` frames: an integer in
 * [0, total − frames], or 0 when the clip is no longer than the window. One 32-bit word from `k`,
 * scaled (bias below range/2³², negligible for clip lengths).
 * @example
 * const start = cropStart(fold(dataKey, step), 1001, 200);
 */
export const cropStart = (k: Key, total: number, frames: number): number => {
  if (!Number.isSafeInteger(frames) || frames <= 0) throw new RangeError(`cropStart: frames must be a positive integer, got ${frames}`);
  const range = Math.max(0, total - frames) + 1;
  return Math.floor((bits(k, 1)[0]! * range) / 2 ** 32);
};

/**
 * `frames` consecutive frames of `x` along its second-to-last axis, from `start`: `[..., T, F] →
 * [..., frames, F]`. `start` is a number, or an i32 tensor (a scalar, or one start per batch element
 * with the batch dims' shape) so it can be fed at run time. Windows past the end of a clip shorter than
 * `frames` read zeros.
 * @example
 * const crop = cropFrames(logmel, input("start", [], "i32"), 200);
 */
export const cropFrames = <S extends readonly [...number[], number, number], N extends number>(
  x: Tensor<S>,
  start: number | Tensor,
  frames: N,
): Tensor<readonly [...DropLast<DropLast<S>>, N, LastDim<S>]> => {
  const v: Tensor = x;
  if (v.shape.length < 2) throw new ShapeError("cropFrames", "needs rank >= 2 (time, features)", [v.shape]);
  const rank = v.shape.length;
  const batch = v.shape.slice(0, rank - 2);
  const total = v.shape[rank - 2]!;
  const features = v.shape[rank - 1]!;
  // Shorter clips: pad the time axis so every index in [0, frames) exists.
  const padded =
    total < frames
      ? padAll(
          v,
          v.shape.map(() => 0),
          v.shape.map((_, i) => (i === rank - 2 ? frames - total : 0)),
        )
      : v;
  if (typeof start === "number" && !(Number.isInteger(start) && start >= 0 && start + frames <= Math.max(total, frames))) {
    throw new ShapeError("cropFrames", `window [${start}, ${start + frames}) is outside ${total} frames`, [v.shape]);
  }
  const s = typeof start === "number" ? scalar(start, "i32") : cast(start, "i32");
  if (s.shape.length !== 0 && s.shape.join() !== batch.join()) {
    throw new ShapeError("cropFrames", "start must be a scalar or have the batch dims' shape", [v.shape, s.shape]);
  }
  const out = [...batch, frames, features];
  const offsets = broadcastTo(s.shape.length === 0 ? s : reshape(s, [...s.shape, 1, 1]), out);
  const idx = add(iota(out, rank - 2), offsets);
  return gather(padded, idx, rank - 2) as never;
};

/**
 * A random crop of `frames` frames (default 200) of a spectrogram `[..., T, F]`, the start drawn from
 * `k` (one start for all batch elements; use `cropFrames` with per-element starts otherwise).
 * @example
 * const crop = randomCrop(fold(k, clipIndex), standardize(logMel(audio)), 200);
 */
export const randomCrop = <S extends readonly [...number[], number, number], N extends number = 200>(
  k: Key,
  x: Tensor<S>,
  frames: N = cropFramesDefault as N,
): Tensor<readonly [...DropLast<DropLast<S>>, N, LastDim<S>]> => {
  const total = (x as Tensor).shape[(x as Tensor).shape.length - 2] ?? 0;
  return cropFrames(x, cropStart(k, total, frames), frames);
};
