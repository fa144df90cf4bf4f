/**
 * @file The TensorFlow.js peer of `train-step-tiny` computes what our compiled step does: on the quick
 * size (tiny encoder, decoder depth 1, batch 2) and the same parameters, crops, noise and optimiser
 * state, the loss, the rate, the new moments and the new parameters agree with `compileStep` on the
 * wasm backend. The state is past warm-up with non-zero moments and the rate is raised, so the update
 * moves every parameter measurably (at step 0 the rate is 0 and the check would say nothing); the
 * weight decay is raised so that its term is well above the tolerance too.
 */

import { describe, expect, it } from "vitest";
import { flatten, isHostTensor, mapLeaves, wasm, type HostParams, type HostTensor, type HostAdamWState } from "../src";
import { compileStep } from "../src/train";
import { initTfjs } from "../bench/workloads/tfjs";
import { tfjsTrainStep, trainStepInputs } from "../bench/workloads/tfjs-mwmae";
import { uniform } from "./support/uniform";

/** The largest |a − b| over every leaf of two trees of one structure, and the largest |b|. */
const maxDiff = (a: unknown, b: unknown): { readonly diff: number; readonly scale: number; readonly at: string } => {
  const [fa, fb] = [flatten(a, isHostTensor), flatten(b, isHostTensor)];
  expect(fa.paths).toEqual(fb.paths);
  let [diff, scale, at] = [0, 0, ""];
  fa.leaves.forEach((leaf, i) => {
    const other = fb.leaves[i]!.data;
    leaf.data.forEach((v, j) => {
      const d = Math.abs(v - other[j]!);
      scale = Math.max(scale, Math.abs(other[j]!));
      if (d > diff) [diff, at] = [d, fa.paths[i]!];
    });
  });
  return { diff, scale, at };
};

/** A state 12 steps in: first moments in ±1e-3, second moments in [1e-7, 2e-6] (seeded). */
const midRunState = (params: HostParams): HostAdamWState<HostParams> => {
  let seed = 100;
  const moments = (lo: number, hi: number) =>
    mapLeaves(
      params,
      isHostTensor,
      (t): HostTensor => ({
        shape: t.shape,
        dtype: "f32",
        data: uniform(t.data.length, seed++).map((u) => lo + ((u + 1) / 2) * (hi - lo)),
      }),
    );
  return { step: { shape: [], dtype: "i32", data: Int32Array.of(12) }, mu: moments(-1e-3, 1e-3), nu: moments(1e-7, 2e-6) } as never;
};

describe("the TensorFlow.js train-step-tiny", () => {
  it("gives our compiled step's loss, rate, moments and parameters on the quick size", async () => {
    await initTfjs();
    const inputs = await trainStepInputs(true);
    // Peak rate base·batch/256 = 1e-3 (at step 12 of the cosine: just below); weight decay 0.5.
    const train = { ...inputs.train, baseLr: 0.128, weightDecay: 0.5 };
    const opt = midRunState(inputs.params);
    const ours = await (await compileStep(inputs.cfg, train, wasm({ threads: 1 }), inputs.params)).run(
      inputs.params,
      opt,
      inputs.x,
      inputs.noise,
    );
    const peer = await tfjsTrainStep(inputs.cfg, train).run(inputs.params, opt, inputs.x, inputs.noise);

    // Both are float32; the loss is a mean of ~10⁴ terms: 1e-4 relative is rounding, a missing layer is not.
    expect(Math.abs(peer.loss - ours.loss)).toBeLessThan(1e-4 * ours.loss);
    expect(peer.lr).toBeCloseTo(ours.lr, 9);
    expect(ours.lr).toBeGreaterThan(9e-4);
    expect(peer.opt.step.data[0]).toBe(13);
    // First moments: 0.1·g + 0.9·mu, so their difference is a tenth of the gradients' difference.
    const mu = maxDiff(peer.opt.mu, ours.opt.mu);
    expect(mu.diff, `mu at ${mu.at}`).toBeLessThan(1e-3 * mu.scale);
    const nu = maxDiff(peer.opt.nu, ours.opt.nu);
    expect(nu.diff, `nu at ${nu.at}`).toBeLessThan(1e-3 * nu.scale);
    // Each parameter moves by up to ~lr·(|m̂|/√v̂ + wd·|p|) ≈ 1e-3; both steps must agree to 1% of that.
    const moved = maxDiff(ours.params, inputs.params);
    expect(moved.diff).toBeGreaterThan(3e-4);
    const params = maxDiff(peer.params, ours.params);
    expect(params.diff, `params at ${params.at}`).toBeLessThan(1e-5);
  });
});
