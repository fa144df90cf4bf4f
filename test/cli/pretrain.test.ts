/**
 * @file `mwmae pretrain` as a process: SIGINT after the first logged step saves a checkpoint and exits
 * 130, and `--resume` finishes the run from it; a finished run's files are all there; flags are
 * checked strictly (exit 2, naming the flag or the field).
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLog } from "../../src/train";
import { removeDir, tempDir, tinyModelFlags } from "../train/tiny-run";
import { mwmae, root } from "./mwmae-process";

const dirs: string[] = [];
const fresh = (prefix: string): string => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

const tinyRun = (out: string, steps: number): string[] => [
  "pretrain",
  ...tinyModelFlags,
  ...["--steps", String(steps), "--batch", "2", "--warmup", "1", "--clips", "4", "--clip-seconds", "0.3", "--out", out],
];

describe("mwmae pretrain", () => {
  it("saves a checkpoint on SIGINT, exits 130, and resumes to the end", async () => {
    const out = join(fresh("sigint-"), "run");
    const child = spawn(
      process.execPath,
      ["bin/mwmae.js", ...tinyRun(out, 100_000), "--progress", "plain", "--log-every", "1", "--checkpoint-every", "100000"],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    let signalled = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!signalled && /^step 1\/100000 /m.test(stderr)) {
        signalled = true;
        child.kill("SIGINT");
      }
    });
    // A child that ignored the signal would run for hours: kill it after 30 s (the test then fails on the code).
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
    clearTimeout(guard);
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping after this step and saving a checkpoint/);
    const saved = readdirSync(join(out, "checkpoints")).filter((f) => f.endsWith(".safetensors"));
    expect(saved).toHaveLength(1);
    const step = Number(/ckpt-(\d+)/.exec(saved[0]!)![1]);
    expect(step).toBeGreaterThanOrEqual(1);
    expect(readLog(join(out, "log.jsonl")).map((r) => r.step)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    // The run is long; resuming with --stop-after takes two more steps from the checkpoint.
    const resumed = await mwmae("pretrain", "--resume", "--out", out, "--stop-after", "2", "--progress", "none", "--json");
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: false, step: step + 2, steps: 100_000, stepsTaken: 2, stoppedBy: null });
  });

  it("writes the log, the loss curve, checkpoints and the Flax export of a finished run", async () => {
    const out = join(fresh("done-"), "run");
    const { code, stdout } = await mwmae(...tinyRun(out, 3), "--checkpoint-every", "2", "--progress", "none", "--json");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ finished: true, step: 3, flax: join(out, "params.msgpack"), skippedFiles: [] });
    expect(readdirSync(join(out, "checkpoints")).sort()).toEqual(["ckpt-00000002.safetensors", "ckpt-00000003.safetensors", "latest"]);
    expect(readLog(join(out, "log.jsonl")).map((r) => Object.keys(r))).toEqual(Array(3).fill(["step", "loss", "lr", "time"]));
    expect(readFileSync(join(out, "loss.svg"), "utf8")).toMatch(/^<svg /);
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8"))).toMatchObject({
      model: { input: { frames: 16, mels: 16 } },
      train: { steps: 3, batch: 2 },
    });
    expect(existsSync(join(out, "params.msgpack"))).toBe(true);
    // The run's own inspect: the checkpoint records its config.
    const inspected = await mwmae(
      "inspect",
      "--json",
      "--graph",
      "none",
      "--checkpoint",
      join(out, "checkpoints", "ckpt-00000003.safetensors"),
    );
    expect(JSON.parse(inspected.stdout)).toMatchObject({ n: 16, checkpoint: { step: 3, matchesConfig: true } });
  });

  it("exits 2 naming a bad flag, a bad value or a flag that --resume cannot change", async () => {
    const [unknown, steps, warmup, resume, backend] = await Promise.all([
      mwmae("pretrain", "--stepz", "3"),
      mwmae("pretrain", "--steps", "many"),
      mwmae("pretrain", ...tinyModelFlags, "--steps", "5", "--warmup", "5", "--out", join(fresh("bad-"), "run")),
      mwmae("pretrain", "--resume", "--out", "somewhere", "--batch", "4"),
      mwmae("pretrain", "--backend", "tpu"),
    ]);
    expect([unknown.code, steps.code, warmup.code, resume.code, backend.code]).toEqual([2, 2, 2, 2, 2]);
    expect(backend.stderr).toMatch(/--backend: unknown backend "tpu" \(choose one of wasm, reference, cpu, webasm, async, auto\)/);
    expect(unknown.stderr).toMatch(/Unknown option '--stepz'/);
    expect(steps.stderr).toMatch(/--steps: expected a decimal integer >= 1, got "many"/);
    expect(warmup.stderr).toMatch(/train\.warmupSteps: 5 leaves no decay in 5 steps/);
    expect(resume.stderr).toMatch(/--batch cannot be combined with --resume/);
  });
});
