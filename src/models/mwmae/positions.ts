/**
 * @file Fixed sin-cos position tables (host data: they are constants of the config). The encoder's is
 * 2-D: the first half of the width encodes the frequency-patch index and the second half the
 * time-patch index (the official `get_2d_sincos_pos_embed`, whose meshgrid puts the width axis first),
 * each half as `[sin(p·ω_k), cos(p·ω_k)]` with `ω_k = 10000^(−k/(d/2))`. The decoder's is 1-D over the
 * flattened patch order. With a class token, a row of zeros comes first. Values are computed in
 * float64 and rounded once to float32; the official tables (float32 arithmetic throughout) differ by a
 * few float32 ulps of the angle, see the test.
 */

import { fromData, type HostTensor } from "../../ir/index.js";

/** `[sin(p·ω_0..), cos(p·ω_0..)]` for one position into `out` at `offset`, width `d`. */
const sinCos = (out: Float64Array, offset: number, d: number, p: number): void => {
  const half = d / 2;
  for (let k = 0; k < half; k++) {
    const angle = p / 10000 ** (k / half);
    out[offset + k] = Math.sin(angle);
    out[offset + half + k] = Math.cos(angle);
  }
};

const withClsRow = (rows: number, dim: number, cls: boolean): { table: Float64Array; first: number } => ({
  table: new Float64Array((rows + (cls ? 1 : 0)) * dim),
  first: cls ? 1 : 0,
});

/**
 * The encoder's 2-D table, `[1, (cls) + T·F, dim]` for a `T × F` patch grid (row `t·F + f`).
 * @example
 * encoderPositions([50, 5], 768); // [1, 250, 768]
 */
export const encoderPositions = (grid: readonly [number, number], dim: number, cls = false): HostTensor => {
  const [h, w] = grid;
  const { table, first } = withClsRow(h * w, dim, cls);
  for (let t = 0; t < h; t++) {
    for (let f = 0; f < w; f++) {
      const row = (first + t * w + f) * dim;
      sinCos(table, row, dim / 2, f);
      sinCos(table, row + dim / 2, dim / 2, t);
    }
  }
  return fromData(table, [1, h * w + first, dim]);
};

/** The decoder's 1-D table, `[1, (cls) + n, dim]`. */
export const decoderPositions = (n: number, dim: number, cls = false): HostTensor => {
  const { table, first } = withClsRow(n, dim, cls);
  for (let i = 0; i < n; i++) sinCos(table, (first + i) * dim, dim, i);
  return fromData(table, [1, n + first, dim]);
};
