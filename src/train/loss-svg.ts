/**
 * @file The loss curve as a small, self-contained SVG (no plotting library): the loss per step as a
 * thin line, an exponential moving average over it as a thick one, with ticked axes. Pure: records in,
 * markup out; the run writes it atomically next to its JSONL log.
 */

/** One point of the curve. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

const width = 640;
const height = 360;
const margin = { left: 64, right: 16, top: 36, bottom: 44 };

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export const niceTicks = (lo: number, hi: number, count = 5): number[] => {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
};

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number): string =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));

/** Exponential moving average with bias correction (as TensorBoard's smoothing), weight `alpha`. */
const smooth = (ys: ReadonlyArray<number>, alpha = 0.9): number[] => {
  let acc = 0;
  return ys.map((y, i) => {
    acc = alpha * acc + (1 - alpha) * y;
    return acc / (1 - alpha ** (i + 1));
  });
};

/**
 * An SVG document plotting `points` (finite losses only).
 * @example
 * writeFileAtomic("run/loss.svg", lossCurveSvg(records, "MW-MAE tiny"));
 */
export const lossCurveSvg = (points: ReadonlyArray<LossPoint>, title: string): string => {
  const pts = points.filter((p) => Number.isFinite(p.loss));
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`;
  const titleEl = `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`;
  if (pts.length === 0)
    return `${head}<rect width="100%" height="100%" fill="white"/>${titleEl}<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no steps logged yet</text></svg>\n`;
  const steps = pts.map((p) => p.step);
  const losses = pts.map((p) => p.loss);
  const [x0, x1] = [Math.min(...steps), Math.max(...steps, Math.min(...steps) + 1)];
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
  const [y0, y1] = [lo - pad, hi + pad];
  const sx = (x: number): number => margin.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number): number => margin.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const line = (ys: ReadonlyArray<number>): string => pts.map((p, i) => `${sx(p.step).toFixed(1)},${sy(ys[i]!).toFixed(1)}`).join(" ");
  const xTicks = niceTicks(x0, x1).filter((v) => Number.isInteger(v));
  const yTicks = niceTicks(y0, y1);
  const bottom = margin.top + plotH;
  return [
    head,
    `<rect width="100%" height="100%" fill="white"/>`,
    titleEl,
    ...yTicks.map(
      (v) =>
        `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${margin.left - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`,
    ),
    ...xTicks.map(
      (v) =>
        `<line x1="${sx(v).toFixed(1)}" x2="${sx(v).toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="black"/><text x="${sx(v).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${fmt(v)}</text>`,
    ),
    `<path d="M${margin.left},${margin.top}V${bottom}H${margin.left + plotW}" fill="none" stroke="black"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">step</text>`,
    `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">loss (masked-patch MSE)</text>`,
    `<polyline points="${line(losses)}" fill="none" stroke="#9ecae1" stroke-width="1"/>`,
    `<polyline points="${line(smooth(losses))}" fill="none" stroke="#08519c" stroke-width="2"/>`,
    `</svg>`,
    "",
  ].join("\n");
};
