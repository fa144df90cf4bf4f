/**
 * `mwmae evaluate` as a child process through bin/mwmae.js (the compiled CLI): JSON lines per task for
 * a scene and an event task, the files it writes, and bad task folders named while the good ones are
 * still evaluated, with exit code 1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventTask, sceneTask } from "../hear/task-fixtures";
import { mwmae } from "./mwmae-process";

const quick = ["--hidden", "16", "--lr", "1e-2", "--batch", "32", "--max-epochs", "24", "--patience", "3", "--progress", "none"];

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown> & { task: string; seeds: Array<{ seed: number; score: number }> });

describe("mwmae evaluate", () => {
  it("evaluates a scene and an event task: one JSON line each, the kit's files written", async () => {
    const parent = join(mkdtempSync(join(tmpdir(), "mwmae-eval-")), "mymodel");
    const scene = sceneTask({ parent, perFold: 15 });
    const events = eventTask({ parent });
    const r = await mwmae("evaluate", ...quick, "--seeds", "0,1", "--json", parent);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.task)).toEqual(["events", "toy"]);
    for (const l of lines) {
      expect(l.seeds.map((s) => s.seed)).toEqual([0, 1]);
      expect(l["model"]).toBe("mymodel");
      expect(l["mean"]).toBeGreaterThan(0.8);
      expect(typeof l["halfWidth"]).toBe("number");
    }
    expect(lines[0]!["metric"]).toBe("event_onset_200ms_fms");
    expect(Object.keys(lines[0]!["metrics"] as object)).toEqual(["event_onset_200ms_fms", "event_onset_50ms_fms", "segment_1s_er"]);
    for (const f of ["evaluation.json", "seed0/test.predicted-scores.json", "seed1/fold02.predictions.json"])
      expect(existsSync(join(scene, f))).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(join(events, "seed1/test.predictions.json"), "utf8")))).toHaveLength(4);
  }, 60_000);

  it("names a bad task folder and its file, evaluates the others, exits 1", async () => {
    const parent = mkdtempSync(join(tmpdir(), "mwmae-eval-"));
    const good = sceneTask({ parent, name: "good", perFold: 9 });
    const bad = sceneTask({ parent, name: "bad", perFold: 3 });
    rmSync(join(bad, "fold01.json"));
    const out = join(parent, "results");
    const r = await mwmae("evaluate", ...quick, "--seeds", "0", "--out", out, "--json", good, bad, join(parent, "nothing"));
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((l) => l.task)).toEqual(["good"]);
    expect(r.stderr).toMatch(/bad-v1-full[\\/]fold01\.json: missing/);
    expect(r.stderr).toMatch(/nothing: no such folder/);
    expect(existsSync(join(out, "good-v1-full", "evaluation.json"))).toBe(true);
  }, 60_000);

  it("refuses bad usage with exit code 2", async () => {
    expect((await mwmae("evaluate")).code).toBe(2);
    const r = await mwmae("evaluate", "--seeds", "3-1", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seeds: empty range "3-1"/);
    expect((await mwmae("evaluate", "--backend", "gpu9", "x")).stderr).toMatch(/--backend: unknown backend "gpu9"/);
  });
});
