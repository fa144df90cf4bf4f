/**
 * The plain MAE with a class token (tiny_mae_cls.json: the official `MAE` module, standard-attention
 * decoder): prediction, mask, loss and features, in float64 and float32 on the reference backend.
 */
import * as t from "io-ts";
import { beforeAll, describe, expect, it } from "vitest";
import { jit, reference, type HostTensor, type Tensor } from "../../../src";
import { forwardFeatures, forwardMae, maeLoss, type MwmaeParams } from "../../../src/models/mwmae";
import { ArrayRecord, GoldenArray, maxAbsDiff, readGolden } from "../../support/golden";
import { tinyModel } from "../../support/tiny-model";

const Mae = t.type({
  config: t.unknown,
  weights: ArrayRecord,
  input: GoldenArray,
  noise: GoldenArray,
  ids_restore: GoldenArray,
  mask: GoldenArray,
  pred: GoldenArray,
  pred_f32: GoldenArray,
  loss: t.number,
  loss_f32: t.number,
  forward_features: GoldenArray,
  forward_features_f32: GoldenArray,
});
const golden = readGolden("tiny_mae_cls.json", Mae);
const { cfg, params, x, noise } = tinyModel("tiny_mae_cls.json", golden);

const model = ({
  params: p,
  x: xs,
  noise: ns,
}: {
  params: MwmaeParams;
  x: Tensor<readonly [2, 16, 16]>;
  noise: Tensor<readonly [2, 16]>;
}) => {
  const out = forwardMae(p, cfg)(xs, ns);
  return {
    ids: out.idsRestore,
    mask: out.mask,
    pred: out.pred,
    loss: maeLoss(out.pred, out.target, out.mask),
    features: forwardFeatures(p, cfg)(xs),
  };
};
type Outputs = Record<"ids" | "mask" | "pred" | "loss" | "features", HostTensor>;
const run = async (precision: "f32" | "f64"): Promise<Outputs> =>
  (await (
    await jit(model as never, { params, x, noise }, reference({ precision }))
  )({ params, x, noise } as never)) as unknown as Outputs;

describe("tiny MAE with class token (tiny_mae_cls.json)", () => {
  let f64: Outputs;
  let f32: Outputs;
  beforeAll(async () => {
    [f64, f32] = await Promise.all([run("f64"), run("f32")]);
  });

  it("uses the class token's parameters and drops it from prediction and features", () => {
    expect(cfg).toMatchObject({ kind: "mae", useClsToken: true });
    expect(f64.pred.shape).toEqual([2, 16, 16]);
    expect(f64.features.shape).toEqual([2, 4, 128]);
    expect(Array.from(f64.ids.data)).toEqual(golden.ids_restore.data);
    expect(Array.from(f64.mask.data)).toEqual(golden.mask.data);
  });

  // float64: the same maths to rounding (measured ≤ 2.2e-15).
  it("agrees with the float64 reference to 1e-12 in float64", () => {
    expect(maxAbsDiff(f64.pred.data, golden.pred.data)).toBeLessThan(1e-12);
    expect(Math.abs(f64.loss.data[0]! - golden.loss)).toBeLessThan(1e-12);
    expect(maxAbsDiff(f64.features.data, golden.forward_features.data)).toBeLessThan(1e-12);
  });

  // float32: 4× the reference's own float32-vs-float64 difference (see tiny-mwmae.golden.test.ts).
  it("agrees with the float64 reference within 4× the reference's own float32 error", () => {
    expect(maxAbsDiff(f32.pred.data, golden.pred.data)).toBeLessThan(4 * maxAbsDiff(golden.pred.data, golden.pred_f32.data) + 1e-7);
    expect(Math.abs(f32.loss.data[0]! - golden.loss)).toBeLessThan(4 * Math.abs(golden.loss - golden.loss_f32) + 1e-7);
    expect(maxAbsDiff(f32.features.data, golden.forward_features.data)).toBeLessThan(
      4 * maxAbsDiff(golden.forward_features.data, golden.forward_features_f32.data) + 1e-7,
    );
  });
});
