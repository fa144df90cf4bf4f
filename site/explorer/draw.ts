/**
 * @file Drawing on canvases: heat maps of matrices (a perceptual blue–yellow ramp, or grey for masked
 * cells), patch-grid lines, a waveform, and window blocks over an attention map. Pure DOM, no library.
 */

/** A colour ramp from dark blue through teal to yellow (viridis-like), `t` in [0, 1]. */
export const ramp = (t: number): readonly [number, number, number] => {
  const stops: ReadonlyArray<readonly [number, number, number]> = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
};

/** Options of `drawMatrix`. */
export interface MatrixOptions {
  /** Value range mapped onto the ramp; default the data's min and max. */
  readonly range?: readonly [number, number];
  /** Draw row 0 at the bottom (spectrograms: low frequencies at the bottom). */
  readonly flipRows?: boolean;
  /** Cells drawn grey instead of coloured. */
  readonly grey?: (row: number, col: number) => boolean;
}

/** Min and max of finite values (0, 1 when there are none). */
export const extent = (data: ArrayLike<number>): readonly [number, number] => {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
};

/** Draws a row-major `[rows, cols]` matrix onto the canvas (one pixel per cell, scaled by CSS). */
export const drawMatrix = (canvas: HTMLCanvasElement, data: ArrayLike<number>, rows: number, cols: number, o: MatrixOptions = {}): void => {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(cols, rows);
  const [lo, hi] = o.range ?? extent(data);
  const span = hi - lo || 1;
  for (let r = 0; r < rows; r++) {
    const y = o.flipRows === true ? rows - 1 - r : r;
    for (let c = 0; c < cols; c++) {
      const at = (y * cols + c) * 4;
      if (o.grey?.(r, c) === true) {
        img.data.set([128, 128, 128, 255], at);
        continue;
      }
      const [R, G, B] = ramp((data[r * cols + c]! - lo) / span);
      img.data.set([R, G, B, 255], at);
    }
  }
  ctx.putImageData(img, 0, 0);
};

/** Draws a waveform (min/max per pixel column) and the frame hop as a scale bar. */
export const drawWave = (canvas: HTMLCanvasElement, samples: Float32Array, width = 800, height = 120): void => {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = "#3b528b";
  const per = samples.length / width;
  const peak = Math.max(1e-6, ...extent(samples).map(Math.abs));
  ctx.beginPath();
  for (let x = 0; x < width; x++) {
    let lo = 0;
    let hi = 0;
    for (let i = Math.floor(x * per); i < Math.floor((x + 1) * per); i++) {
      lo = Math.min(lo, samples[i]!);
      hi = Math.max(hi, samples[i]!);
    }
    ctx.moveTo(x + 0.5, height / 2 - (hi / peak) * (height / 2 - 2));
    ctx.lineTo(x + 0.5, height / 2 - (lo / peak) * (height / 2 - 2) + 1);
  }
  ctx.stroke();
};

/** Lines every `every` cells over a canvas drawn by `drawMatrix` with `[rows, cols]` cells (patch borders). */
export const drawGrid = (canvas: HTMLCanvasElement, everyRow: number, everyCol: number, colour = "rgba(255,255,255,0.7)"): void => {
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = colour;
  for (let r = everyRow; r < canvas.height; r += everyRow) ctx.fillRect(0, r, canvas.width, 0.5);
  for (let c = everyCol; c < canvas.width; c += everyCol) ctx.fillRect(c, 0, 0.5, canvas.height);
};

/** Outlines the diagonal blocks of a window-`w` head over an `[n, n]` attention map (nothing for a global head). */
export const drawWindows = (canvas: HTMLCanvasElement, n: number, w: number): void => {
  if (w === 0 || w >= n) return;
  const ctx = canvas.getContext("2d")!;
  ctx.strokeStyle = "rgba(255, 80, 80, 0.9)";
  ctx.lineWidth = Math.max(0.5, n / 250);
  for (let s = 0; s < n; s += w) ctx.strokeRect(s, s, Math.min(w, n - s), Math.min(w, n - s));
};
