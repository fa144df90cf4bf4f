/**
 * @file Initialisers and parameter records: the records flatten to the official Flax paths and
 * shapes of MW-MAE-base (names_base.json), and each initialiser has the distribution the official
 * code asks for (Flax's variance_scaling family; see src/nn/init.ts).
 *
 * Statistical tolerances: a sample variance of m independent draws has relative standard error
 * √(2/m) for a normal-like and √(0.8/m) for a uniform law; with m ≥ 9999 that is at most 1.4%, and we
 * allow 6% (over 4 standard errors). Samples are fixed by the key, so these checks are deterministic.
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import {
  biasTableInit,
  fans,
  flatten,
  initBlock,
  initMwmha,
  initMwmhaBlock,
  isNode,
  key,
  lecunNormal,
  realize,
  windowSizesAuto,
  xavierUniform,
  type HostTensor,
  type Node,
} from "../../src";
import { readGolden } from "../support/golden";

const Names = t.record(t.string, t.type({ params: t.record(t.string, t.array(t.number)) }));
const names = readGolden("names_base.json", Names);

/** Official path → shape of one block's parameters, from our record. */
const shapesOf = (tree: unknown, prefix: string): Record<string, ReadonlyArray<number>> => {
  const { leaves, paths } = flatten(tree, isNode, prefix);
  return Object.fromEntries(paths.map((p, i) => [p, (leaves[i] as Node).shape]));
};
/** The same from names_base.json. */
const officialShapes = (model: string, prefix: string): Record<string, ReadonlyArray<number>> =>
  Object.fromEntries(Object.entries(names[model]!.params).filter(([p]) => p.startsWith(`${prefix}/`)));

const stats = (h: HostTensor) => {
  const d = Array.from(h.data);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
  return { mean, variance, maxAbs: Math.max(...d.map(Math.abs)) };
};

describe("parameter records", () => {
  it("an MW-MHA decoder block flattens to MW-MAE-base's decoder_block_00 paths and shapes", () => {
    const p = initMwmhaBlock(key(0), { dim: 384, windows: windowSizesAuto(250, 8) });
    expect(shapesOf(p, "params/decoder_block_00")).toEqual(officialShapes("mwmae_base_200_4x16", "params/decoder_block_00"));
  });

  it("a standard block flattens to MAE-base's decoder_block_00 paths and shapes", () => {
    const p = initBlock(key(1), { dim: 384 });
    expect(shapesOf(p, "params/decoder_block_00")).toEqual(officialShapes("mae_base_200_4x16", "params/decoder_block_00"));
  });

  it("is pure: the same key gives the same values, another key other values", async () => {
    const cfg = { dim: 8, windows: [2, 0] };
    const [a, b, c] = await realize([initMwmha(key(3), cfg), initMwmha(key(3), cfg), initMwmha(key(4), cfg)] as const);
    expect(Array.from(a.qkv.kernel.data)).toEqual(Array.from(b.qkv.kernel.data));
    expect(Array.from(a.attn_heads_0!.relative_position_bias_table.data)).toEqual(
      Array.from(b.attn_heads_0!.relative_position_bias_table.data),
    );
    expect(Array.from(a.qkv.kernel.data)).not.toEqual(Array.from(c.qkv.kernel.data));
  });

  it("starts biases at zero and norm scales at one", async () => {
    const p = await realize(initMwmhaBlock(key(5), { dim: 8, windows: [2, 0] }));
    for (const bias of [p.wmha_block.qkv.bias, p.wmha_block.proj.bias, p.Mlp_0.Dense_0.bias, p.LayerNorm_0.bias]) {
      expect(Array.from(bias.data).every((v) => v === 0)).toBe(true);
    }
    expect(Array.from(p.LayerNorm_1.scale.data).every((v) => v === 1)).toBe(true);
  });
});

describe("initialisers", () => {
  it("computes fans as Flax: in = axis −2, out = axis −1, times the receptive field", () => {
    expect(fans([384, 1152])).toEqual({ fanIn: 384, fanOut: 1152 });
    expect(fans([4, 16, 1, 768])).toEqual({ fanIn: 64, fanOut: 49152 });
  });

  it("xavier-uniform is uniform on ±√(6/(fan_in + fan_out))", async () => {
    const s = stats(await realize(xavierUniform(key(6), [120, 100] as const)));
    const limit = Math.sqrt(6 / 220);
    expect(s.maxAbs).toBeLessThanOrEqual(limit);
    expect(s.maxAbs).toBeGreaterThan(0.99 * limit);
    expect(Math.abs(s.variance / (limit ** 2 / 3) - 1)).toBeLessThan(0.06);
  });

  it("lecun-normal has variance 1/fan_in and is truncated at two standard deviations", async () => {
    const s = stats(await realize(lecunNormal(key(7), [100, 120] as const)));
    expect(Math.abs(s.variance * 100 - 1)).toBeLessThan(0.06);
    expect(s.maxAbs).toBeLessThanOrEqual((2 * Math.sqrt(1 / 100)) / 0.8796256610342398);
  });

  it("bias tables: variance 0.02/(2w − 1), as variance_scaling(0.02, fan_in, truncated normal)", async () => {
    const w = 5000;
    const s = stats(await realize(biasTableInit(key(8), [2 * w - 1, 1] as const)));
    expect(Math.abs(s.variance / (0.02 / (2 * w - 1)) - 1)).toBeLessThan(0.06);
  });
});
