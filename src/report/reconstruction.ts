/**
 * @file A masked-autoencoder reconstruction as pictures: from a log-mel `[frames, mels]`, the model's
 * prediction for every patch `[n, time·freq]` and the mask `[n]` (1 = hidden from the encoder), the
 * matrices a report draws, transposed to `[mels, frames]` (frequency rows, time columns): the input,
 * which cells were masked, and the reconstruction (the input where visible, the prediction
 * unpatchified into the masked patches, as the MAE paper shows it). The patch layout is
 * `patchify`'s: token `⌊t/time⌋·(mels/freq) + ⌊m/freq⌋`, values frame by frame within a patch.
 */

import type { PatchSize } from "../models/mwmae/index.js";

export interface ReconstructionViews {
  /** Mel bins: the rows of every view. */
  readonly rows: number;
  /** Frames: the columns. */
  readonly cols: number;
  /** The input, `[mels, frames]`. */
  readonly original: Float32Array;
  /** Input on visible patches, prediction on masked ones, `[mels, frames]`. */
  readonly reconstruction: Float32Array;
  /** Whether cell (mel row, frame column) lies in a masked patch. */
  readonly masked: (row: number, col: number) => boolean;
  /** Mean squared error of the prediction over masked cells: the pre-training loss of this one crop. */
  readonly maskedMse: number;
  /** Masked patches, of `n`. */
  readonly maskedPatches: number;
}

/**
 * Where cell (frame `t`, mel `m`) lives in the patch sequence: its token and its offset within the
 * token's `time·freq` values.
 */
export const patchCell = (patch: PatchSize, mels: number, t: number, m: number): { readonly token: number; readonly offset: number } => ({
  token: Math.floor(t / patch.time) * (mels / patch.freq) + Math.floor(m / patch.freq),
  offset: (t % patch.time) * patch.freq + (m % patch.freq),
});

/**
 * The views of one reconstruction.
 * @example
 * const v = reconstructionViews(logmel, pred, mask, 200, 80, { time: 4, freq: 16 });
 * heatmapPng(v.reconstruction, v.rows, v.cols, { flipRows: true });
 */
export const reconstructionViews = (
  x: ArrayLike<number>,
  pred: ArrayLike<number>,
  mask: ArrayLike<number>,
  frames: number,
  mels: number,
  patch: PatchSize,
): ReconstructionViews => {
  const values = patch.time * patch.freq;
  const n = (frames / patch.time) * (mels / patch.freq);
  if (x.length !== frames * mels || pred.length !== n * values || mask.length !== n) {
    throw new RangeError(
      `reconstructionViews: expected ${frames * mels} input values, ${n * values} predicted values and ${n} mask entries; got ${x.length}, ${pred.length}, ${mask.length}`,
    );
  }
  const original = new Float32Array(frames * mels);
  const reconstruction = new Float32Array(frames * mels);
  let squared = 0;
  let cells = 0;
  for (let t = 0; t < frames; t++) {
    for (let m = 0; m < mels; m++) {
      const { token, offset } = patchCell(patch, mels, t, m);
      const v = x[t * mels + m]!;
      const hidden = mask[token]! > 0.5;
      const p = pred[token * values + offset]!;
      original[m * frames + t] = v;
      reconstruction[m * frames + t] = hidden ? p : v;
      if (hidden) {
        squared += (p - v) ** 2;
        cells += 1;
      }
    }
  }
  const maskedPatches = Array.from(mask).filter((v) => v > 0.5).length;
  return {
    rows: mels,
    cols: frames,
    original,
    reconstruction,
    masked: (row, col) => mask[patchCell(patch, mels, col, row).token]! > 0.5,
    maskedMse: cells === 0 ? Number.NaN : squared / cells,
    maskedPatches,
  };
};
