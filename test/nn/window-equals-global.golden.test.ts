/**
 * @file `window_equals_global.json`: window heads whose window is the whole sequence (w = n = 12) and
 * whose bias tables are zero compute exactly what global heads compute, for the layer and per head;
 * with the file's non-zero tables the output moves (by about 1.07), a control that the bias is used.
 * Same weights, windows [12, 0, 12, 0] against [0, 0, 0, 0].
 *
 * Tolerances as in mwmha.golden.test.ts: the file's float32 outputs sit 2.8e-7 from its float64 ones
 * (|output| ~ 2); our float32 run gets 2e-6 relative to the largest magnitude, our float64 run 1e-12.
 * Window-n-with-zero-bias against global is compared bit for bit in our own runs: adding a zero bias
 * is exact and both paths reduce in the same order, so nothing but a semantic difference can show.
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { interpret, mwmha, mwmhaHeads, zeros, type MultiWindowAttention, type Node, type Tensor } from "../../src";
import { ArrayRecord, GoldenArray, hostOf, hostRecord, maxAbsDiff, readGolden } from "../support/golden";
import { deviation, inputOf, inputsOf } from "./nest";

const Outputs = t.type({
  max_abs_diff_window_n_nonzero_bias_vs_global: t.number,
  output_window_n_zero_bias: GoldenArray,
  output_global: GoldenArray,
  output_window_n_nonzero_bias: GoldenArray,
});
const Golden = t.type({ input: GoldenArray, weights_window: ArrayRecord, results: t.type({ f64: Outputs, f32: Outputs }) });

const golden = readGolden("window_equals_global.json", Golden);
const n = golden.input.shape[1]!;
const windowed = [n, 0, n, 0];
const global = [0, 0, 0, 0];

type Tokens = Tensor<readonly [2, 12, 16]>;

const run = (precision: "f32" | "f64") => {
  const params = inputsOf(hostRecord(golden.weights_window));
  const [x, bound] = inputOf("x", hostOf(golden.input));
  const p = params.tree as MultiWindowAttention<16>;
  const zeroTables: MultiWindowAttention<16> = {
    ...p,
    attn_heads_0: { relative_position_bias_table: zeros([2 * n - 1, 1] as const) },
    attn_heads_2: { relative_position_bias_table: zeros([2 * n - 1, 1] as const) },
  };
  const { qkv, proj } = p;
  const globalParams: MultiWindowAttention<16> = { qkv, proj };
  const tokens = x as Tokens;
  const outputs: Node[] = [
    mwmha(p, { windows: windowed })(tokens),
    mwmha(zeroTables, { windows: windowed })(tokens),
    mwmha(globalParams, { windows: global })(tokens),
    mwmhaHeads(zeroTables, { windows: windowed })(tokens),
    mwmhaHeads(globalParams, { windows: global })(tokens),
  ];
  const [nonzero, zeroBias, globalOut, zeroHeads, globalHeads] = interpret(outputs, new Map([...params.bound, bound]), { precision });
  return { nonzero: nonzero!, zeroBias: zeroBias!, global: globalOut!, zeroHeads: zeroHeads!, globalHeads: globalHeads! };
};

describe("window = n equals global (window_equals_global.json)", () => {
  const f32 = run("f32");
  const f64 = run("f64");

  it("gives exactly the global output, per head and for the layer, with a zero bias", () => {
    expect(maxAbsDiff(f32.zeroHeads, f32.globalHeads)).toBe(0);
    expect(maxAbsDiff(f32.zeroBias, f32.global)).toBe(0);
    expect(maxAbsDiff(f64.zeroBias, f64.global)).toBe(0);
  });

  it("matches the golden outputs (float32 within 2e-6 relative, float64 within 1e-12)", () => {
    const pairs = [
      [f32.zeroBias, f64.zeroBias, "output_window_n_zero_bias"],
      [f32.global, f64.global, "output_global"],
      [f32.nonzero, f64.nonzero, "output_window_n_nonzero_bias"],
    ] as const;
    for (const [ours32, ours64, name] of pairs) {
      expect(deviation(ours32, golden.results.f64[name].data).rel, name).toBeLessThan(2e-6);
      expect(deviation(ours32, golden.results.f32[name].data).rel, name).toBeLessThan(2e-6);
      expect(deviation(ours64, golden.results.f64[name].data).rel, name).toBeLessThan(1e-12);
    }
  });

  it("differs from global attention by the golden's 1.07 when the bias is not zero (control)", () => {
    const expected = golden.results.f64.max_abs_diff_window_n_nonzero_bias_vs_global;
    expect(expected).toBeGreaterThan(1);
    expect(Math.abs(maxAbsDiff(f64.nonzero, f64.global) - expected)).toBeLessThan(1e-12);
    expect(Math.abs(maxAbsDiff(f32.nonzero, f32.global) - expected)).toBeLessThan(2e-6);
  });
});
