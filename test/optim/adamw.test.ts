/**
 * @file AdamW against optax's formulas written out as plain loops (float64 on both sides, so the
 * comparison is to 1e-12), weight decay only where the mask says, and a quadratic minimised by a
 * compiled step that computes the gradient and the update in one graph.
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { fromData, jit, lift, mul, reference, sub, sum, valueAndGrad, type HostTensor, type Tensor } from "../../src";
import { adamw, adamwInit, decayAll, decayedPaths, defaultDecayMask, warmupCosine } from "../../src/optim";
import { readGolden } from "../support/golden";

/** A constant tensor from values (f32 unless told). */
const fromDataTensor = (values: ReadonlyArray<number>, dtype: "f32" | "i32" = "f32"): Tensor =>
  lift(fromData(values, [values.length], dtype));

type Params = {
  readonly dense: { readonly kernel: HostTensor; readonly bias: HostTensor };
  readonly LayerNorm_0: { readonly scale: HostTensor };
};

const params0: Params = {
  dense: { kernel: fromData([0.5, -1, 2, 0.25, -0.75, 1.5], [2, 3]), bias: fromData([0.1, -0.2, 0.3], [3]) },
  LayerNorm_0: { scale: fromData([1, 1, 1], [3]) },
};
/** Gradients for step s: varied signs and magnitudes (one exact zero), different every step. */
const gradsAt = (s: number): Params => ({
  dense: { kernel: fromData([0.3, -0.1 * s, 1e-3, 2, 0, -0.5 + 0.2 * s], [2, 3]), bias: fromData([s - 1.5, 0.01, -0.02], [3]) },
  LayerNorm_0: { scale: fromData([0.5, -0.25 * s, 4], [3]) },
});

/** optax.adamw, one leaf, in float64 plain loops. */
const optaxStep = (p: number[], g: number[], m: number[], v: number[], count: number, lr: number, decay: boolean) => {
  const [b1, b2, eps, wd] = [0.9, 0.999, 1e-8, 0.05];
  const t = count + 1;
  return p.map((pi, i) => {
    m[i] = (1 - b1) * g[i]! + b1 * m[i]!;
    v[i] = (1 - b2) * g[i]! ** 2 + b2 * v[i]!;
    const mHat = m[i]! / (1 - b1 ** t);
    const vHat = v[i]! / (1 - b2 ** t);
    const u = mHat / (Math.sqrt(vHat) + eps) + (decay ? wd * pi : 0);
    return pi - lr * u;
  });
};

const leaves = (p: Params): Array<[string, HostTensor]> => [
  ["LayerNorm_0/scale", p.LayerNorm_0.scale],
  ["dense/bias", p.dense.bias],
  ["dense/kernel", p.dense.kernel],
];

describe("adamw", () => {
  const schedule = warmupCosine({ baseLr: 0.1, warmupSteps: 2, totalSteps: 6, endLr: 0.01 });
  const opt = adamw({ learningRate: schedule });

  it.each(["f64", "f32"] as const)("matches optax's formulas step by step for 5 steps (%s)", async (precision) => {
    const step = await jit(
      ({ params, grads, state }) => opt.update(params, grads, state),
      { params: params0, grads: gradsAt(0), state: adamwInit(params0) },
      reference({ precision }),
    );
    let params = params0;
    let state = adamwInit(params0);
    const expected = new Map(
      leaves(params0).map(([path, h]) => [
        path,
        { p: Array.from(h.data), m: new Array<number>(h.data.length).fill(0), v: new Array<number>(h.data.length).fill(0) },
      ]),
    );
    // float32: 0.999 rounds to 0.99900001, so 1 − b2ᵗ (≈ 1e-3 at t = 1) carries 1.3e-5 relative error,
    // as it does in optax under float32; it reaches the update through √(nu / (1 − b2ᵗ)).
    const tolerance = precision === "f64" ? 1e-12 : 3e-5;
    for (let s = 0; s < 5; s++) {
      const out = await step({ params, grads: gradsAt(s), state });
      for (const [path, g] of leaves(gradsAt(s))) {
        const e = expected.get(path)!;
        e.p = optaxStep(e.p, Array.from(g.data), e.m, e.v, s, schedule(s), defaultDecayMask(path));
      }
      params = out.params as unknown as Params;
      state = out.state as unknown as typeof state;
      expect(out.lr.data[0]).toBeCloseTo(schedule(s), precision === "f64" ? 14 : 7);
      expect(state.step.data[0]).toBe(s + 1);
      for (const [path, h] of leaves(params)) {
        const want = expected.get(path)!.p;
        want.forEach((w, i) => expect(Math.abs(h.data[i]! - w)).toBeLessThan(tolerance * Math.max(1, Math.abs(w))));
      }
    }
  });

  it("decays weights only where the mask says: with zero gradients, kernels shrink by 1 − lr·wd, the rest stay", async () => {
    const zeroGrads = {
      dense: { kernel: fromData(new Array(6).fill(0), [2, 3]), bias: fromData([0, 0, 0], [3]) },
      LayerNorm_0: { scale: fromData([0, 0, 0], [3]) },
    };
    const run = async (mask = defaultDecayMask) => {
      const o = adamw({ learningRate: 0.5, mask });
      const f = await jit(
        ({ params, grads, state }) => o.update(params, grads, state).params,
        { params: params0, grads: zeroGrads, state: adamwInit(params0) },
        reference({ precision: "f64" }),
      );
      return (await f({ params: params0, grads: zeroGrads, state: adamwInit(params0) })) as unknown as Params;
    };
    const masked = await run();
    expect(Array.from(masked.dense.kernel.data)).toEqual(Array.from(params0.dense.kernel.data, (x) => x * (1 - 0.5 * 0.05)));
    expect(Array.from(masked.dense.bias.data)).toEqual(Array.from(params0.dense.bias.data));
    expect(Array.from(masked.LayerNorm_0.scale.data)).toEqual([1, 1, 1]);
    const everywhere = await run(decayAll);
    expect(Array.from(everywhere.LayerNorm_0.scale.data)).toEqual([0.975, 0.975, 0.975]);
  });

  it("minimises a quadratic with gradient and update in one compiled graph", async () => {
    const target = [3, -1, 0.5, 2];
    const weights = [1, 10, 0.1, 2]; // badly conditioned: Adam's per-coordinate scaling copes
    const loss = (p: { readonly x: Tensor<readonly [4]> }): Tensor<readonly []> => {
      const d = sub(p.x, lift(fromData(target, [4] as const)));
      return sum(mul(mul(d, d), lift(fromData(weights, [4] as const))));
    };
    const o = adamw({ learningRate: warmupCosine({ baseLr: 0.2, warmupSteps: 10, totalSteps: 400, endLr: 0.001 }), weightDecay: 0 });
    const start = { x: fromData([0, 0, 0, 0], [4] as const) };
    const train = await jit(
      ({ params, state }) => {
        const [value, g] = valueAndGrad(loss)(params);
        const next = o.update(params, g, state);
        return { value, params: next.params, state: next.state };
      },
      { params: start, state: adamwInit(start) },
      reference({ precision: "f64" }),
    );
    let params = start;
    let state = adamwInit(start);
    let first = NaN;
    let last = NaN;
    for (let s = 0; s < 400; s++) {
      const out = await train({ params, state });
      if (s === 0) first = out.value.data[0]!;
      last = out.value.data[0]!;
      params = out.params as typeof start;
      state = out.state as typeof state;
    }
    expect(first).toBeGreaterThan(20);
    expect(last).toBeLessThan(1e-6 * first);
    Array.from(params.x.data).forEach((v, i) => expect(v).toBeCloseTo(target[i]!, 3));
  });

  it("names the first parameter whose gradient does not match", () => {
    const o = adamw({ learningRate: 0.1 });
    const p = { a: fromDataTensor([1, 2]), b: fromDataTensor([3]) };
    const state = { step: fromDataTensor([0], "i32"), mu: p, nu: p };
    expect(() => o.update(p, { a: fromDataTensor([1, 2]), b: fromDataTensor([1, 2]) }, state as never)).toThrow(
      /the gradient at "b" has the wrong shape/,
    );
    expect(() => o.update(p, { a: fromDataTensor([1, 2]) } as never, state as never)).toThrow(/parameter "b" vs "<end>"/);
  });
});

describe("defaultDecayMask", () => {
  it("decays exactly the kernels of MW-MAE-base (official parameter names)", () => {
    const names = readGolden("names_base.json", t.type({ mwmae_base_200_4x16: t.type({ params: t.record(t.string, t.array(t.number)) }) }))
      .mwmae_base_200_4x16.params;
    const paths = Object.keys(names).map((k) => k.replace(/^params\//, ""));
    const tree = Object.fromEntries(paths.map((p) => [p, { shape: names[`params/${p}`]!, dtype: "f32" as const }]));
    expect(decayedPaths(tree).sort()).toEqual(paths.filter((p) => p.endsWith("/kernel")).sort());
    for (const p of [
      "mask_token",
      "pos_embed",
      "decoder_pos_embed",
      "encoder_norm/scale",
      "decoder_block_00/wmha_block/attn_heads_0/relative_position_bias_table",
      "patch_embed/proj/bias",
    ]) {
      expect(defaultDecayMask(p)).toBe(false);
    }
  });
});
