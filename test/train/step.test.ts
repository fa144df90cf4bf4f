/**
 * @file The compiled training step: weight decay touches exactly the weight matrices (every `kernel`),
 * never biases, norms, the mask token, position tables or bias tables; the sin-cos tables stay fixed
 * unless the config lets them train; one compiled step serves many steps with different noise.
 */

import { describe, expect, it } from "vitest";
import { reference } from "../../src/backends";
import { fromData } from "../../src/ir";
import { key } from "../../src/random";
import { compileStep, freshState, runKeys, stepNoise } from "../../src/train";
import { leafBytes, tinySetup } from "./tiny-run";

const setup = tinySetup(10);
const { model } = setup;
const x = fromData(
  Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37)),
  [3, 16, 16],
);

/** The parameter paths whose values differ between two trees. */
const differing = (a: unknown, b: unknown): string[] => {
  const [la, lb] = [leafBytes(a), leafBytes(b)];
  return Object.keys(la).filter((p) => la[p] !== lb[p]);
};

describe("training step", () => {
  it("decays exactly the kernels", async () => {
    const state = await freshState(setup);
    const noise = await stepNoise(runKeys(key(0)).mask, 5, 3, 16);
    // Step 5: past warm-up, so the rate is not 0.
    const opt = { ...state.opt, step: fromData([5], [], "i32") };
    const run = async (weightDecay: number) =>
      (await compileStep(model, { ...setup.train, weightDecay }, reference(), state.params)).run(state.params, opt, x, noise);
    const [plain, decayed] = [await run(0), await run(0.05)];
    const changed = differing(plain.params, decayed.params);
    expect(changed.length).toBe(11); // patch conv; qkv, projection and 2 MLP kernels in each of 2 blocks; decoder_embed, decoder_pred
    expect(changed.every((p) => p.endsWith("/kernel"))).toBe(true);
    expect(differing(state.params, plain.params)).toEqual(
      expect.arrayContaining(["mask_token", "decoder_norm/scale", "decoder_block_00/wmha_block/attn_heads_0/relative_position_bias_table"]),
    );
  });

  it("keeps the sin-cos tables fixed unless they may train", async () => {
    const state = await freshState(setup);
    const noise = await stepNoise(runKeys(key(0)).mask, 0, 3, 16);
    const opt = { ...state.opt, step: fromData([5], [], "i32") };
    const fixed = await (await compileStep(model, setup.train, reference(), state.params)).run(state.params, opt, x, noise);
    const trained = await (await compileStep(model, { ...setup.train, trainPositionTables: true }, reference(), state.params)).run(
      state.params,
      opt,
      x,
      noise,
    );
    expect(differing(state.params, fixed.params)).not.toContain("pos_embed");
    expect(differing(state.params, fixed.params)).not.toContain("decoder_pos_embed");
    expect(differing(state.params, trained.params)).toEqual(expect.arrayContaining(["pos_embed", "decoder_pos_embed"]));
  });

  it("serves every step from one compiled graph: new noise, new loss; same noise, same loss", async () => {
    const state = await freshState(setup);
    const step = await compileStep(model, setup.train, reference(), state.params);
    const mask = runKeys(key(0)).mask;
    const loss = async (s: number) => (await step.run(state.params, state.opt, x, await stepNoise(mask, s, 3, 16))).loss;
    const [a, b, a2] = [await loss(0), await loss(1), await loss(0)];
    expect(a).not.toBe(b);
    expect(a2).toBe(a);
    expect(step.graph.inputs.map((i) => i.attrs.name)).toEqual(expect.arrayContaining(["x", "noise", "opt/step"]));
  });
});
