import { describe, expectTypeOf, it } from "vitest";
import { input, type Tensor } from "../../../src";
import { typedModel, type MwmaeConfig, type MwmaeParams } from "../../../src/models/mwmae";

declare const params: MwmaeParams;
declare const cfg: MwmaeConfig;
const base = typedModel(params, cfg, {
  frames: 200,
  mels: 80,
  patches: 250,
  patchValues: 64,
  keep: 50,
  latentTokens: 50,
  dim: 768,
  decoderDim: 384,
  featureFrames: 50,
  featureWidth: 3840,
} as const);
const x = input("x", [8, 200, 80] as const);
const noise = input("noise", [8, 250] as const);

describe("typedModel", () => {
  it("gives every step literal shapes, batch from the input", () => {
    const { idsKeep, idsRestore, mask } = base.mask(noise);
    expectTypeOf(idsKeep).toEqualTypeOf<Tensor<readonly [8, 50]>>();
    expectTypeOf(mask).toEqualTypeOf<Tensor<readonly [8, 250]>>();
    const latent = base.encode(x, idsKeep);
    expectTypeOf(latent).toEqualTypeOf<Tensor<readonly [8, 50, 768]>>();
    const pred = base.decode(latent, idsRestore);
    expectTypeOf(pred).toEqualTypeOf<Tensor<readonly [8, 250, 64]>>();
    expectTypeOf(base.loss(pred, base.patchify(x), mask)).toEqualTypeOf<Tensor<readonly []>>();
    expectTypeOf(base.unpatchify(pred)).toEqualTypeOf<Tensor<readonly [8, 200, 80]>>();
    expectTypeOf(base.features(x)).toEqualTypeOf<Tensor<readonly [8, 50, 3840]>>();
  });

  it("refuses inputs of the wrong crop or mismatched batches", () => {
    const short = input("short", [8, 100, 80] as const);
    // @ts-expect-error a 100-frame crop is not the model's 200 frames
    base.patchify(short);
    const { idsKeep } = base.mask(noise);
    // @ts-expect-error the latent needs 50 kept tokens, not 250
    base.decode(base.encode(x, idsKeep), idsKeep);
  });
});
