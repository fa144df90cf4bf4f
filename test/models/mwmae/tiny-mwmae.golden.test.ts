/**
 * The tiny MW-MAE of tiny_mwmae.json (16×16 input, 4×4 patches, encoder 32/2/2, decoder 16/2/4,
 * windows [2, 4, 8, 0]) with its weights and masking noise: every intermediate, the loss, the loss
 * gradient of every parameter and forwardFeatures, on the reference backend in float64 and float32.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { jit, reference, type HostTensor } from "../../../src";
import { flatten } from "../../../src/trace";
import { type GoldenArray, maxAbs, maxAbsDiff, readGolden } from "../../support/golden";
import { TinyMwmaeGolden, tinyModel, tinyMwmaeOutputs } from "../../support/tiny-model";

const golden = readGolden("tiny_mwmae.json", TinyMwmaeGolden);
const { cfg, params, x, noise } = tinyModel("tiny_mwmae.json", golden);

const model = tinyMwmaeOutputs(cfg);

type Outputs = { [K in "ids" | "mask" | "target" | "latent" | "pred" | "loss" | "features"]: HostTensor } & { grads: unknown };
const run = async (precision: "f32" | "f64"): Promise<Outputs> => {
  const f = await jit(model as never, { params, x, noise }, reference({ precision }));
  return (await f({ params, x, noise } as never)) as unknown as Outputs;
};

/** Flat `params/…` path → gradient data. */
const gradsByPath = (g: unknown): Map<string, ArrayLike<number>> => {
  const { leaves, paths } = flatten(g, (v): v is HostTensor => typeof v === "object" && v !== null && "data" in v);
  return new Map(paths.map((p, i) => [`params/${p}`, leaves[i]!.data]));
};

/** Worst gradient error over all parameters, relative to each parameter's largest gradient. */
const worstGradError = (ours: Map<string, ArrayLike<number>>, ref: Record<string, GoldenArray>): number =>
  Math.max(...Object.entries(ref).map(([path, a]) => maxAbsDiff(ours.get(path)!, a.data) / Math.max(maxAbs(a.data), 1e-3)));

describe("tiny MW-MAE (tiny_mwmae.json)", () => {
  let f64: Outputs;
  let f32: Outputs;
  beforeAll(async () => {
    [f64, f32] = await Promise.all([run("f64"), run("f32")]);
  });

  it("restores and masks exactly like the reference", () => {
    expect(Array.from(f32.ids.data)).toEqual(golden.ids_restore.data);
    expect(Array.from(f32.mask.data)).toEqual(golden.mask.data);
    expect(maxAbsDiff(f32.target.data, golden.target.data)).toBe(0);
  });

  it("has a gradient for exactly the official parameters", () => {
    expect([...gradsByPath(f64.grads).keys()].sort()).toEqual(Object.keys(golden.grads).sort());
  });

  // float64 through and through: the same maths to rounding (measured ≤ 3e-15 on values, 2e-14 on
  // gradients relative to their largest entry).
  it("agrees with the float64 reference to 1e-12 in float64", () => {
    expect(maxAbsDiff(f64.latent.data, golden.latent.data)).toBeLessThan(1e-12);
    expect(maxAbsDiff(f64.pred.data, golden.pred.data)).toBeLessThan(1e-12);
    expect(Math.abs(f64.loss.data[0]! - golden.loss)).toBeLessThan(1e-12);
    expect(maxAbsDiff(f64.features.data, golden.forward_features.data)).toBeLessThan(1e-12);
    expect(worstGradError(gradsByPath(f64.grads), golden.grads)).toBeLessThan(1e-10);
  });

  // float32: the reference's own float32 run differs from its float64 one by up to SCALE (file x vs
  // x_f32, below); ours differs by a similar amount in an independent rounding order, so each bound
  // is 4× that scale, rounded up.
  it("agrees with the float64 reference within 4× the reference's own float32 error", () => {
    const scale = (a: GoldenArray, b: GoldenArray) => maxAbsDiff(a.data, b.data);
    expect(maxAbsDiff(f32.latent.data, golden.latent.data)).toBeLessThan(4 * scale(golden.latent, golden.latent_f32) + 1e-7);
    expect(maxAbsDiff(f32.pred.data, golden.pred.data)).toBeLessThan(4 * scale(golden.pred, golden.pred_f32) + 1e-7);
    expect(Math.abs(f32.loss.data[0]! - golden.loss)).toBeLessThan(4 * Math.abs(golden.loss - golden.loss_f32) + 1e-7);
    expect(maxAbsDiff(f32.features.data, golden.forward_features.data)).toBeLessThan(
      4 * scale(golden.forward_features, golden.forward_features_f32) + 1e-7,
    );
    const refScale = worstGradError(new Map(Object.entries(golden.grads_f32).map(([k, v]) => [k, v.data])), golden.grads);
    expect(worstGradError(gradsByPath(f32.grads), golden.grads)).toBeLessThan(4 * refScale + 1e-6);
  });
});
