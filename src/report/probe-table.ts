/**
 * @file The demo's results as tables: linear-probe accuracies per encoder with the split sizes, and
 * wall time per phase. One data shape, two renderings: aligned plain text for the terminal (and CI
 * logs) and HTML for the report, so the two never disagree.
 */

import { htmlTable, type Cell } from "./html.js";

/** One encoder's probe. */
export interface ProbeRow {
  /** `MW-MAE`, `MAE`, `random init`… */
  readonly model: string;
  /** Width of the scene embedding. */
  readonly dim: number;
  readonly trainAccuracy: number;
  readonly validAccuracy: number;
  readonly testAccuracy: number;
  /** Probe updates behind the weights kept (chosen on the validation split). */
  readonly bestEpoch: number;
}

/** A timed phase of the job. */
export interface Phase {
  readonly name: string;
  readonly seconds: number;
}

export interface ProbeSummary {
  readonly classes: number;
  /** Clips in each split of the labelled task. */
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
  readonly rows: ReadonlyArray<ProbeRow>;
}

const accuracy = (a: number): string => (Number.isFinite(a) ? a.toFixed(3) : "n/a");
const seconds = (s: number): string => s.toFixed(1);

/** Columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
export const alignColumns = (rows: ReadonlyArray<ReadonlyArray<string>>): string[] => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
};

const probeHeader = ["model", "dim", "train acc", "valid acc", "test acc", "best epoch"];
const probeCells = (r: ProbeRow): string[] => [
  r.model,
  String(r.dim),
  accuracy(r.trainAccuracy),
  accuracy(r.validAccuracy),
  accuracy(r.testAccuracy),
  String(r.bestEpoch),
];

/** The line above the probe table: classes and split sizes. */
export const probeCaption = (s: ProbeSummary): string =>
  `linear probe on scene embeddings: ${s.classes} classes; clips train ${s.sizes.train}, valid ${s.sizes.valid}, test ${s.sizes.test}`;

/**
 * The probe table as text lines.
 * @example
 * probeTableText(summary).join("\n"); // "linear probe …\nmodel  dim  train acc …\nMW-MAE  320  1.000 …"
 */
export const probeTableText = (s: ProbeSummary): string[] => [probeCaption(s), ...alignColumns([probeHeader, ...s.rows.map(probeCells)])];

/** Wall time per phase, and the total, as text lines. */
export const phaseTableText = (phases: ReadonlyArray<Phase>): string[] =>
  alignColumns([
    ["phase", "wall time (s)"],
    ...phases.map((p) => [p.name, seconds(p.seconds)]),
    ["total", seconds(phases.reduce((t, p) => t + p.seconds, 0))],
  ]);

const num = (s: string): Cell => ({ num: s });

/** The probe table as HTML, with its caption. */
export const probeTableHtml = (s: ProbeSummary): string =>
  `<p>${probeCaption(s)}</p>\n${htmlTable(
    probeHeader,
    s.rows.map((r) => {
      const [model, ...rest] = probeCells(r);
      return [model!, ...rest.map(num)];
    }),
  )}`;

/** The phase table as HTML. */
export const phaseTableHtml = (phases: ReadonlyArray<Phase>): string =>
  htmlTable(
    ["phase", "wall time (s)"],
    [...phases.map((p) => [p.name, num(seconds(p.seconds))]), ["total", num(seconds(phases.reduce((t, p) => t + p.seconds, 0)))]],
  );
