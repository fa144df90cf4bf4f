/**
 * @file MW-MHA against `mwmha_layer.json` (an independent PyTorch implementation of the official
 * `WindowedMultiHeadAttention`: dim 16, windows [2, 3, 6, 0] on 12 tokens, batch 2): weights loaded
 * by their official names, the layer run on the reference interpreter, and its output, each head's
 * output before the projection, the objective sum(output·R) and the gradients of that objective with
 * respect to the input and every weight compared with the file.
 *
 * Tolerances. The file's own float32 results differ from its float64 ones by at most 6.2e-7 on the
 * output (|output| ≤ ~3) and 4e-6 on the gradients (|grad| ≤ ~18): a few float32 ulps of the largest
 * magnitude, about 2e-7 relative. A float32 run of ours rounds in a different order, so it may land as
 * far from float64 again: we allow 2e-6 relative to the array's largest magnitude (about 10× the
 * file's own float32 scale) against both the float64 and the float32 golden values. A float64 run has
 * no such excuse: it must match the float64 golden to 1e-12 relative. Both layouts of the layer
 * (windows reshaped per window size, and one masked global attention) are held to the same bounds.
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import {
  interpret,
  lift,
  mul,
  mwmha,
  mwmhaHeads,
  relativePositionBias,
  relativePositionIndex,
  stackTables,
  sum,
  valueAndGrad,
  realize,
  type HostTensor,
  type MultiWindowAttention,
  type Node,
  type Tensor,
} from "../../src";
import { ArrayRecord, GoldenArray, hostOf, hostRecord, readGolden } from "../support/golden";
import { deviation, inputOf, inputsOf } from "./nest";

const Golden = t.type({
  config: t.type({ n: t.number, dim: t.number, num_heads: t.number, window_sizes: t.array(t.number), batch: t.number }),
  weights: ArrayRecord,
  buffers: ArrayRecord,
  relative_position_bias: ArrayRecord,
  input: GoldenArray,
  R: GoldenArray,
  output: GoldenArray,
  output_f32: GoldenArray,
  objective: t.number,
  objective_f32: t.number,
  head_outputs_before_proj: t.array(GoldenArray),
  grad_input: GoldenArray,
  grad_input_f32: GoldenArray,
  grad_weights: ArrayRecord,
  grad_weights_f32: ArrayRecord,
});

const golden = readGolden("mwmha_layer.json", Golden);
const windows = golden.config.window_sizes;
const weights = hostRecord(golden.weights);
const weightNames = Object.keys(weights).sort();

/** Head h of a `[B, H, N, hd]` result as `[B, N, hd]` row-major values. */
const headOf = (data: ArrayLike<number>, shape: ReadonlyArray<number>, h: number): number[] => {
  const [b, heads, n, hd] = shape as [number, number, number, number];
  return Array.from({ length: b * n * hd }, (_, i) => {
    const bi = Math.floor(i / (n * hd));
    return data[(bi * heads + h) * n * hd + (i % (n * hd))]!;
  });
};

/** Everything the file pins down, computed in one graph at `precision`. */
const runLayer = (precision: "f32" | "f64", layout: "windows" | "masked" = "windows") => {
  const params = inputsOf(weights);
  const [x, xBound] = inputOf("x", hostOf(golden.input));
  const [r, rBound] = inputOf("r", hostOf(golden.R));
  const p = params.tree as MultiWindowAttention<16>;
  const layer = mwmha(p, { windows, layout });
  const objective = (arg: { readonly p: MultiWindowAttention<16>; readonly x: Tensor<readonly [2, 12, 16]> }) =>
    sum(mul(layer(arg.x) as Tensor, r)) as Tensor<readonly []>;
  const [value, grads] = valueAndGrad(objective)({ p, x: x as Tensor<readonly [2, 12, 16]> });
  const gradNodes: Node[] = weightNames.map(
    (name) => name.split("/").reduce<unknown>((at, k) => (at as Record<string, unknown>)[k], grads.p) as Node,
  );
  const heads = mwmhaHeads(p, { windows, layout })(x as Tensor<readonly [2, 12, 16]>);
  const outputs: Node[] = [layer(x as Tensor<readonly [2, 12, 16]>), heads, value, grads.x, ...gradNodes];
  const data = interpret(outputs, new Map([...params.bound, xBound, rBound]), { precision });
  const [output, headData, objectiveData, gradInput, ...gradWeights] = data;
  return {
    output: output!,
    heads: windows.map((_, h) => headOf(headData!, heads.shape, h)),
    objective: objectiveData![0]!,
    gradInput: gradInput!,
    gradWeights: Object.fromEntries(weightNames.map((name, i) => [name, gradWeights[i]!])),
  };
};

const f32 = runLayer("f32");
const f64 = runLayer("f64");
const masked32 = runLayer("f32", "masked");
const masked64 = runLayer("f64", "masked");

describe("MW-MHA golden (mwmha_layer.json)", () => {
  it("computes the relative position index i − j + w − 1 and gathers the bias from each table", async () => {
    for (const [h, w] of windows.entries()) {
      if (w === 0) continue;
      const name = `attn_heads_${h}`;
      const [index, bias] = await realize([
        relativePositionIndex(w),
        relativePositionBias(stackTables([lift(weights[`${name}/relative_position_bias_table`]! as HostTensor<readonly [number, 1]>)]), w),
      ] as const);
      expect(Array.from(index.data)).toEqual(golden.buffers[`${name}/relative_position_index`]!.data);
      expect(Array.from(bias.data)).toEqual(Array.from(Float32Array.from(golden.relative_position_bias[name]!.data)));
    }
  });

  it("matches the output in float32 within 2e-6 relative (float64 golden and float32 golden)", () => {
    const vs64 = deviation(f32.output, golden.output.data);
    const vs32 = deviation(f32.output, golden.output_f32.data);
    expect(vs64.rel).toBeLessThan(2e-6);
    expect(vs32.rel).toBeLessThan(2e-6);
    expect(Math.abs(f32.objective - golden.objective) / Math.abs(golden.objective)).toBeLessThan(2e-6);
  });

  it("matches each head's output before the projection", () => {
    golden.head_outputs_before_proj.forEach((expected, h) => {
      expect(deviation(f32.heads[h]!, expected.data).rel).toBeLessThan(2e-6);
      expect(deviation(f64.heads[h]!, expected.data).rel).toBeLessThan(1e-12);
    });
  });

  it("matches the gradients of sum(output·R) with respect to the input and every weight", () => {
    expect(deviation(f32.gradInput, golden.grad_input.data).rel).toBeLessThan(2e-6);
    expect(deviation(f32.gradInput, golden.grad_input_f32.data).rel).toBeLessThan(2e-6);
    expect(Object.keys(golden.grad_weights).sort()).toEqual(weightNames);
    for (const name of weightNames) {
      expect(deviation(f32.gradWeights[name]!, golden.grad_weights[name]!.data).rel, name).toBeLessThan(2e-6);
      expect(deviation(f32.gradWeights[name]!, golden.grad_weights_f32[name]!.data).rel, name).toBeLessThan(2e-6);
    }
  });

  it("matches the float64 golden to 1e-12 when run in float64", () => {
    expect(deviation(f64.output, golden.output.data).rel).toBeLessThan(1e-12);
    expect(Math.abs(f64.objective - golden.objective)).toBeLessThan(1e-12);
    expect(deviation(f64.gradInput, golden.grad_input.data).rel).toBeLessThan(1e-12);
    for (const name of weightNames)
      expect(deviation(f64.gradWeights[name]!, golden.grad_weights[name]!.data).rel, name).toBeLessThan(1e-12);
  });

  it("gives the same results with the masked layout (one attention for all heads)", () => {
    expect(deviation(masked32.output, golden.output.data).rel).toBeLessThan(2e-6);
    expect(deviation(masked64.output, golden.output.data).rel).toBeLessThan(1e-12);
    golden.head_outputs_before_proj.forEach((expected, h) => expect(deviation(masked64.heads[h]!, expected.data).rel).toBeLessThan(1e-12));
    expect(deviation(masked32.gradInput, golden.grad_input.data).rel).toBeLessThan(2e-6);
    expect(deviation(masked64.gradInput, golden.grad_input.data).rel).toBeLessThan(1e-12);
    for (const name of weightNames) {
      expect(deviation(masked32.gradWeights[name]!, golden.grad_weights[name]!.data).rel, name).toBeLessThan(2e-6);
      expect(deviation(masked64.gradWeights[name]!, golden.grad_weights[name]!.data).rel, name).toBeLessThan(1e-12);
    }
  });
});
