/**
 * @file The tiny MW-MAE golden (tiny_mwmae.json: 16×16 input, 4×4 patches, encoder 32/2/2, decoder
 * 16/2/4, windows [2, 4, 8, 0]) on the WebAssembly SIMD backend: masking, prediction, loss, every
 * parameter's loss gradient and forwardFeatures, in one compiled graph. Bounds as for the reference
 * interpreter's float32 run (test/models/mwmae/tiny-mwmae.golden.test.ts): the file's own float32
 * results differ from its float64 ones by some scale; a float32 run rounding in another order (SIMD
 * lanes, unrolled sums) lands about as far again, so each bound is 4× that scale.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { flatten, isHostTensor, jit, type HostTensor } from "../../src";
import { wasm } from "../../src/backends/wasm";
import { type GoldenArray, maxAbs, maxAbsDiff, readGolden } from "../support/golden";
import { TinyMwmaeGolden, tinyModel, tinyMwmaeOutputs } from "../support/tiny-model";

const golden = readGolden("tiny_mwmae.json", TinyMwmaeGolden);
const { cfg, params, x, noise } = tinyModel("tiny_mwmae.json", golden);

const model = tinyMwmaeOutputs(cfg);
type Outputs = { [K in "ids" | "mask" | "pred" | "loss" | "features"]: HostTensor } & { grads: unknown };

/** Worst gradient error over all parameters, relative to each parameter's largest gradient. */
const worstGradError = (ours: ReadonlyMap<string, ArrayLike<number>>, ref: Readonly<Record<string, GoldenArray>>): number =>
  Math.max(...Object.entries(ref).map(([path, a]) => maxAbsDiff(ours.get(path) ?? [], a.data) / Math.max(maxAbs(a.data), 1e-3)));

describe("wasm: tiny MW-MAE golden", () => {
  let out: Outputs;
  let grads: Map<string, ArrayLike<number>>;
  beforeAll(async () => {
    const f = await jit(model as never, { params, x, noise }, wasm());
    out = (await f({ params, x, noise } as never)) as unknown as Outputs;
    const { leaves, paths } = flatten(out.grads, isHostTensor);
    grads = new Map(paths.map((p, i) => [`params/${p}`, leaves[i]!.data]));
  });

  it("masks exactly like the reference", () => {
    expect(Array.from(out.ids.data)).toEqual(golden.ids_restore.data);
    expect(Array.from(out.mask.data)).toEqual(golden.mask.data);
  });

  it("matches the loss, the prediction, the features and every parameter gradient", () => {
    const scale = (a: GoldenArray, b: GoldenArray) => maxAbsDiff(a.data, b.data);
    expect(Math.abs(out.loss.data[0]! - golden.loss)).toBeLessThan(4 * Math.abs(golden.loss - golden.loss_f32) + 1e-7);
    expect(maxAbsDiff(out.pred.data, golden.pred.data)).toBeLessThan(4 * scale(golden.pred, golden.pred_f32) + 1e-7);
    expect(maxAbsDiff(out.features.data, golden.forward_features.data)).toBeLessThan(
      4 * scale(golden.forward_features, golden.forward_features_f32) + 1e-7,
    );
    expect([...grads.keys()].sort()).toEqual(Object.keys(golden.grads).sort());
    const refScale = worstGradError(new Map(Object.entries(golden.grads_f32).map(([k, v]) => [k, v.data])), golden.grads);
    expect(worstGradError(grads, golden.grads)).toBeLessThan(4 * refScale + 1e-6);
  });
});
