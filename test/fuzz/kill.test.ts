/**
 * @file Faults (issue 9): `mwmae pretrain` killed with SIGKILL at pseudo-random moments right after a
 * step is logged, which is when that step's checkpoint is being written (checkpoint every step), then
 * resumed each time: the run ends bit-identical to an uninterrupted one (final Flax parameters and the
 * losses of every step), and no temporary file of a killed write is left behind.
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLog } from "../../src/train";
import { mwmae, root } from "../cli/mwmae-process";
import { removeDir, tempDir, tinyModelFlags } from "../train/tiny-run";

const steps = 8;
const runFlags = (out: string): string[] => [
  "pretrain",
  ...tinyModelFlags,
  ...["--steps", String(steps), "--batch", "2", "--warmup", "1", "--clips", "4", "--clip-seconds", "0.3", "--checkpoint-every", "1"],
  ...["--backend", "reference", "--out", out],
];

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Starts `args`, and SIGKILLs it `delayMs` after it logs step `atStep`; resolves with the exit signal or code. */
const killDuring = (args: string[], atStep: number, delayMs: number): Promise<string> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ["bin/mwmae.js", ...args, "--progress", "plain", "--log-every", "1"], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let armed = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!armed && new RegExp(`^step ${atStep}/${steps} `, "m").test(stderr)) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("exit", (code, signal) => done(signal ?? `exit ${code}`));
  });

/** A small deterministic sequence (a linear congruential generator), so the kill moments are reproducible. */
const moments = (seed: number, n: number): number[] => {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  });
};

describe("kill -9 during checkpoint writes", () => {
  it("resumes after every kill and ends bit-identical to an uninterrupted run", async () => {
    const whole = join(tempDir("kill-whole-"), "run");
    const killed = join(tempDir("kill-split-"), "run");
    dirs.push(join(whole, ".."), join(killed, ".."));
    const baseline = await mwmae(...runFlags(whole));
    expect(baseline.code, baseline.stderr).toBe(0);

    // Kill after steps 2, 4 and 6 are logged, 0–8 ms later: inside or right around that step's checkpoint write.
    const [first, ...rest] = [2, 4, 6].map((s, i) => ({ step: s, delay: Math.floor(moments(9, 3)[i]! * 8) }));
    const signals = [await killDuring(runFlags(killed), first!.step, first!.delay)];
    for (const k of rest)
      signals.push(await killDuring(["pretrain", "--resume", "--out", killed, "--backend", "reference"], k.step, k.delay));
    const finish = await mwmae("pretrain", "--resume", "--out", killed, "--backend", "reference");
    expect(finish.code, finish.stderr).toBe(0);
    // A kill that came after the run ended is not a kill during a write: at least two must have landed.
    expect(signals.filter((s) => s === "SIGKILL").length).toBeGreaterThanOrEqual(2);

    const same = readFileSync(join(killed, "params.msgpack")).equals(readFileSync(join(whole, "params.msgpack")));
    expect(
      same,
      `${signals.join(", ")}\n${readFileSync(join(killed, "log.jsonl"), "utf8")}\n${readFileSync(join(whole, "log.jsonl"), "utf8")}`,
    ).toBe(true);
    const losses = (d: string) => readLog(join(d, "log.jsonl")).map((r) => [r.step, r.loss, r.lr]);
    expect(losses(killed)).toEqual(losses(whole));
    expect(losses(killed).map((r) => r[0])).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    const leftovers = [killed, join(killed, "checkpoints")]
      .flatMap((d) => (existsSync(d) ? readdirSync(d) : []))
      .filter((f) => f.endsWith(".tmp"));
    expect(leftovers).toEqual([]);
  });
});
