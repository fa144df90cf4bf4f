/**
 * @file Matrices as images: a perceptual colour map (viridis, sampled at 9 stops and interpolated),
 * optional greying of masked cells, and PNG data URIs for HTML reports.
 */

import { encodePng } from "./png.js";

const viridis: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** Viridis colour of `t` in [0, 1] (clamped). */
export const colour = (t: number): readonly [number, number, number] => {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (viridis.length - 1);
  const i = Math.min(viridis.length - 2, Math.floor(x));
  const f = x - i;
  const a = viridis[i]!;
  const b = viridis[i + 1]!;
  const mix = (c: 0 | 1 | 2): number => Math.round(a[c] + f * (b[c] - a[c]));
  return [mix(0), mix(1), mix(2)];
};

/** How `heatmapPng` draws a matrix: value range, greyed cells, cell size, row order. */
export interface HeatmapOptions {
  /** Value range mapped to the colour map; defaults to the data's min and max. */
  readonly range?: readonly [number, number];
  /** Cells drawn grey (e.g. masked patches), as a predicate on (row, col). */
  readonly greyed?: (row: number, col: number) => boolean;
  /** Pixels per cell. */
  readonly scale?: number;
  /** Draw row 0 at the bottom (spectrogram convention: low frequencies down). */
  readonly flipRows?: boolean;
}

/** PNG of a row-major `rows × cols` matrix. */
export const heatmapPng = (data: ArrayLike<number>, rows: number, cols: number, options: HeatmapOptions = {}): Uint8Array => {
  const s = options.scale ?? 2;
  let [lo, hi] = options.range ?? [Infinity, -Infinity];
  if (options.range === undefined)
    for (let i = 0; i < rows * cols; i++) {
      lo = Math.min(lo, data[i]!);
      hi = Math.max(hi, data[i]!);
    }
  const span = hi - lo || 1;
  const w = cols * s;
  const h = rows * s;
  const rgb = new Uint8Array(w * h * 3);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = (data[r * cols + c]! - lo) / span;
      const grey = options.greyed?.(r, c) === true;
      const [R, G, B] = grey ? ([128, 128, 128] as const) : colour(v);
      const py = options.flipRows === true ? rows - 1 - r : r;
      for (let dy = 0; dy < s; dy++) {
        for (let dx = 0; dx < s; dx++) {
          const o = ((py * s + dy) * w + c * s + dx) * 3;
          rgb[o] = R;
          rgb[o + 1] = G;
          rgb[o + 2] = B;
        }
      }
    }
  }
  return encodePng(rgb, w, h);
};

/** Base64 of bytes (RFC 4648, with padding), without Node's Buffer so that it runs in browsers too. */
export const base64 = (bytes: Uint8Array): string => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const word = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += alphabet[word >> 18]! + alphabet[(word >> 12) & 63]!;
    out += b === undefined ? "=" : alphabet[(word >> 6) & 63]!;
    out += c === undefined ? "=" : alphabet[word & 63]!;
  }
  return out;
};

/** `data:image/png;base64,…` for an `<img src>`. */
export const pngDataUri = (png: Uint8Array): string => `data:image/png;base64,${base64(png)}`;
