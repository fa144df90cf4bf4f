/**
 * @file Results of several models as one table of tasks × models (seed mean ± 95% half-width, ×100 as
 * the paper prints them), with s(m) over the models given (hear-protocol.md §4) and, for tasks among
 * the paper's ten, its published MAE and MW-MAE numbers beside ours. One data shape, three renderings:
 * markdown, CSV and JSON (the HTML report draws from the same data).
 */

import * as E from "fp-ts/lib/Either.js";
import { higherIsBetter } from "./event-metrics.js";
import { normalisedScores, paperOverall, paperTasks, type OverallScores } from "./overall-score.js";

/** One model's result on one task (what `evaluation.json` and `mwmae evaluate --json` hold). */
export interface ResultEntry {
  readonly model: string;
  /** `task_name`. */
  readonly task: string;
  /** The primary metric. */
  readonly metric: string;
  /** Seed mean and 95% half-width, as fractions. */
  readonly mean: number;
  readonly halfWidth: number;
  readonly seeds: number;
  /** Where the entry came from (for messages). */
  readonly source: string;
}

/** The table: models and tasks in order, the cells, s(m), and whether the paper's columns apply. */
export interface ResultsTable {
  readonly models: ReadonlyArray<string>;
  readonly tasks: ReadonlyArray<{ readonly task: string; readonly metric: string }>;
  /** `cells[task][model]`, absent where a model lacks the task. */
  readonly cells: Readonly<Record<string, Readonly<Record<string, ResultEntry>>>>;
  readonly overall: OverallScores;
  /** Whether some task is among the paper's ten (then its columns are shown). */
  readonly paper: boolean;
}

/**
 * The table of `entries`; `Left` when a model has a task twice or a task has two primary metrics.
 * @example
 * const table = resultsTable(entries); // Right({ models, tasks, cells, overall, paper })
 */
export const resultsTable = (entries: ReadonlyArray<ResultEntry>): E.Either<string, ResultsTable> => {
  const cells: Record<string, Record<string, ResultEntry>> = {};
  const metricOf = new Map<string, ResultEntry>();
  for (const e of entries) {
    const row = cells[e.task] ?? {};
    cells[e.task] = row;
    const twice = row[e.model];
    if (twice !== undefined) return E.left(`${e.source}: model "${e.model}" already has task "${e.task}" (from ${twice.source})`);
    const first = metricOf.get(e.task);
    if (first !== undefined && first.metric !== e.metric)
      return E.left(`${e.source}: task "${e.task}" scored with ${e.metric}, ${first.source} with ${first.metric}`);
    metricOf.set(e.task, first ?? e);
    row[e.model] = e;
  }
  const models = [...new Set(entries.map((e) => e.model))];
  const tasks = [...metricOf.keys()].sort().map((task) => ({ task, metric: metricOf.get(task)!.metric }));
  const overall = normalisedScores(
    models.map((model) => ({
      model,
      scores: Object.fromEntries(
        tasks.flatMap(({ task }) => (cells[task]?.[model] === undefined ? [] : [[task, cells[task]![model]!.mean]])),
      ),
    })),
    (task) => !higherIsBetter(metricOf.get(task)!.metric),
  );
  return E.right({ models, tasks, cells, overall, paper: tasks.some((t) => paperTasks[t.task] !== undefined) });
};

/** `81.2 ± 0.4` (×100, one decimal), `81.2` for one seed, `–` when absent. */
export const formatCell = (e: ResultEntry | undefined): string => {
  if (e === undefined) return "–";
  const mean = Number.isFinite(e.mean) ? (100 * e.mean).toFixed(1) : String(e.mean);
  return Number.isFinite(e.halfWidth) ? `${mean} ± ${(100 * e.halfWidth).toFixed(1)}` : mean;
};

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "n/a");

/** Header and body rows as strings (tasks, then s(m)); the paper's columns last when they apply. */
export const tableRows = (t: ResultsTable): { header: string[]; rows: string[][] } => {
  const header = ["task", "metric", ...t.models, ...(t.paper ? ["MAE (paper)", "MW-MAE (paper)"] : [])];
  const rows = t.tasks.map(({ task, metric }) => {
    const p = paperTasks[task];
    return [
      task,
      metric,
      ...t.models.map((m) => formatCell(t.cells[task]?.[m])),
      ...(t.paper ? (p === undefined ? ["–", "–"] : [p.mae.toFixed(1), `${p.mwmae.toFixed(1)} ± ${p.mwmaeHalfWidth.toFixed(1)}`]) : []),
    ];
  });
  const s = new Map(t.overall.scores.map((x) => [x.model, x.score]));
  rows.push([
    "s(m)",
    `${t.overall.tasks.length} task(s)`,
    ...t.models.map((m) => fmt(s.get(m)!)),
    ...(t.paper ? [paperOverall.mae.toFixed(1), paperOverall.mwmae.toFixed(1)] : []),
  ]);
  return { header, rows };
};

/** Notes under the table: ties and missing tasks left out of s(m), the paper's caveat. */
export const tableNotes = (t: ResultsTable): string[] => [
  "Scores ×100: seed mean ± 95% half-width (Student t over seeds).",
  `s(m) over the ${t.models.length} model(s) given, on ${t.overall.tasks.join(", ") || "no task"}.`,
  ...(t.overall.tied.length > 0 ? [`Left out of s(m), every model ties: ${t.overall.tied.join(", ")}.`] : []),
  ...(t.overall.missing.length > 0 ? [`Left out of s(m), some model lacks it: ${t.overall.missing.join(", ")}.`] : []),
  ...(t.paper ? ["Paper columns: MAE-B-4x16-4l and MW-MAE-B-4x16-4l (arXiv 2306.00561); its s(m) is over its full comparison table."] : []),
];

const markdownCell = (s: string) => s.replace(/\|/g, "\\|");

/** The table as GitHub markdown, notes below. */
export const tableMarkdown = (t: ResultsTable): string => {
  const { header, rows } = tableRows(t);
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map(markdownCell).join(" | ")} |`;
  return [
    line(header),
    line(header.map((_, i) => (i < 2 ? "---" : "---:"))),
    ...rows.map(line),
    "",
    ...tableNotes(t).map((n) => `- ${n}`),
    "",
  ].join("\n");
};

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The table as CSV: one row per task and model with the raw fractions, then s(m) per model. */
export const tableCsv = (t: ResultsTable): string => {
  const lines = [["task", "metric", "model", "mean", "half_width", "seeds"].join(",")];
  for (const { task, metric } of t.tasks)
    for (const m of t.models) {
      const e = t.cells[task]?.[m];
      if (e !== undefined) lines.push([task, metric, m, e.mean, e.halfWidth, e.seeds].map((v) => csvCell(String(v))).join(","));
    }
  for (const s of t.overall.scores) lines.push(["s(m)", "", s.model, s.score, "", ""].map((v) => csvCell(String(v))).join(","));
  return `${lines.join("\n")}\n`;
};

/** The table as JSON data (fractions; s(m) in [0, 100]; non-finite numbers as null). */
export const tableJson = (t: ResultsTable) => ({
  models: t.models,
  tasks: t.tasks.map(({ task, metric }) => ({
    task,
    metric,
    results: Object.fromEntries(
      t.models.flatMap((m) => {
        const e = t.cells[task]?.[m];
        return e === undefined ? [] : [[m, { mean: e.mean, halfWidth: e.halfWidth, seeds: e.seeds }]];
      }),
    ),
    ...(paperTasks[task] === undefined ? {} : { paper: paperTasks[task] }),
  })),
  overall: t.overall,
  ...(t.paper ? { paperOverall } : {}),
});
