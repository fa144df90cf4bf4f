/**
 * @file The MW-MHA layer golden (`mwmha_layer.json`: dim 16, windows [2, 3, 6, 0] on 12 tokens, batch
 * 2) on the WebAssembly SIMD backend: output, objective sum(output·R) and its gradients with respect to
 * the input and every weight, in one compiled graph. Tolerance: 2e-6 relative to each array's largest
 * magnitude, against both the float64 and the float32 golden values, the bound the reference
 * interpreter's float32 run meets (test/nn/mwmha.golden.test.ts): the file's own float32 results sit
 * ~2e-7 from float64, and a float32 run that rounds in another order (SIMD lanes, unrolled sums) may
 * land as far again; 10× that is left for the order of accumulation.
 */

import * as t from "io-ts";
import { beforeAll, describe, expect, it } from "vitest";
import {
  flatten,
  isHostTensor,
  jit,
  mul,
  mwmha,
  sum,
  valueAndGrad,
  withShape,
  type HostTensor,
  type MultiWindowAttention,
  type Tensor,
} from "../../src";
import { wasm } from "../../src/backends/wasm";
import { ArrayRecord, GoldenArray, hostOf, hostRecord, maxAbs, maxAbsDiff, readGolden } from "../support/golden";

const Golden = t.type({
  config: t.type({ window_sizes: t.array(t.number) }),
  weights: ArrayRecord,
  input: GoldenArray,
  R: GoldenArray,
  output: GoldenArray,
  output_f32: GoldenArray,
  objective: t.number,
  grad_input: GoldenArray,
  grad_input_f32: GoldenArray,
  grad_weights: ArrayRecord,
  grad_weights_f32: ArrayRecord,
});

const golden = readGolden("mwmha_layer.json", Golden);
const windows = golden.config.window_sizes;
const REL = 2e-6;

/** Flat `a/b` paths to a nested record. */
const nest = (flat: Readonly<Record<string, HostTensor>>): Record<string, unknown> => {
  const tree: Record<string, unknown> = {};
  for (const [path, v] of Object.entries(flat)) {
    const keys = path.split("/");
    const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((at, k) => {
      at[k] ??= {};
      return at[k] as Record<string, unknown>;
    }, tree);
    parent[keys[keys.length - 1]!] = v;
  }
  return tree;
};

const rel = (got: ArrayLike<number>, want: ArrayLike<number>): number => maxAbsDiff(got, want) / maxAbs(want);

type Args = { readonly p: MultiWindowAttention; readonly x: Tensor; readonly r: Tensor };

describe("wasm: MW-MHA layer golden", () => {
  let output: HostTensor;
  let objective: number;
  let grads: Record<string, ArrayLike<number>> = {};
  beforeAll(async () => {
    const args = { p: nest(hostRecord(golden.weights)), x: hostOf(golden.input), r: hostOf(golden.R) };
    const f = await jit(
      (a: Args) => {
        const layer = (q: { readonly p: MultiWindowAttention; readonly x: Tensor }) =>
          mwmha(q.p, { windows })(q.x as Tensor<readonly [number, number, number]>);
        const [value, g] = valueAndGrad((q: { readonly p: MultiWindowAttention; readonly x: Tensor }) =>
          withShape([] as const)(sum(mul(layer(q), a.r))),
        )({ p: a.p, x: a.x });
        return { output: layer(a), value, g };
      },
      args as never,
      wasm(),
    );
    const out = (await f(args as never)) as unknown as { output: HostTensor; value: HostTensor; g: unknown };
    output = out.output;
    objective = out.value.data[0]!;
    const { leaves, paths } = flatten(out.g, isHostTensor);
    grads = Object.fromEntries(leaves.map((v, i) => [paths[i]!.replace(/^p\//, ""), v.data]));
  });

  it("matches the output and the objective", () => {
    expect(rel(output.data, golden.output.data)).toBeLessThan(REL);
    expect(rel(output.data, golden.output_f32.data)).toBeLessThan(REL);
    expect(Math.abs(objective - golden.objective) / Math.abs(golden.objective)).toBeLessThan(REL);
  });

  it("matches the gradients with respect to the input and every weight", () => {
    expect(rel(grads.x!, golden.grad_input.data)).toBeLessThan(REL);
    expect(rel(grads.x!, golden.grad_input_f32.data)).toBeLessThan(REL);
    expect(
      Object.keys(grads)
        .filter((k) => k !== "x")
        .sort(),
    ).toEqual(Object.keys(golden.grad_weights).sort());
    for (const [name, want] of Object.entries(golden.grad_weights)) {
      expect(rel(grads[name]!, want.data), name).toBeLessThan(REL);
      expect(rel(grads[name]!, golden.grad_weights_f32[name]!.data), name).toBeLessThan(REL);
    }
  });
});
