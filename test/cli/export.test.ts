/**
 * @file A run handed to the official trainer and back, through the CLI: `pretrain --resume-from` a
 * trainer checkpoint, `export --to official-trainstate` (the exported state restored from
 * checkpoint_2 is checkpoint_2 byte for byte; export → import → export is bit-identical), the
 * trainer's config file, and the refusals (optimiser state that does not fit, steps not beyond the
 * checkpoint, a file that is no TrainState).
 */

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeFlaxTree, encodeFlaxTree, type FlaxDict } from "../../src/io";
import { presetByName } from "../../src/cli/model-options";
import { officialConfigPy, trainDefaults, synthDefaults } from "../../src/train";
import { mwmae, root } from "./mwmae-process";

const golden = (name: string): string => join(root, "test/golden", name);
const checkpoint2 = golden("tiny_trainstate/checkpoint_2");
/** The golden's model and schedule: peak 1e-3 = base × 2 / 256, warm-up 2 steps, 10 in all. */
const recipe = ["--config", golden("tiny_mwmae.config.json"), "--steps", "10", "--warmup", "2", "--batch", "2", "--base-lr", "0.128"];
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe("mwmae export --to official-trainstate, and pretrain --resume-from", () => {
  it("exports the state restored from checkpoint_2 as checkpoint_2's exact bytes, and round-trips a step taken here", async () => {
    const run = join(tmp("handoff-"), "run");
    const resumed = await mwmae(
      "pretrain",
      "--resume-from",
      checkpoint2,
      ...recipe,
      "--stop-after",
      "0",
      "--out",
      run,
      "--progress",
      "plain",
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("the official trainer's TrainState at step 2");
    const exported = await mwmae("export", "--to", "official-trainstate", "--json", run);
    expect(exported.code).toBe(0);
    const summary = JSON.parse(exported.stdout) as { checkpoint: string; bytes: number; config: string | null };
    expect(summary.checkpoint).toBe(join(run, "official", "checkpoint_2"));
    expect(summary.bytes).toBe(419140);
    expect(summary.config).toBeNull(); // the tiny encoder is none of the official archs, and says so
    expect(exported.stderr).toContain("none of the official archs");
    expect(readFileSync(summary.checkpoint).equals(readFileSync(checkpoint2))).toBe(true);

    // One step here, exported; imported into another run and exported again: the same bytes.
    expect((await mwmae("pretrain", "--resume", "--out", run, "--stop-after", "1", "--progress", "plain")).code).toBe(0);
    const third = JSON.parse((await mwmae("export", "--to", "official-trainstate", "--json", run)).stdout) as { checkpoint: string };
    expect(third.checkpoint).toBe(join(run, "official", "checkpoint_3"));
    const bytes3 = readFileSync(third.checkpoint);
    const tree = decodeFlaxTree(new Uint8Array(bytes3), "checkpoint_3");
    expect(E.isRight(tree) && [...(tree.right as FlaxDict).keys()][0]).toBe("step");
    const again = join(tmp("handback-"), "run");
    const back = await mwmae(
      "pretrain",
      "--resume-from",
      third.checkpoint,
      ...recipe,
      "--stop-after",
      "0",
      "--out",
      again,
      "--progress",
      "plain",
    );
    expect(back.code).toBe(0);
    const reexported = JSON.parse((await mwmae("export", "--to", "official-trainstate", "--json", again)).stdout) as { checkpoint: string };
    expect(readFileSync(reexported.checkpoint).equals(bytes3)).toBe(true);
    expect(bytes3.equals(readFileSync(checkpoint2))).toBe(false);
  }, 120_000);

  it("refuses to resume optimiser state that does not fit the parameters, saying the weights still embed", async () => {
    const tree = decodeFlaxTree(new Uint8Array(readFileSync(checkpoint2)), "checkpoint_2");
    if (E.isLeft(tree)) throw new Error(tree.left.message);
    const state = tree.right as FlaxDict;
    const opt = state.get("opt_state") as FlaxDict;
    const adam = opt.get("0") as FlaxDict;
    const broken = new Map(state).set("opt_state", new Map(opt).set("0", new Map(adam).set("nu", new Map())));
    const work = tmp("broken-");
    writeFileSync(join(work, "checkpoint_2"), encodeFlaxTree(broken));
    const r = await mwmae("pretrain", "--resume-from", work, ...recipe, "--out", join(work, "run"));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `mwmae pretrain: ${join(work, "checkpoint_2")}: cannot resume: the optimiser state does not match: opt_state/0/nu lacks "decoder_block_00/LayerNorm_0/bias" (its parameters are usable for embedding)`,
    );
    const inspect = await mwmae("inspect", "--config", golden("tiny_mwmae.config.json"), "--checkpoint", work, "--graph", "none");
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain(
      'optimiser state: opt_state/0/nu lacks "decoder_block_00/LayerNorm_0/bias": usable for embedding, not for resuming',
    );
  });

  it("refuses a schedule that ends before the checkpoint, a bare weights file, and a bad --to", async () => {
    const short = await mwmae("pretrain", "--resume-from", checkpoint2, ...recipe.slice(0, 2), "--steps", "2", "--warmup", "1");
    expect(short.stderr.trim()).toBe(
      `mwmae pretrain: ${checkpoint2} is at step 2: --steps (2) must go beyond it (the schedule's last step)`,
    );
    const bare = await mwmae("pretrain", "--resume-from", golden("tiny_mwmae.msgpack"), ...recipe);
    expect(bare.stderr).toContain(
      "not the official trainer's TrainState (no step and opt_state): start from its weights with --checkpoint",
    );
    expect(await mwmae("export", "--to", "onnx", "x")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--to: expected official-trainstate, got "onnx"'),
    });
    expect(await mwmae("export", "--to", "official-trainstate", golden("audio"))).toMatchObject({ code: 1 });
  });
});

describe("the trainer's config file", () => {
  it("has the released form with this run's model, optimiser and schedule in steps", () => {
    const setup = {
      model: presetByName("mwmae-base-4x16")!,
      train: { ...trainDefaults, steps: 1000, warmupSteps: 100, batch: 256, baseLr: 1.5e-5, optimizer: "official" as const },
      data: synthDefaults,
    };
    const py = officialConfigPy(setup, {
      step: 400,
      command: "python main.py --config configs/pretraining/mwmae_base_200_4x16.py --workdir w",
    });
    expect(E.isRight(py)).toBe(true);
    const text = E.isRight(py) ? py.right : "";
    for (const line of [
      '    config.model.arch = "mae_base"',
      '        "decoder_window_sizes": [2, 5, 10, 25, 50, 125, 0, 0],',
      '        "img_size": (200, 80),',
      '        "patch_size": (4, 16),',
      "    config.opt.learning_rate = 0.000015",
      "    config.opt.warmup_epochs = 1",
      "    config.steps_per_epoch = 100",
      "    config.num_train_steps = 1000",
      "    config.num_epochs = 10",
      "    config.batch_size = 256",
      "#   python main.py --config configs/pretraining/mwmae_base_200_4x16.py --workdir w",
    ])
      expect(text.split("\n")).toContain(line);
  });
});
