/**
 * @file The "ragged" MW-MHA layout (every allowed head/query/key triple once, all heads in the same
 * kernels) against the "windows" layout and the layer golden, and its launch count at the issue's size.
 *
 * - Random small configurations (n ≤ 12 tokens, windows dividing n or 0 = global, 1–4 heads of width
 *   1–3, batch 1–2), float64 reference interpreter: per-head outputs and the gradients of
 *   sum(mwmha(x)·r) with respect to x and every parameter equal the windows layout's to 1e-12 relative
 *   to the array's largest magnitude (sums of ≤ 12 products and a softmax round at ~1e-15; a leaked or
 *   missing key changes results by ~1e-2).
 * - `mwmha_layer.json`: the same bounds as test/nn/mwmha.golden.test.ts (float32 within 2e-6 of the
 *   float64 and float32 golden values, float64 within 1e-12), output, heads and every gradient.
 * - Launches at batch 8, n = 250, width 384, windows [2, 5, 10, 25, 50, 125, 0, 0], forward and
 *   forward+backward, on the wasm and gpujs backends (their `compile`, i.e. the program `prepare` runs):
 *   ragged needs no more launches than masked. A small layer is also run on wasm to check that the
 *   runner launches exactly the program's kernels and computes the reference's values (float32
 *   storage: |got − want| ≤ 2e-5 + 1e-4·|want|, as test/compile/attention-launches.test.ts).
 */

import fc from "fast-check";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import {
  constant,
  fromData,
  initMwmha,
  interpret,
  isNode,
  key,
  mul,
  mwmha,
  mwmhaHeads,
  reference,
  size,
  spec,
  sum,
  trace,
  valueAndGrad,
  type Graph,
  type MultiWindowAttention,
  type Node,
  type Tensor,
} from "../../src";
import { gpujs } from "../../src/backends/gpujs";
import { wasm } from "../../src/backends/wasm";
import { flatten } from "../../src/trace";
import { worstError } from "../backends/gpujs-node-support";
import { ArrayRecord, GoldenArray, hostOf, hostRecord, readGolden } from "../support/golden";
import { deviation, inputOf, inputsOf } from "./nest";
import { seededValues } from "../../src/testing";

type Layout = "windows" | "masked" | "ragged";
type Tokens = Tensor<readonly [number, number, number]>;

const divisorsOf = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/** Heads, then the gradient leaves (x first, then parameters in pytree order) of sum(mwmha(x)·r). */
const headsAndGrads = (p: MultiWindowAttention, windows: ReadonlyArray<number>, layout: Layout, x: Tokens, r: Tensor): Node[] => {
  const objective = (arg: { readonly p: MultiWindowAttention; readonly x: Tokens }) =>
    sum(mul(mwmha(p, { windows, layout })(arg.x) as Tensor, r)) as Tensor<readonly []>;
  const [, grads] = valueAndGrad(objective)({ p, x });
  return [mwmhaHeads(p, { windows, layout })(x), grads.x, ...flatten(grads.p, isNode).leaves];
};

describe("ragged MW-MHA layout", () => {
  it("equals the windows layout on random small configurations, outputs and gradients (float64)", () => {
    const config = fc.record({
      n: fc.integer({ min: 1, max: 12 }),
      batch: fc.integer({ min: 1, max: 2 }),
      headDim: fc.integer({ min: 1, max: 3 }),
      picks: fc.array(fc.nat({ max: 11 }), { minLength: 1, maxLength: 4 }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(config, ({ n, batch, headDim, picks, seed }) => {
        const choices = [0, ...divisorsOf(n)];
        const windows = picks.map((i) => choices[i % choices.length]!);
        const dim = windows.length * headDim;
        const p = initMwmha(key(seed), { dim, windows }) as MultiWindowAttention;
        const next = seededValues(seed + 1);
        const [x, r] = [0, 1].map(
          () =>
            constant(
              next(batch * n * dim).map((u) => 2 * u),
              [batch, n, dim],
            ) as Tokens,
        );
        const want = interpret(headsAndGrads(p, windows, "windows", x!, r!), new Map(), { precision: "f64" });
        const got = interpret(headsAndGrads(p, windows, "ragged", x!, r!), new Map(), { precision: "f64" });
        want.forEach((w, i) => expect(deviation(got[i]!, w).rel, `windows ${windows}, output ${i}`).toBeLessThan(1e-12));
      }),
      { numRuns: 40 },
    );
  });

  describe("mwmha_layer.json", () => {
    const Golden = t.type({
      config: t.type({ window_sizes: t.array(t.number) }),
      weights: ArrayRecord,
      input: GoldenArray,
      R: GoldenArray,
      output: GoldenArray,
      output_f32: GoldenArray,
      head_outputs_before_proj: t.array(GoldenArray),
      grad_input: GoldenArray,
      grad_input_f32: GoldenArray,
      grad_weights: ArrayRecord,
      grad_weights_f32: ArrayRecord,
    });
    const golden = readGolden("mwmha_layer.json", Golden);
    const windows = golden.config.window_sizes;
    const weights = hostRecord(golden.weights);
    const names = Object.keys(weights).sort();

    const run = (precision: "f32" | "f64") => {
      const params = inputsOf(weights);
      const [x, xBound] = inputOf("x", hostOf(golden.input));
      const [r, rBound] = inputOf("r", hostOf(golden.R));
      const p = params.tree as MultiWindowAttention;
      const [heads, gradX, ...gradP] = headsAndGrads(p, windows, "ragged", x as Tokens, r);
      const output = mwmha(p, { windows, layout: "ragged" })(x as Tokens);
      const [out, h, gx, ...gp] = interpret([output, heads!, gradX!, ...gradP], new Map([...params.bound, xBound, rBound]), { precision });
      // Parameter gradients come in pytree order, which is the sorted flat-path order of `names`.
      return {
        out: out!,
        heads: h!,
        gradX: gx!,
        gradP: Object.fromEntries(names.map((name, i) => [name, gp[i]!])),
        headShape: heads!.shape,
      };
    };
    const f32 = run("f32");
    const f64 = run("f64");

    /** Head h of a `[B, H, N, hd]` result as `[B, N, hd]` row-major values. */
    const headOf = (data: ArrayLike<number>, [b, heads, n, hd]: ReadonlyArray<number>, h: number): number[] =>
      Array.from({ length: b! * n! * hd! }, (_, i) => data[(Math.floor(i / (n! * hd!)) * heads! + h) * n! * hd! + (i % (n! * hd!))]!);

    it("matches the output and each head (float32 within 2e-6, float64 within 1e-12)", () => {
      expect(deviation(f32.out, golden.output.data).rel).toBeLessThan(2e-6);
      expect(deviation(f32.out, golden.output_f32.data).rel).toBeLessThan(2e-6);
      expect(deviation(f64.out, golden.output.data).rel).toBeLessThan(1e-12);
      golden.head_outputs_before_proj.forEach((expected, h) => {
        expect(deviation(headOf(f32.heads, f32.headShape, h), expected.data).rel).toBeLessThan(2e-6);
        expect(deviation(headOf(f64.heads, f64.headShape, h), expected.data).rel).toBeLessThan(1e-12);
      });
    });

    it("matches the gradients with respect to the input and every weight", () => {
      expect(Object.keys(golden.grad_weights).sort()).toEqual(names);
      expect(deviation(f32.gradX, golden.grad_input.data).rel).toBeLessThan(2e-6);
      expect(deviation(f32.gradX, golden.grad_input_f32.data).rel).toBeLessThan(2e-6);
      expect(deviation(f64.gradX, golden.grad_input.data).rel).toBeLessThan(1e-12);
      for (const name of names) {
        expect(deviation(f32.gradP[name]!, golden.grad_weights[name]!.data).rel, name).toBeLessThan(2e-6);
        expect(deviation(f32.gradP[name]!, golden.grad_weights_f32[name]!.data).rel, name).toBeLessThan(2e-6);
        expect(deviation(f64.gradP[name]!, golden.grad_weights[name]!.data).rel, name).toBeLessThan(1e-12);
      }
    });
  });

  describe("launches", () => {
    const layer = (windows: ReadonlyArray<number>, layout: Layout, [b, n, d]: readonly [number, number, number]) => {
      const params = initMwmha(key(1), { dim: d, windows });
      const forward = trace(({ p, x }) => mwmha(p as never, { windows, layout })(x as never), { p: params as never, x: spec([b, n, d]) });
      const loss = (p: never, x: never, c: never) => sum(mul(mwmha(p, { windows, layout })(x), c));
      const both = trace(({ p, x, c }) => valueAndGrad(loss)(p as never, x as never, c as never), {
        p: params as never,
        x: spec([b, n, d]),
        c: spec([b, n, d]),
      });
      return { forward, both };
    };

    it("needs no more launches than the masked layout at the issue's size (wasm and gpujs)", () => {
      const backends = { wasm: wasm(), "gpujs-webasm": gpujs({ mode: "webasm" }), "gpujs-webgl2": gpujs({ mode: "webgl2" }) };
      const counts = (["windows", "masked", "ragged"] as const).map((layout) => {
        const { forward, both } = layer([2, 5, 10, 25, 50, 125, 0, 0], layout, [8, 250, 384]);
        const row = Object.entries(backends).map(
          ([name, backend]) => [name, backend.compile(forward).kernels.length, backend.compile(both).kernels.length] as const,
        );
        return { layout, row };
      });
      for (const { layout, row } of counts)
        console.log(`launches ${layout}: ${row.map(([name, f, fb]) => `${name} fwd ${f}, fwd+bwd ${fb}`).join("; ")}`);
      const [windowsRow, masked, ragged] = counts.map((c) => c.row);
      ragged!.forEach(([, f, fb], i) => {
        expect(f).toBeLessThanOrEqual(masked![i]![1]);
        expect(fb).toBeLessThanOrEqual(masked![i]![2]);
        expect(fb).toBeLessThan(windowsRow![i]![2] / 2);
      });
    });

    it("launches exactly its program's kernels on wasm and computes the reference's values", async () => {
      const { both } = layer([2, 5, 0, 10], "ragged", [2, 20, 16]);
      const inputs = both.inputs.map((node, i) =>
        fromData(
          Array.from({ length: size(node.shape) }, (_, j) => Math.sin(j * 0.71 + i) * 0.5),
          node.shape,
        ),
      );
      const want = await (await reference({ precision: "f64" }).prepare(both as Graph))(inputs);
      const backend = wasm();
      const runner = await backend.prepare(both);
      const got = await runner(inputs);
      await runner.close();
      expect(backend.stats.launches).toBe(runner.program.kernels.length);
      got.forEach((x, k) => {
        const w = worstError(x.data, want[k]!.data, 1e-4, 2e-5);
        expect(w.excess, `output ${k} at ${w.at}: got ${w.got}, want ${w.want}`).toBeLessThanOrEqual(0);
      });
    });
  });
});
