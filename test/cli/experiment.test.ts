/**
 * `mwmae experiment --quick` as a child process: both pre-training runs, the synthetic task written as
 * a HEAR task folder, `mwmae hear` on MW-MAE, MAE and the shared random initialisation, the table and
 * experiment.json; a second run reuses every step.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./mwmae-process";

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["bin/mwmae.js", ...args], { cwd: root, encoding: "utf8", timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe("mwmae experiment --quick", () => {
  it("pre-trains both models, evaluates three encoders with mwmae hear, and reuses everything when run again", () => {
    const out = join(mkdtempSync(join(tmpdir(), "mwmae-exp-")), "exp");
    const first = run("experiment", "--quick", "--out", out, "--progress", "none");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\| synthetic \| top1_acc \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|/);
    for (const f of [
      "pretrain-mwmae/params.msgpack",
      "pretrain-mae/params.msgpack",
      "tasks/synthetic-v1-full/16000/test",
      "hear/report/report.html",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    const record = JSON.parse(readFileSync(join(out, "experiment.json"), "utf8"));
    expect(record.runs[0].phases.map((p: { name: string }) => p.name)).toEqual([
      "pre-train mwmae",
      "pre-train mae",
      "embed + evaluate (mwmae hear)",
    ]);
    expect(JSON.parse(readFileSync(join(out, "hear/report/results.json"), "utf8")).models).toEqual(["MW-MAE", "MAE", "random-init"]);

    const again = run("experiment", "--quick", "--out", out, "--progress", "none");
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/pre-training/);
    expect(again.stderr).toMatch(/random-init × synthetic: embedded 0 clip\(s\), kept 40/);
  }, 200_000);
});
