/**
 * @file A horizontal bar chart as inline SVG, with 95% interval whiskers: one row per bar, its label
 * on the left, its value (and ± half-width) on the right. The axis starts at 0 (or the lowest
 * negative value) unless every bar sits high (then it zooms on the range, as score comparisons need,
 * and says so with its first tick); a whisker past the axis is clipped, without its cap.
 * Reference bars (published numbers) are drawn hatched-grey.
 */

import { escapeHtml } from "./html.js";

/** One bar. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** 95% half-width, drawn as a whisker. */
  readonly halfWidth?: number;
  /** A published reference value rather than a result of ours. */
  readonly reference?: boolean;
}

/**
 * The chart as an `<svg>` element (no XML prolog: it goes inline into a page).
 * @example
 * barChartSvg([{ label: "MW-MAE", value: 81.2, halfWidth: 0.4 }, { label: "MAE", value: 80.9 }], { title: "esc50 top1_acc" });
 */
export const barChartSvg = (
  bars: ReadonlyArray<Bar>,
  options: { readonly title?: string; readonly width?: number; readonly digits?: number } = {},
): string => {
  const width = options.width ?? 520;
  const digits = options.digits ?? 1;
  const rowHeight = 22;
  const top = options.title === undefined ? 8 : 26;
  const left = 130;
  const right = 120;
  const height = top + rowHeight * Math.max(bars.length, 1) + 24;
  const finite = bars.filter((b) => Number.isFinite(b.value));
  const hw = (b: Bar) => (b.halfWidth !== undefined && Number.isFinite(b.halfWidth) ? b.halfWidth : 0);
  const values = finite.map((b) => b.value);
  const maxValue = Math.max(...values, 1e-9);
  const nonNegative = values.every((v) => v >= 0);
  const lowest = Math.min(...finite.map((b) => (nonNegative ? Math.max(0, b.value - hw(b)) : b.value - hw(b))));
  // Whiskers reach at most half the largest value beyond it: a two-seed interval must not flatten the bars.
  const high = Math.min(Math.max(...finite.map((b) => b.value + hw(b)), maxValue), maxValue + 0.5 * Math.abs(maxValue));
  // Zoom when there is something to compare and every bar sits high: start a quarter of the spread below the lowest whisker.
  const zoom = finite.length >= 2 && lowest > 0.5 * high;
  const start = zoom ? Math.max(0, lowest - Math.max(0.25 * (high - lowest), 0.02 * high)) : Math.min(0, ...values);
  const end = high + 0.05 * (high - start);
  const plot = width - left - right;
  const xOf = (v: number) => left + ((Math.min(Math.max(v, start), end) - start) / (end - start)) * plot;
  const rows = bars.map((b, i) => {
    const y = top + i * rowHeight;
    const label = `<text x="${left - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(b.label)}</text>`;
    if (!Number.isFinite(b.value)) return `${label}<text x="${left + 4}" y="${y + 15}" fill="#999">n/a</text>`;
    const fill = b.reference === true ? "#bbb" : "#4a7ab5";
    const bar = `<rect x="${left}" y="${y + 4}" width="${Math.max(0, xOf(b.value) - left).toFixed(1)}" height="${rowHeight - 8}" fill="${fill}"/>`;
    const hw = b.halfWidth;
    const whisker =
      hw !== undefined && Number.isFinite(hw)
        ? `<line x1="${xOf(b.value - hw).toFixed(1)}" x2="${xOf(b.value + hw).toFixed(1)}" y1="${y + 11}" y2="${y + 11}" stroke="#222" stroke-width="1.5"/>` +
          [b.value - hw, b.value + hw]
            .map((v) => `<line x1="${xOf(v).toFixed(1)}" x2="${xOf(v).toFixed(1)}" y1="${y + 6}" y2="${y + 16}" stroke="#222"/>`)
            .join("")
        : "";
    const text = `${b.value.toFixed(digits)}${hw !== undefined && Number.isFinite(hw) ? ` ± ${hw.toFixed(digits)}` : ""}${b.reference === true ? " (paper)" : ""}`;
    return `${label}${bar}${whisker}<text x="${width - right + 6}" y="${y + 15}">${escapeHtml(text)}</text>`;
  });
  const axisY = top + rowHeight * Math.max(bars.length, 1) + 4;
  const axis = `<line x1="${left}" x2="${left + plot}" y1="${axisY}" y2="${axisY}" stroke="#888"/><text x="${left}" y="${axisY + 14}" text-anchor="middle" fill="#555">${start.toFixed(digits)}</text><text x="${left + plot}" y="${axisY + 14}" text-anchor="middle" fill="#555">${end.toFixed(digits)}</text>`;
  const title = options.title === undefined ? "" : `<text x="4" y="16" font-weight="bold">${escapeHtml(options.title)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">${title}${rows.join("")}${axis}</svg>`;
};
