/**
 * @file Spectrogram ↔ patches. A log-mel `[batch, frames, mels]` is cut into non-overlapping
 * `time × freq` patches; patch (t, f) becomes token `t·(mels/freq) + f` (time-major) and holds its
 * values frame by frame, `time·freq` of them — the official `patchify` (`nhpwqc → nhwpqc`). Both maps
 * are one reshape, one permutation and one reshape, so they cost nothing and differentiate exactly.
 */

import { permute, reshape, type Tensor } from "../../ir/index.js";
import { ShapeError } from "../../shape/index.js";

/** The patch size (frames × mel bins). */
export interface PatchSize {
  readonly time: number;
  readonly freq: number;
}

const gridOf = (op: string, frames: number, mels: number, p: PatchSize): readonly [number, number] => {
  if (frames % p.time !== 0 || mels % p.freq !== 0) {
    throw new ShapeError(op, `${p.time}×${p.freq} patches do not tile a ${frames}×${mels} spectrogram`, [[frames, mels]]);
  }
  return [frames / p.time, mels / p.freq];
};

/**
 * `[batch, frames, mels] → [batch, patches, time·freq]`, patches time-major.
 * @example
 * patchify(logmel, { time: 4, freq: 16 }); // [8, 200, 80] → [8, 250, 64]
 */
export const patchify = <B extends number>(x: Tensor<readonly [B, number, number]>, p: PatchSize): Tensor<readonly [B, number, number]> => {
  const [batch, frames, mels] = x.shape;
  const [h, w] = gridOf("patchify", frames, mels, p);
  const grid: Tensor = reshape(x, [batch, h, p.time, w, p.freq]);
  return reshape(permute(grid, [0, 1, 3, 2, 4]), [batch, h * w, p.time * p.freq]) as never;
};

/**
 * `[batch, patches, time·freq] → [batch, frames, mels]`, the inverse of `patchify` for a spectrogram
 * of `frames × mels`.
 */
export const unpatchify = <B extends number>(
  x: Tensor<readonly [B, number, number]>,
  p: PatchSize,
  frames: number,
  mels: number,
): Tensor<readonly [B, number, number]> => {
  const [batch, n, values] = x.shape;
  const [h, w] = gridOf("unpatchify", frames, mels, p);
  if (n !== h * w || values !== p.time * p.freq) {
    throw new ShapeError("unpatchify", `expected ${h * w} patches of ${p.time * p.freq} values`, [x.shape]);
  }
  const grid: Tensor = reshape(x, [batch, h, w, p.time, p.freq]);
  return reshape(permute(grid, [0, 1, 3, 2, 4]), [batch, frames, mels]) as never;
};
