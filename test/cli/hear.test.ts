/**
 * `mwmae hear` as a child process: two models (the tiny golden checkpoint and a random initialisation)
 * on the built-in synthetic task written as a HEAR task folder; the run stopped with SIGINT while it
 * embeds (exit 130, nothing half-written), then continued by the same command, which keeps the clips
 * already embedded, evaluates, and writes the table and the report; a third run keeps everything.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { writeSyntheticTask } from "../../src/hear/node";
import { mwmae, root } from "./mwmae-process";

const quick = [
  "--seeds",
  "0,1",
  "--hidden",
  "16",
  "--lr",
  "1e-2",
  "--batch",
  "32",
  "--max-epochs",
  "9",
  "--patience",
  "3",
  "--progress",
  "none",
];

describe("mwmae hear", () => {
  it("embeds, evaluates and tabulates; stops on SIGINT and continues where it stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mwmae-hear-"));
    const task = writeSyntheticTask(join(dir, "tasks"), { perClass: { train: 1, valid: 1, test: 1 }, seconds: 0.5 });
    expect(E.isRight(task)).toBe(true);
    const out = join(dir, "run");
    const args = [
      "hear",
      "--config",
      "test/golden/tiny_hear.config.json",
      "test/golden/tiny_hear.msgpack",
      "rand=random:0",
      "--tasks",
      join(dir, "tasks"),
      "--out",
      out,
      ...quick,
    ];
    // Stop the first run once a few clips are embedded.
    const clips = join(out, "tiny_hear/embeddings/synthetic-v1-full/train");
    const child = spawn(process.execPath, ["bin/mwmae.js", ...args], { cwd: root });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((done) => {
      const poll = setInterval(() => {
        if (existsSync(clips) && readdirSync(clips).filter((f) => f.endsWith(".embedding.npy")).length >= 3) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 50);
      child.on("exit", (c) => {
        clearInterval(poll);
        done(c);
      });
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopped by SIGINT; finished work is kept/);
    expect(readdirSync(clips).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const second = await mwmae(...args);
    expect(second.code).toBe(0);
    const kept = Number(/tiny_hear × synthetic: embedded \d+ clip\(s\), kept (\d+)/.exec(second.stderr)?.[1]);
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(second.stderr).toMatch(/rand × synthetic: embedded 30 clip\(s\), kept 0/);
    expect(second.stdout).toMatch(/\| synthetic \| top1_acc \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|/);
    for (const f of [
      "report/results.md",
      "report/results.csv",
      "report/results.json",
      "report/report.html",
      "rand/results/synthetic-v1-full/evaluation.json",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "report/results.json"), "utf8")).models).toEqual(["tiny_hear", "rand"]);

    const third = await mwmae(...args, "--json");
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/tiny_hear × synthetic: embedded 0 clip\(s\), kept 30/);
    expect(
      third.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).model),
    ).toEqual(["tiny_hear", "rand"]);
  }, 120_000);

  it("stops on SIGINT while it trains the downstream predictor, within a second or so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mwmae-hear-"));
    writeSyntheticTask(join(dir, "tasks"), { perClass: { train: 1, valid: 1, test: 1 }, seconds: 0.5 });
    const out = join(dir, "run");
    // A training that would run its full 500 epochs (patience 500): the signal must not wait for it.
    const args = ["hear", "--config", "test/golden/tiny_hear.config.json", "r=random", "--tasks", join(dir, "tasks"), "--out", out];
    const child = spawn(
      process.execPath,
      ["bin/mwmae.js", ...args, "--seeds", "0", "--hidden", "16", "--patience", "500", "--progress", "none"],
      {
        cwd: root,
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
      if (/r × synthetic: embedded 30 clip/.test(stderr)) setTimeout(() => child.kill("SIGINT"), 500);
    });
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopped by SIGINT/);
    expect(existsSync(join(out, "r/results/synthetic-v1-full/evaluation.json"))).toBe(false);
    expect(existsSync(join(out, "r/embeddings/synthetic-v1-full/test"))).toBe(true);
  }, 120_000);

  it("refuses a rerun with other settings, naming hear-run.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mwmae-hear-"));
    // No task folder there: the run records its settings, finds nothing to do, and says so (exit 1).
    const base = [
      "hear",
      "--config",
      "test/golden/tiny_hear.config.json",
      "r=random",
      "--tasks",
      join(dir, "none"),
      "--out",
      join(dir, "run"),
    ];
    const first = await mwmae(...base, ...quick);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/none: no such folder/);
    const r = await mwmae(...base, ...quick.map((a) => (a === "0,1" ? "0-2" : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hear-run\.json: this run used seeds \[0,1\]/);
  });
});
