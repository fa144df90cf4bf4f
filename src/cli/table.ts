/**
 * @file `mwmae table RESULTS...`: results of several models (`evaluation.json` files or folders of
 * them, or `mwmae evaluate --json` output) as one table of tasks × models, mean ± 95% CI, with s(m)
 * over the models given and the paper's published numbers beside ours for its ten tasks. Markdown on
 * stdout (or CSV / JSON with `--format`); with `--out DIR`, all three and an HTML report with one bar
 * chart per task and the s(m) ranking, each file written atomically.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { paperTasks, resultsTable, tableCsv, tableJson, tableMarkdown, tableNotes, tableRows, type ResultsTable } from "../hear/index.js";
import { readResults } from "../hear/node.js";
import { writeFileAtomic } from "../io/node.js";
import { barChartSvg, escapeHtml, figure, htmlTable, renderPage, writeReport, type Bar } from "../report/index.js";
import { type Command, exitCodes, parseFlags, pathFlag, runCommand, UsageError } from "./command.js";

const usage = [
  "usage: mwmae table [options] RESULTS...",
  "",
  "One table of tasks × models (mean ± 95% CI, ×100) with s(m) over the models given; for the paper's ten",
  "HEAR tasks, its published MAE and MW-MAE numbers beside ours.",
  "",
  "RESULTS: an evaluation.json (from `mwmae evaluate`), a folder searched for them, or a JSON Lines file of",
  "`mwmae evaluate --json`; NAME=PATH names the model (default: the entry's model, else the folder above",
  "the task folder).",
  "",
  "options:",
  "  --format md|csv|json   what goes to stdout (default md)",
  "  --out DIR              also write DIR/results.md, results.csv, results.json and report.html",
  "  -h, --help             show this help",
].join("\n");

const options = {
  format: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const json = (value: unknown): string =>
  `${JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;

/**
 * The HTML report: the table, its notes, one bar chart per task (ours, and the paper's where it has
 * the task) and the s(m) ranking.
 * @example
 * const html = tableReport(table);
 */
export const tableReport = (t: ResultsTable): string => {
  const { header, rows } = tableRows(t);
  const perTask = t.tasks.map(({ task, metric }) => {
    const bars: Bar[] = t.models.map((m) => {
      const e = t.cells[task]?.[m];
      return { label: m, value: 100 * (e?.mean ?? NaN), halfWidth: 100 * (e?.halfWidth ?? NaN) };
    });
    const p = paperTasks[task];
    if (p !== undefined)
      bars.push(
        { label: "MAE-B (paper)", value: p.mae, reference: true },
        { label: "MW-MAE-B (paper)", value: p.mwmae, halfWidth: p.mwmaeHalfWidth, reference: true },
      );
    return figure(barChartSvg(bars, { title: `${task} · ${metric}` }), `${task}: ${metric} ×100, seed mean with its 95% interval.`);
  });
  const ranking = [...t.overall.scores].sort((a, b) => (Number.isNaN(a.score) ? 1 : Number.isNaN(b.score) ? -1 : b.score - a.score));
  const sm = figure(
    barChartSvg(
      ranking.map((s) => ({ label: s.model, value: s.score })),
      { title: "s(m)" },
    ),
    `s(m) over the ${t.models.length} model(s) given, on ${t.overall.tasks.length} task(s); 100 = best on every task.`,
  );
  return renderPage({
    title: "HEAR results",
    intro: `<p>${t.models.map(escapeHtml).join(", ")} on ${t.tasks.length} task(s).</p>`,
    sections: [
      {
        id: "table",
        title: "Tasks × models",
        body: `${htmlTable(header, rows)}\n<ul>${tableNotes(t)
          .map((n) => `<li>${escapeHtml(n)}</li>`)
          .join("")}</ul>`,
      },
      { id: "tasks", title: "Per task", body: perTask.join("\n") },
      { id: "overall", title: "s(m) ranking", body: sm },
    ],
  });
};

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f, positionals } = parseFlags(argv, options, true);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  const format = f.format ?? "md";
  if (format !== "md" && format !== "csv" && format !== "json") throw new UsageError(`--format: expected md, csv or json, got "${format}"`);
  if (positionals.length === 0) throw new UsageError("no input: give evaluation.json files or folders of them");
  const out = pathFlag("out", f.out);
  const entries = [];
  for (const p of positionals) {
    const read = readResults(p);
    if (E.isLeft(read)) {
      process.stderr.write(`mwmae table: ${read.left}\n`);
      return exitCodes.failure;
    }
    entries.push(...read.right);
  }
  const built = resultsTable(entries);
  if (E.isLeft(built)) {
    process.stderr.write(`mwmae table: ${built.left}\n`);
    return exitCodes.failure;
  }
  const t = built.right;
  const texts = { md: tableMarkdown(t), csv: tableCsv(t), json: json(tableJson(t)) };
  process.stdout.write(texts[format]);
  if (out !== undefined) {
    mkdirSync(out, { recursive: true });
    for (const [name, text] of [
      ["results.md", texts.md],
      ["results.csv", texts.csv],
      ["results.json", texts.json],
    ] as const) {
      const written = writeFileAtomic(join(out, name), text);
      if (E.isLeft(written)) {
        process.stderr.write(`mwmae table: ${join(out, name)}: ${written.left.message}\n`);
        return exitCodes.failure;
      }
    }
    const html = writeReport(join(out, "report.html"), tableReport(t));
    if (E.isLeft(html)) {
      process.stderr.write(`mwmae table: ${html.left}\n`);
      return exitCodes.failure;
    }
    process.stderr.write(`mwmae table: wrote results.md, results.csv, results.json and report.html to ${out}\n`);
  }
  return exitCodes.ok;
};

/** The `table` subcommand. */
export const tableCommand: Command = {
  name: "table",
  usage,
  run: (argv) => runCommand({ name: "table" }, () => main(argv)),
};
