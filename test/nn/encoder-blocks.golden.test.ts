/**
 * @file The standard pre-norm blocks (`block`, official `Block`: LayerNorm_0, Attention_0 with fused
 * qkv `Dense_0` and projection `Dense_1`, LayerNorm_1, Mlp_0) against the tiny MW-MAE golden's
 * `forward_features`: the encoder on all 16 patches of `input[0:1]` (16×16, 4×4 patches, dim 32,
 * 2 blocks of 2 heads), final norm, per-time-frame vectors `[1, 4, 4·32]`. Patchify (time-major)
 * and the patch embedding are written out here with DSL ops; the blocks and norm are the layers
 * under test, their weights loaded by official path.
 *
 * Tolerance: the file's float32 features sit 9.1e-7 from its float64 ones (|features| ≤ 3): ~3e-7
 * relative. Our float32 run gets 3e-6 relative (10×); our float64 run 1e-12.
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import {
  add,
  block,
  interpret,
  layerNormLayer,
  matmul,
  permute,
  reshape,
  type Block,
  type LayerNorm,
  type Node,
  type Tensor,
} from "../../src";
import { ArrayRecord, GoldenArray, hostRecord, readGolden } from "../support/golden";
import { deviation, inputOf, inputsOf } from "./nest";

const Golden = t.type({
  config: t.type({ num_heads: t.number, depth: t.number, patch_size: t.array(t.number), grid_size: t.array(t.number) }),
  weights: ArrayRecord,
  input: GoldenArray,
  forward_features_input: t.literal("input[0:1]"),
  forward_features: GoldenArray,
  forward_features_f32: GoldenArray,
});
const golden = readGolden("tiny_mwmae.json", Golden);

interface Encoder {
  readonly patch_embed: { readonly proj: { readonly kernel: Tensor; readonly bias: Tensor } };
  readonly pos_embed: Tensor;
  readonly encoder_norm: LayerNorm<32>;
  readonly [block: `encoder_block_${string}`]: Block<32>;
}

const features = (precision: "f32" | "f64"): Float32Array | Float64Array => {
  const encoderWeights = Object.fromEntries(
    Object.entries(hostRecord(golden.weights)).filter(([path]) => /^params\/(patch_embed|pos_embed|encoder_)/.test(path)),
  );
  const params = inputsOf(encoderWeights);
  const p = (params.tree as { params: Encoder }).params;
  const [ph, pw] = golden.config.patch_size as [number, number];
  const [gt, gf] = golden.config.grid_size as [number, number];
  const first = { ...hostRecord({ x: golden.input }).x!, shape: [1, ...golden.input.shape.slice(1)] };
  const [image, bound] = inputOf("image", { ...first, data: first.data.subarray(0, gt * ph * gf * pw) });
  // Time-major patches: (t, f) → token t·gf + f, values in (p, q) order like the conv kernel [ph, pw, 1, dim].
  const patches = reshape(permute(reshape(image, [1, gt, ph, gf, pw]), [0, 1, 3, 2, 4]), [1, gt * gf, ph * pw]);
  const kernel = reshape(p.patch_embed.proj.kernel, [ph * pw, 32]);
  let x = add(add(matmul(patches, kernel), p.patch_embed.proj.bias), p.pos_embed) as Tensor<readonly [1, number, 32]>;
  for (let i = 0; i < golden.config.depth; i++) {
    x = block(p[`encoder_block_${String(i).padStart(2, "0")}`]!, { heads: golden.config.num_heads })(x);
  }
  const out: Node = reshape(layerNormLayer(p.encoder_norm)(x), [1, gt, gf * 32]);
  return interpret([out], new Map([...params.bound, bound]), { precision })[0] as Float32Array | Float64Array;
};

describe("encoder blocks against tiny_mwmae.json forward_features", () => {
  it("match in float32 within 3e-6 relative and in float64 within 1e-12", () => {
    const f32 = deviation(features("f32"), golden.forward_features.data);
    const f32vs32 = deviation(features("f32"), golden.forward_features_f32.data);
    const f64 = deviation(features("f64"), golden.forward_features.data);
    expect(f32.rel).toBeLessThan(3e-6);
    expect(f32vs32.rel).toBeLessThan(3e-6);
    expect(f64.rel).toBeLessThan(1e-12);
  });
});
