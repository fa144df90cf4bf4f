/**
 * `mwmae table` as a child process: evaluation.json files of two models read back (the model named by
 * the folder above the task folder, or NAME=PATH), the table on stdout, and with --out the markdown,
 * CSV, JSON and the HTML report with one chart per task and the s(m) ranking.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mwmae } from "./mwmae-process";

const result = (root: string, model: string, task: string, scores: number[]) => {
  const dir = join(root, model, `${task}-v1-full`);
  mkdirSync(dir, { recursive: true });
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const seeds = scores.map((score, seed) => ({ seed, score }));
  writeFileSync(join(dir, "evaluation.json"), JSON.stringify({ task, metric: "top1_acc", mean, halfWidth: 0.01, seeds, dir }));
};

describe("mwmae table", () => {
  it("tabulates two models, with s(m), the paper's columns and an HTML report", async () => {
    const root = mkdtempSync(join(tmpdir(), "mwmae-table-"));
    result(root, "mwmae", "esc50", [0.8, 0.82]);
    result(root, "mwmae", "toy", [0.6, 0.6]);
    result(root, "mae", "esc50", [0.7, 0.72]);
    result(root, "mae", "toy", [0.7, 0.7]);
    const out = join(root, "table");
    const r = await mwmae("table", join(root, "mwmae"), `MAE=${join(root, "mae")}`, "--out", out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("| esc50 | top1_acc | 81.0 ± 1.0 | 71.0 ± 1.0 | 80.9 | 81.2 ± 0.4 |");
    // s(m): mwmae best on esc50 (100) and worst on toy (0): 50; MAE the reverse: 50.
    expect(r.stdout).toContain("| s(m) | 2 task(s) | 50.0 | 50.0 | 88.1 | 89.2 |");
    expect(readFileSync(join(out, "results.md"), "utf8")).toBe(r.stdout);
    expect(readFileSync(join(out, "results.csv"), "utf8")).toContain("toy,top1_acc,MAE,0.7,0.01,2");
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).models).toEqual(["mwmae", "MAE"]);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html.match(/<svg/g)).toHaveLength(3); // esc50, toy, s(m)
    expect(html).toContain("MW-MAE-B (paper)");
  });

  it("names a file that is not a result (exit 1) and refuses bad usage (exit 2)", async () => {
    const root = mkdtempSync(join(tmpdir(), "mwmae-table-"));
    writeFileSync(join(root, "evaluation.json"), JSON.stringify({ task: "toy" }));
    const r = await mwmae("table", join(root, "evaluation.json"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/evaluation\.json: not a result of mwmae evaluate/);
    expect((await mwmae("table", "--format", "xls", root)).code).toBe(2);
  });
});
