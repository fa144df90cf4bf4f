/**
 * @file The official trainer's checkpoints through the CLI (`--checkpoint` of inspect and embed): a
 * TrainState file without an extension, a work folder of `checkpoint_<step>` files (the newest taken),
 * a mismatched config naming the first bad tensor, an Orbax folder named as such, and a folder without
 * a checkpoint listing what it holds.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { buildTrainState, decodeStateDict, encodeFlaxTree } from "../../src/io";
import { mwmae, root } from "./mwmae-process";

const golden = (name: string): string => join(root, "test/golden", name);
const tiny = ["--config", golden("tiny_mwmae.config.json")];

describe("official trainer checkpoints on the command line", () => {
  it("inspect reads a trainer work folder: newest checkpoint_<step>, step, resumable optimiser, what is not used", async () => {
    const work = mkdtempSync(join(tmpdir(), "work-"));
    copyFileSync(golden("tiny_trainstate/checkpoint_2"), join(work, "checkpoint_2"));
    copyFileSync(golden("tiny_trainstate/checkpoint_2"), join(work, "checkpoint_10"));
    writeFileSync(join(work, "checkpoint_11.orbax-checkpoint-tmp-1"), "partial");
    const r = await mwmae("inspect", ...tiny, "--checkpoint", work, "--graph", "none", "--json");
    expect(r.stderr).toBe("");
    const ck = (JSON.parse(r.stdout) as { checkpoint: Record<string, unknown> }).checkpoint;
    expect(ck).toMatchObject({
      file: join(work, "checkpoint_10"),
      chosen: "newest of checkpoint_2, checkpoint_10",
      format: "flax-msgpack, the official trainer's TrainState",
      tensors: 73,
      step: 2,
      resumable: true,
    });
    expect(ck["notUsed"]).toContain("dynamic_scale (nil)");
  });

  it("inspect with another model's config names the first tensor that does not fit", async () => {
    const r = await mwmae("inspect", "--config", golden("tiny_hear.config.json"), "--checkpoint", golden("tiny_trainstate/checkpoint_2"));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `mwmae inspect: ${golden("tiny_trainstate/checkpoint_2")}: tensor "params/patch_embed/proj/kernel" does not match the config: patch_embed/proj/kernel has shape [4, 4, 1, 32], the config needs [4, 16, 1, 32]`,
    );
  });

  it("names an Orbax folder with arrays outside msgpack, and lists what a folder without a checkpoint holds", async () => {
    const work = mkdtempSync(join(tmpdir(), "orbax-"));
    mkdirSync(join(work, "checkpoint_5", "d"), { recursive: true });
    writeFileSync(join(work, "checkpoint_5", "_METADATA"), "{}");
    const orbax = await mwmae("inspect", ...tiny, "--checkpoint", work);
    expect(orbax.code).toBe(1);
    expect(orbax.stderr).toContain(
      `${join(work, "checkpoint_5")}: an Orbax checkpoint that keeps its arrays in separate files (_METADATA, d)`,
    );
    expect(orbax.stderr).toContain("flax_use_orbax_checkpointing");
    const empty = await mwmae("inspect", ...tiny, "--checkpoint", golden("audio"));
    expect(empty.stderr.trim()).toBe(
      `mwmae inspect: ${golden("audio")}: no checkpoint in this folder (no checkpoint_<step>, no Orbax checkpoint, no run checkpoints): found hear_clip_3p3s.wav, note_fluidsynth.wav, speech_espeak.wav`,
    );
  });

  it("embed takes the weights out of a TrainState in an Orbax checkpoint_<step>/ folder, the same as the bare weights file", async () => {
    const bare = decodeStateDict(new Uint8Array(readFileSync(golden("tiny_hear.msgpack"))), "tiny_hear.msgpack");
    if (E.isLeft(bare)) throw new Error(bare.left.message);
    const strip = (prefix: string) =>
      Object.fromEntries(
        Object.entries(bare.right.tensors)
          .filter(([k]) => k.startsWith(`${prefix}/`))
          .map(([k, v]) => [k.slice(prefix.length + 1), v]),
      );
    const params = strip("params");
    const state = buildTrainState({
      step: 7,
      params,
      buffers: strip("buffers"),
      adam: { count: 7, mu: params, nu: params, scheduleCount: 7 },
      auxRngKeys: { dropout: [0, 1] },
    });
    const work = mkdtempSync(join(tmpdir(), "released-"));
    mkdirSync(join(work, "checkpoint_7"));
    writeFileSync(join(work, "checkpoint_7", "checkpoint"), encodeFlaxTree(state));
    const clip = golden("audio/hear_clip_3p3s.wav");
    const config = ["--config", golden("tiny_hear.config.json")];
    const [fromWork, fromBare] = await Promise.all([
      mwmae("embed", ...config, "--checkpoint", work, "--json", clip),
      mwmae("embed", ...config, "--checkpoint", golden("tiny_hear.msgpack"), "--json", clip),
    ]);
    expect(fromWork.code).toBe(0);
    expect(fromWork.stdout.length).toBeGreaterThan(1000);
    expect(fromWork.stdout).toBe(fromBare.stdout);
    // Besides the wasm backend's line on its code cache:
    expect(
      fromWork.stderr
        .trim()
        .split("\n")
        .filter((line) => !line.startsWith("mwmae embed: wasm code: ")),
    ).toEqual([
      `mwmae embed: ${join(work, "checkpoint_7", "checkpoint")}: the official trainer's TrainState at step 7 (newest of checkpoint_7; the Orbax folder's aggregated msgpack file); not used: batch_stats (empty), dynamic_scale (nil), frozen_params (empty), aux_rng_keys (dropout: kept for export, not used here)`,
    ]);
  });
});
