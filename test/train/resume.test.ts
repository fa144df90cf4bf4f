/**
 * @file Exact resume: a run of K steps equals a run stopped at K/2, its process state thrown away, and
 * resumed from the checkpoint on disk: parameters, AdamW moments, step, data position and the logged
 * losses, bit for bit. The stopped run's log also holds a step past its checkpoint and a torn line, as
 * a killed process leaves it; resuming cuts them.
 */

import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { reference } from "../../src/backends";
import { readLog, runPretraining } from "../../src/train";
import { leafBytes, quiet, removeDir, right, tempDir, tinySetup } from "./tiny-run";

const dirs: string[] = [];
const fresh = (prefix: string): string => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

describe("pretraining resume", () => {
  it("ends with the same state, bit for bit, as an uninterrupted run", async () => {
    const K = 6;
    const setup = tinySetup(K);
    const whole = right(
      await runPretraining({ dir: fresh("whole-"), start: { kind: "fresh", setup }, backend: reference(), progress: quiet }),
    );
    expect(whole.finished).toBe(true);
    expect(whole.state.step).toBe(K);

    const dir = fresh("split-");
    const first = right(
      await runPretraining({ dir, start: { kind: "fresh", setup }, backend: reference(), progress: quiet, stopAfter: K / 2 }),
    );
    expect(first.finished).toBe(false);
    expect(first.state.step).toBe(K / 2);
    expect(first.checkpoint).toMatch(/ckpt-00000003\.safetensors$/);
    // What a process killed after one more step, before its next checkpoint, leaves in the log.
    appendFileSync(join(dir, "log.jsonl"), '{"step":4,"loss":9,"lr":0,"time":1}\n{"step":5,"lo');

    const second = right(await runPretraining({ dir, start: { kind: "resume" }, backend: reference(), progress: quiet }));
    expect(second.finished).toBe(true);
    expect(second.stepsTaken).toBe(K / 2);

    const initial = leafBytes(first.state.params);
    expect(leafBytes(second.state.params)).not.toEqual(initial); // the second half trained
    expect(leafBytes(second.state.params)).toEqual(leafBytes(whole.state.params));
    expect(leafBytes(second.state.opt)).toEqual(leafBytes(whole.state.opt));
    expect(second.state.position).toEqual(whole.state.position);
    expect(second.state.position.epoch).toBeGreaterThan(1); // 18 crops over 5 clips: epochs wrapped

    const losses = (d: string) => readLog(join(d, "log.jsonl")).map((r) => [r.step, r.loss, r.lr]);
    expect(losses(dir)).toEqual(losses(dirs[0]!));
    expect(losses(dir).map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readFileSync(join(dir, "loss.svg"), "utf8")).toMatch(/^<svg[^>]*>[\s\S]*<polyline points="(\S+ ){5}\S+"/);
  });

  it("refuses to start a fresh run over an existing one, and to resume where there is none", async () => {
    const dir = fresh("twice-");
    right(await runPretraining({ dir, start: { kind: "fresh", setup: tinySetup(1) }, backend: reference(), progress: quiet }));
    const again = await runPretraining({ dir, start: { kind: "fresh", setup: tinySetup(1) }, backend: reference(), progress: quiet });
    expect(again).toMatchObject({ _tag: "Left", left: expect.stringMatching(/already holds a run/) });
    const none = await runPretraining({ dir: fresh("none-"), start: { kind: "resume" }, backend: reference(), progress: quiet });
    expect(none).toMatchObject({ _tag: "Left", left: expect.stringMatching(/cannot resume .*no checkpoint found/) });
  });
});
