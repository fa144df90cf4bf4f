/**
 * @file A run's error paths (issue 9): temporary files that a killed writer left are removed when the
 * next run starts in the folder; a checkpoint with NaN weights is refused on resume (naming the
 * tensor) unless allowed; an existing file as the run folder is an error, not a stack trace; a model
 * too large for the buffer plan is refused before anything is written.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { reference, wasm } from "../../src/backends";
import { decodeSafetensors, encodeSafetensors } from "../../src/io";
import { checkRunFits, runPretraining } from "../../src/train";
import { quiet, removeDir, right, tempDir, tinyModel, tinySetup } from "./tiny-run";
import { readFileSync } from "node:fs";

const dirs: string[] = [];
const fresh = (prefix: string): string => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

const deadPid = (): number =>
  Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }));

describe("run error paths", () => {
  it("removes a killed writer's temporary files when the next run starts, and keeps everything else", async () => {
    const dir = fresh("orphans-");
    right(
      await runPretraining({ dir, start: { kind: "fresh", setup: tinySetup(2) }, backend: reference(), progress: quiet, stopAfter: 1 }),
    );
    const orphan = `.ckpt-00000002.safetensors.${deadPid()}.m0abc12301.tmp`;
    writeFileSync(join(dir, "checkpoints", orphan), "half a checkpoint");
    writeFileSync(join(dir, `.log.jsonl.${deadPid()}.m0abc12302.tmp`), "x");
    right(await runPretraining({ dir, start: { kind: "resume" }, backend: reference(), progress: quiet }));
    expect(readdirSync(join(dir, "checkpoints")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses to resume from NaN weights, naming the tensor, unless allowed", async () => {
    const dir = fresh("nan-resume-");
    const first = right(
      await runPretraining({ dir, start: { kind: "fresh", setup: tinySetup(3) }, backend: reference(), progress: quiet, stopAfter: 1 }),
    );
    const file = decodeSafetensors(new Uint8Array(readFileSync(first.checkpoint)), first.checkpoint);
    if (E.isLeft(file)) throw new Error(file.left.message);
    const tensors = { ...file.right.tensors };
    const scale = tensors["params/encoder_norm/scale"]!;
    tensors["params/encoder_norm/scale"] = { ...scale, data: Float32Array.from(scale.data, (v, i) => (i === 2 ? Number.NaN : v)) };
    writeFileSync(first.checkpoint, encodeSafetensors(tensors, file.right.metadata));
    const refused = await runPretraining({ dir, start: { kind: "resume" }, backend: reference(), progress: quiet });
    expect(refused).toEqual(
      E.left(
        `cannot resume from ${dir}: the checkpoint's tensor "params/encoder_norm/scale" holds NaN at index 2 (1 non-finite value) (--allow-non-finite to resume anyway)`,
      ),
    );
    // Allowed, the NaN spreads through the step: the loss check stops the run with the last good state named.
    const allowed = await runPretraining({ dir, start: { kind: "resume" }, backend: reference(), progress: quiet, allowNonFinite: true });
    expect(E.isLeft(allowed) && allowed.left).toMatch(/the loss became NaN at step 2/);
  });

  it("passes over a checkpoint whose stored step disagrees with its metadata, for the one before", async () => {
    const dir = fresh("step-mismatch-");
    const setup = tinySetup(3, 1);
    const first = right(
      await runPretraining({ dir, start: { kind: "fresh", setup }, backend: reference(), progress: quiet, stopAfter: 2 }),
    );
    const file = decodeSafetensors(new Uint8Array(readFileSync(first.checkpoint)), first.checkpoint);
    if (E.isLeft(file)) throw new Error(file.left.message);
    writeFileSync(
      first.checkpoint,
      encodeSafetensors({ ...file.right.tensors, "opt/step": { shape: [], dtype: "i32", data: Int32Array.of(7) } }, file.right.metadata),
    );
    const resumed = right(await runPretraining({ dir, start: { kind: "resume" }, backend: reference(), progress: quiet }));
    expect(resumed.skippedCheckpoints).toEqual([`${first.checkpoint}: tensor "opt/step" says 7, the metadata says step 2`]);
    expect([resumed.finished, resumed.stepsTaken]).toEqual([true, 2]);
  });

  it("an existing file as the run folder is an error naming it", async () => {
    const file = join(fresh("file-"), "run");
    writeFileSync(file, "not a folder");
    const r = await runPretraining({ dir: file, start: { kind: "fresh", setup: tinySetup(1) }, backend: reference(), progress: quiet });
    expect(E.isLeft(r) && r.left).toMatch(
      new RegExp(`cannot create the run folder ${file}/checkpoints: .*${file} is a file, not a folder`),
    );
  });

  it("a batch too large for the buffer plan is refused before the folder is made, suggesting one that fits", async () => {
    const dir = join(fresh("too-big-"), "run");
    const setup = { ...tinySetup(1), train: { ...tinySetup(1).train, batch: 100_000 } };
    const r = await runPretraining({ dir, start: { kind: "fresh", setup }, backend: wasm(), progress: quiet });
    expect(E.isLeft(r) && r.left).toMatch(/^batch 100000 is too large for this model on a compiled backend: .* use --batch (\d+) or less/);
    expect(existsSync(dir)).toBe(false);
    const suggested = Number(/use --batch (\d+)/.exec(E.isLeft(r) ? r.left : "")![1]);
    expect(E.isRight(checkRunFits(tinyModel, { ...setup.train, batch: suggested }, true))).toBe(true);
    expect(E.isLeft(checkRunFits(tinyModel, { ...setup.train, batch: suggested + 1 }, true))).toBe(true);
  });
});
