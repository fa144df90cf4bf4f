/**
 * @file The analysis as one JSON-ready record and as a self-contained HTML page: heat maps of
 * entropy and distance (layer × head, per part and model) and of PWCCA and CKA (layer × layer), each
 * beside a table of its values, as the MW-MAE paper's figures show them. Browser-safe strings only.
 */

import type { HeadEntry } from "./analyze.js";
import type { LayerSimilarity } from "./compare.js";
import { heatmapPng, pngDataUri } from "./heatmap.js";

/** One analysed model in a report. */
export interface ReportModel {
  /** Where it came from (a checkpoint path) and its configuration's source. */
  readonly checkpoint: string;
  readonly config: unknown;
  /** Encoder heads (layer by layer), then decoder heads. */
  readonly heads: ReadonlyArray<HeadEntry>;
}

/** Everything `mwmae analyze` prints and writes. */
export interface AnalysisReport {
  /** The model analysed (`--checkpoint`). */
  readonly model: ReportModel;
  /** The model compared with it (`--compare`), when given. */
  readonly compare?: ReportModel;
  /** The clips and how many whole chunks each gave. */
  readonly clips: ReadonlyArray<{ readonly file: string; readonly chunks: number }>;
  /** Chunks averaged over. */
  readonly chunks: number;
  /** Seed of the decoder's masking noise. */
  readonly seed: number;
  /** PWCCA, mean CCA and CKA of the model's encoder layers (rows) with the compared model's, or its own (columns). */
  readonly similarity: LayerSimilarity & { readonly rows: string; readonly columns: string };
  /** Units of the per-head fields. */
  readonly units: Readonly<Record<string, string>>;
}

/** The units of every per-head field, as the report states them. */
export const reportUnits: Readonly<Record<string, string>> = {
  entropy: "nats",
  distance: "tokens of the attended sequence (flattened, time-major)",
  distanceTime: "time patches",
  distanceFreq: "frequency patches",
  distanceGrid: "patches (Euclidean on the grid)",
  distanceMs: "milliseconds",
  distanceMel: "mel bins",
  clsMass: "attention probability on the class token",
};

const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Pixels per heat-map cell. */
const cell = 36;

/** A heat map and its table for a matrix of values with row and column labels. */
const figure = (
  title: string,
  rows: ReadonlyArray<string>,
  cols: ReadonlyArray<string>,
  values: ReadonlyArray<ReadonlyArray<number>>,
  range?: readonly [number, number],
): string => {
  const flat = values.flat();
  const [lo, hi] = range ?? [Math.min(...flat), Math.max(...flat)];
  const png = heatmapPng(flat, rows.length, cols.length, { scale: cell, range: [lo, hi] });
  const head = `<tr><th></th>${cols.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = values
    .map((row, r) => `<tr><th scope="row">${escapeHtml(rows[r]!)}</th>${row.map((v) => `<td>${v.toFixed(3)}</td>`).join("")}</tr>`)
    .join("");
  return [
    `<figure><figcaption>${escapeHtml(title)} (colour: ${lo.toFixed(3)} → ${hi.toFixed(3)}, viridis)</figcaption>`,
    `<img src="${pngDataUri(png)}" alt="${escapeHtml(title)}" width="${cols.length * cell}" height="${rows.length * cell}">`,
    `<table>${head}${body}</table></figure>`,
  ].join("\n");
};

/** Layer × head matrices of one measure for one part of one model. */
const headFigure = (name: string, heads: ReadonlyArray<HeadEntry>, part: HeadEntry["part"], field: "entropy" | "distance"): string => {
  const mine = heads.filter((h) => h.part === part);
  if (mine.length === 0) return "";
  const layers = Math.max(...mine.map((h) => h.layer)) + 1;
  const count = Math.max(...mine.map((h) => h.head)) + 1;
  const values = Array.from({ length: layers }, (_, l) =>
    Array.from({ length: count }, (_, h) => mine.find((e) => e.layer === l && e.head === h)![field]),
  );
  const cols = Array.from({ length: count }, (_, h) => {
    const w = mine.find((e) => e.head === h)!.window;
    return `h${h} ${w === 0 ? "global" : `w=${w}`}`;
  });
  const unit = field === "entropy" ? "nats" : "tokens";
  return figure(
    `${name}: ${part} ${field} (${unit}), layer × head`,
    Array.from({ length: layers }, (_, l) => `layer ${l}`),
    cols,
    values,
  );
};

/**
 * The report as a standalone HTML page (images inlined as data URIs).
 * @example
 * writeFileAtomic("analysis.html", analysisHtml(report));
 */
export const analysisHtml = (report: AnalysisReport): string => {
  const models = [["A", report.model] as const, ...(report.compare === undefined ? [] : [["B", report.compare] as const])];
  const headFigures = models.flatMap(([name, m]) =>
    (["encoder", "decoder"] as const).flatMap((part) => [
      headFigure(`${name} (${m.checkpoint})`, m.heads, part, "entropy"),
      headFigure(`${name} (${m.checkpoint})`, m.heads, part, "distance"),
    ]),
  );
  const s = report.similarity;
  const rowLabels = s.pwcca.map((_, i) => `${s.rows} layer ${i}`);
  const colLabels = (s.pwcca[0] ?? []).map((_, j) => `${s.columns} layer ${j}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MW-MAE attention analysis</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}figure{margin:1.5em 0}img{image-rendering:pixelated;display:block;margin:.5em 0}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}</style></head>
<body><h1>MW-MAE attention analysis</h1>
<p>${report.chunks} chunk(s) from ${report.clips.length} clip(s); decoder masking seed ${report.seed}. Entropy in nats; distance in tokens of the sequence each head attends over; window 0 is a global head. Definitions: docs/analysis.md.</p>
<ul>${models.map(([name, m]) => `<li>${name}: ${escapeHtml(m.checkpoint)}</li>`).join("")}</ul>
<h2>Attention entropy and distance per head</h2>
${headFigures.join("\n")}
<h2>Encoder layers: PWCCA and linear CKA</h2>
<p>${s.datapoints} datapoints (patch tokens × chunks) per layer.</p>
${figure(`PWCCA, ${s.rows} × ${s.columns}`, rowLabels, colLabels, s.pwcca, [0, 1])}
${figure(`linear CKA, ${s.rows} × ${s.columns}`, rowLabels, colLabels, s.cka, [0, 1])}
</body></html>
`;
};
