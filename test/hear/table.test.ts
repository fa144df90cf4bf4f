/**
 * Tables of results: tasks × models with mean ± 95% CI ×100, s(m) over the models given, the paper's
 * published numbers beside ours for its tasks, and the three renderings agreeing.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { resultsTable, tableCsv, tableJson, tableMarkdown, type ResultEntry } from "../../src/hear";

const entry = (model: string, task: string, mean: number, halfWidth = 0.004, metric = "top1_acc"): ResultEntry => ({
  model,
  task,
  metric,
  mean,
  halfWidth,
  seeds: 10,
  source: `${model}/${task}/evaluation.json`,
});

const table = (entries: ResultEntry[]) => {
  const t = resultsTable(entries);
  if (E.isLeft(t)) throw new Error(t.left);
  return t.right;
};

describe("resultsTable", () => {
  it("puts the paper's numbers beside ours and computes s(m) over the models given", () => {
    const t = table([
      entry("A", "esc50", 0.8),
      entry("B", "esc50", 0.9),
      entry("C", "esc50", 0.85),
      entry("A", "speech_commands", 0.4),
      entry("B", "speech_commands", 0.44),
      entry("C", "speech_commands", 0.5),
    ]);
    // hear-protocol.md §4's example, as fractions: A 0, B 70, C 75.
    expect(t.overall.scores.map((s) => s.score)).toEqual([0, 70, 75].map((v) => expect.closeTo(v, 10)));
    const md = tableMarkdown(t);
    expect(md).toContain("| task | metric | A | B | C | MAE (paper) | MW-MAE (paper) |");
    expect(md).toContain("| esc50 | top1_acc | 80.0 ± 0.4 | 90.0 ± 0.4 | 85.0 ± 0.4 | 80.9 | 81.2 ± 0.4 |");
    expect(md).toContain("| speech_commands | top1_acc | 40.0 ± 0.4 | 44.0 ± 0.4 | 50.0 ± 0.4 | 89.4 | 90.9 ± 0.2 |");
    expect(md).toContain("| s(m) | 2 task(s) | 0.0 | 70.0 | 75.0 | 88.1 | 89.2 |");
    const csv = tableCsv(t).trim().split("\n");
    expect(csv[0]).toBe("task,metric,model,mean,half_width,seeds");
    expect(csv).toContain("esc50,top1_acc,B,0.9,0.004,10");
    expect(csv.at(-1)).toMatch(/^s\(m\),,C,(75|74\.9999999999\d*),,$/); // 0.85 − 0.8 is not exactly 0.05 in binary
    const json = tableJson(t);
    expect(json.tasks[0]!.results["C"]).toEqual({ mean: 0.85, halfWidth: 0.004, seeds: 10 });
    expect(json.tasks[0]!.paper?.mwmae).toBe(81.2);
  });

  it("shows no paper columns for other tasks, and marks absent cells", () => {
    const t = table([entry("A", "toy", 0.5), entry("B", "toy", 0.7), entry("B", "other", 0.2)]);
    const md = tableMarkdown(t);
    expect(md).toContain("| task | metric | A | B |\n");
    expect(md).toContain("| other | top1_acc | – | 20.0 ± 0.4 |");
    expect(md).toContain("Left out of s(m), some model lacks it: other.");
  });

  it("refuses a model with the same task twice, naming both files", () => {
    const t = resultsTable([entry("A", "toy", 0.5), entry("A", "toy", 0.6)]);
    expect(E.isLeft(t) && t.left).toBe('A/toy/evaluation.json: model "A" already has task "toy" (from A/toy/evaluation.json)');
  });
});
