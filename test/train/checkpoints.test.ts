/**
 * @file Checkpoints that fail loudly and lose nothing: a truncated newest checkpoint is an error naming
 * the tensor it cuts, the one before stays intact and a resume continues from it to the same result;
 * a checkpoint that does not fit a config names the first tensor at fault; official Flax msgpack
 * checkpoints import by parameter path, and the export writes exactly the official layout.
 */

import { copyFileSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { reference } from "../../src/backends";
import { decodeFlaxMsgpack } from "../../src/io";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/node";
import { decodeOfficialConfig, type MwmaeConfig } from "../../src/models/mwmae";
import { encodeOfficial, loadState, readParams, readTensors, runPretraining, toCheckpoint, TrainMeta } from "../../src/train";
import { leafBytes, quiet, removeDir, right, tempDir, tinyModel, tinySetup } from "./tiny-run";

const dirs: string[] = [];
const fresh = (prefix: string): string => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

const golden = (name: string): string => new URL(`../golden/${name}`, import.meta.url).pathname;
const officialTiny = (): MwmaeConfig =>
  right(
    E.mapLeft((e: { messages: ReadonlyArray<string> }) => e.messages.join("; "))(
      decodeOfficialConfig("tiny_mwmae.config.json")(JSON.parse(readFileSync(golden("tiny_mwmae.config.json"), "utf8"))),
    ),
  );

describe("checkpoints", () => {
  it("names the tensor a truncated checkpoint cuts, keeps the previous one, and resumes from it exactly", async () => {
    const dir = fresh("trunc-");
    const setup = tinySetup(4, 2);
    const done = right(await runPretraining({ dir, start: { kind: "fresh", setup }, backend: reference(), progress: quiet }));
    const ckpts = join(dir, "checkpoints");
    const [older, newest] = [join(ckpts, "ckpt-00000002.safetensors"), join(ckpts, "ckpt-00000004.safetensors")];
    const olderBytes = readFileSync(older);
    truncateSync(newest, readFileSync(newest).length - 100);

    const loaded = loadState(newest);
    expect(E.isLeft(loaded) && loaded.left).toMatch(
      /ckpt-00000004\.safetensors: (params|opt)\/\S+: data \[\d+, \d+\) runs past the end of the file .*truncated/,
    );
    expect(readFileSync(older).equals(olderBytes)).toBe(true);

    // The run's last steps are redone from step 2 and arrive where they did before.
    const resumed = right(await runPretraining({ dir, start: { kind: "resume" }, backend: reference(), progress: quiet }));
    expect(resumed.skippedCheckpoints).toEqual([expect.stringMatching(/ckpt-00000004\.safetensors: .*truncated/)]);
    expect(resumed.stepsTaken).toBe(2);
    expect(leafBytes(resumed.state.params)).toEqual(leafBytes(done.state.params));
  });

  it("names the first tensor that does not fit the config", async () => {
    const dir = fresh("mismatch-");
    const done = right(await runPretraining({ dir, start: { kind: "fresh", setup: tinySetup(1) }, backend: reference(), progress: quiet }));
    const wider: MwmaeConfig = { ...tinyModel, encoder: { ...tinyModel.encoder, dim: 32 } };
    expect(readParams(wider, done.checkpoint)).toEqual(
      E.left(
        `${done.checkpoint}: tensor "params/patch_embed/proj/kernel" does not match the config: patch_embed/proj/kernel has shape [4, 4, 1, 16], the config needs [4, 4, 1, 32]`,
      ),
    );
    // A checkpoint whose metadata names another model than its tensors hold: the moments are checked too.
    const ckpt = right(E.mapLeft((e: { message: string }) => e.message)(loadCheckpoint(done.checkpoint, TrainMeta)));
    const { "params/decoder_norm/scale": _dropped, ...rest } = ckpt.tensors;
    const saved = right(E.mapLeft((e: { message: string }) => e.message)(saveCheckpoint(fresh("bad-"), { ...ckpt, tensors: rest })));
    expect(loadState(saved)).toEqual(
      E.left(`${saved}: tensor "params/decoder_norm/scale" does not match the config: missing parameter decoder_norm/scale [16]`),
    );
    const noMoment = { ...ckpt, tensors: { ...ckpt.tensors, "opt/mu/mask_token": ckpt.tensors["opt/mu/decoder_norm/bias"]! } };
    const saved2 = right(E.mapLeft((e: { message: string }) => e.message)(saveCheckpoint(fresh("bad-"), noMoment)));
    const bad = loadState(saved2);
    expect(E.isLeft(bad) && bad.left).toMatch(
      /tensor "opt\/mu\/mask_token" does not match the config: mask_token has shape \[16\], the config needs \[1, 1, 16\]/,
    );
  });

  it("imports an official Flax msgpack checkpoint by path, equal to its safetensors twin", () => {
    const cfg = officialTiny();
    const fromMsgpack = right(readParams(cfg, golden("tiny_mwmae.msgpack")));
    const fromSafetensors = right(readParams(cfg, golden("tiny_mwmae.safetensors")));
    expect(Object.keys(leafBytes(fromMsgpack))).toHaveLength(67);
    expect(leafBytes(fromMsgpack)).toEqual(leafBytes(fromSafetensors));
    expect(readParams(tinyModel, golden("tiny_mwmae.msgpack"))).toMatchObject(
      E.left(expect.stringMatching(/tensor "params\/\S+" does not match the config/)),
    );
  });

  it("exports the official layout: the same paths and values as the official file, buffers included", async () => {
    const cfg = officialTiny();
    const params = right(readParams(cfg, golden("tiny_mwmae.msgpack")));
    const official = right(
      E.mapLeft((e: { message: string }) => e.message)(
        decodeFlaxMsgpack(new Uint8Array(readFileSync(golden("tiny_mwmae.msgpack"))), "official"),
      ),
    );
    const ours = right(E.mapLeft((e: { message: string }) => e.message)(decodeFlaxMsgpack(await encodeOfficial(cfg, params), "ours")));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(official).sort());
    expect(Object.keys(ours).filter((k) => k.startsWith("buffers/"))).toHaveLength(6);
    expect(leafBytes(ours)).toEqual(leafBytes(official));
  });

  it("reads a run's exported params.msgpack back into the run's parameters", async () => {
    const dir = fresh("export-");
    const done = right(await runPretraining({ dir, start: { kind: "fresh", setup: tinySetup(2) }, backend: reference(), progress: quiet }));
    expect(leafBytes(right(readParams(tinyModel, join(dir, "params.msgpack"))))).toEqual(leafBytes(done.state.params));
    // And a checkpoint copied elsewhere still loads: it is self-contained.
    const copy = join(fresh("copy-"), "c.safetensors");
    copyFileSync(done.checkpoint, copy);
    expect(right(loadState(copy)).state.step).toBe(2);
    expect(Object.keys(right(readTensors(copy)))).toContain("opt/step");
    expect(toCheckpoint(done.setup, done.state).meta).toMatchObject({
      format: "mwmae-ts/pretrain@1",
      rngKey: [0, 0],
      position: done.state.position,
    });
  });
});
