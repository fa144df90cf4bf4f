/**
 * @file `mwmae demo --quick` as a process, as CI runs it: the probe table on stdout with accuracies
 * in [0, 1], the phase table, a self-contained report with every section, summary.json; a second run
 * in the same folder reuses the finished runs instead of training again; a folder holding a run of
 * another configuration and bad flags are refused. Pre-training is not expected to beat random
 * initialisation here: three steps teach nothing.
 */

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSectionIds } from "../../src/report";
import { removeDir, tempDir } from "../train/tiny-run";
import { root, type Result } from "./mwmae-process";

/** `mwmae …args` with a limit that fits the demo on a busy 2-core CI machine. */
const mwmae = (...args: string[]): Promise<Result> =>
  new Promise((done) => {
    execFile(process.execPath, ["bin/mwmae.js", ...args], { cwd: root, timeout: 110_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    );
  });

const models = ["MW-MAE", "MAE", "random init"];
/** A probe-table row: model, dim, train/valid/test accuracy, best epoch. */
const rowPattern = /^(MW-MAE|MAE|random init)\s+(\d+)\s+(\d\.\d{3})\s+(\d\.\d{3})\s+(\d\.\d{3})\s+(\d+)$/;

let dir = "";
let first: Result;
beforeAll(async () => {
  dir = tempDir("demo-");
  first = await mwmae("demo", "--quick", "--out", join(dir, "out"), "--progress", "none");
}, 120_000);
afterAll(() => removeDir(dir));

describe("mwmae demo --quick", () => {
  it("prints the probe table with one row per encoder and accuracies in [0, 1]", () => {
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.code).toBe(0);
    const lines = first.stdout.split("\n");
    expect(lines[0]).toBe("linear probe on scene embeddings: 10 classes; clips train 30, valid 10, test 10");
    expect(lines[1]).toMatch(/^model\s+dim\s+train acc\s+valid acc\s+test acc\s+best epoch$/);
    const rows = lines.slice(2, 5).map((l) => rowPattern.exec(l));
    expect(rows.map((m) => m?.[1])).toEqual(models);
    for (const m of rows) {
      expect(Number(m![2])).toBe(160); // 5 frequency patches × encoder width 32
      for (const acc of [m![3], m![4], m![5]].map(Number)) expect(acc >= 0 && acc <= 1).toBe(true);
    }
  });

  it("times every phase and names the report", () => {
    for (const phase of [
      "pre-train MW-MAE (3 of 3 steps in this call)",
      "pre-train MAE (3 of 3 steps in this call)",
      "embed 50 clips: random init",
      "linear probe (30 epochs): MAE",
      "report",
      "total",
    ]) {
      expect(first.stdout).toMatch(new RegExp(`^${phase.replace(/[()]/g, "\\$&")}\\s+\\d+\\.\\d$`, "m"));
    }
    expect(first.stdout).toContain(`report: ${join(dir, "out", "report.html")}`);
  });

  it("writes a self-contained report with every section, and summary.json", () => {
    const html = readFileSync(join(dir, "out", "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    for (const id of demoSectionIds) expect(html).toContain(`<section id="${id}">`);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(4); // input, masked, two reconstructions
    expect(html.match(/<svg /g)).toHaveLength(4); // two loss curves, two window layouts
    expect(html).toContain("head 0: w = "); // MW-MAE's windowed heads
    expect(html).not.toMatch(/(src|href)="(?!data:|#)/); // nothing loaded from elsewhere
    const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"));
    expect(summary.probe.sizes).toEqual({ train: 30, valid: 10, test: 10 });
    expect(summary.probe.rows.map((r: { model: string }) => r.model)).toEqual(models);
    for (const r of summary.probe.rows)
      for (const a of [r.trainAccuracy, r.validAccuracy, r.testAccuracy]) expect(a >= 0 && a <= 1).toBe(true);
    for (const kind of ["mwmae", "mae"]) expect(existsSync(join(dir, "out", kind, "params.msgpack"))).toBe(true);
  });

  it("reuses finished runs when run again in the same folder, with the same probe results", async () => {
    const again = await mwmae("demo", "--quick", "--out", join(dir, "out"), "--progress", "none");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^pre-train MW-MAE \(0 of 3 steps in this call\)/m);
    expect(again.stdout).toMatch(/^pre-train MAE \(0 of 3 steps in this call\)/m);
    // Deterministic end to end: the same parameters, embeddings and probe.
    expect(again.stdout.split("\n").slice(0, 5)).toEqual(first.stdout.split("\n").slice(0, 5));
  }, 120_000);

  it("refuses a folder holding a run of another configuration, and bad flags", async () => {
    const [other, flag, backend] = await Promise.all([
      mwmae("demo", "--quick", "--steps", "4", "--out", join(dir, "out"), "--progress", "none"),
      mwmae("demo", "--quikc"),
      mwmae("demo", "--quick", "--backend", "tpu"),
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`${join(dir, "out", "mwmae")} holds a run with another configuration`);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--quikc");
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/--backend: unknown backend "tpu"/);
  }, 60_000);
});
