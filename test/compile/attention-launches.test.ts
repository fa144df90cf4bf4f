/**
 * @file Multi-window attention as few launches. One MW-MHA layer (src/nn `mwmha`), forward and
 * forward+backward, compiled with and without fusion: the kernel counts are what docs/compiler.md
 * reports. With the "masked" layout every head, window or global, runs in the same launches, so the
 * count does not grow with the number of heads; and the fused program computes the reference's values
 * (|got − want| ≤ 2e-5 + 1e-4·|want| on webasm: float32 storage, sums of ≤ 64 products, softmax).
 */

import { describe, expect, it } from "vitest";
import { fromData, initMwmha, key, mul, mwmha, reference, size, spec, sum, trace, valueAndGrad, type Graph } from "../../src";
import { gpujs } from "../../src/backends/gpujs";
import { optimize, schedule } from "../../src/compile";
import { worstError } from "../backends/gpujs-node-support";

type Layout = "windows" | "masked";

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

const launches = (g: Graph, fuse: boolean): number => schedule(optimize(g), { fuse }).kernels.length;

describe("MW-MHA layer launches", () => {
  const small = [2, 20, 16] as const;
  it.each(["windows", "masked"] as const)("fusion cuts the %s layout's launches, forward and backward", (layout) => {
    const { forward, both } = layer([2, 5, 10, 0], layout, small);
    expect(launches(forward, true)).toBeLessThan(launches(forward, false) / 3);
    expect(launches(both, true)).toBeLessThan(launches(both, false) / 2);
  });

  it("runs all heads of the masked layout in the same launches: twice the heads, no more launches", () => {
    const four = layer([2, 5, 10, 0], "masked", small);
    const eight = layer([2, 5, 10, 0, 2, 5, 10, 0], "masked", [2, 20, 32]); // same head size, 4

    // Not equal: with more window tables the bias gather costs more and fusion places it differently.
    expect(launches(eight.forward, true)).toBeLessThanOrEqual(launches(four.forward, true));
    // The backward writes one gradient per window head's table (separate parameters, so separate
    // output buffers): 3 more window heads, at most 3 more launches, all tiny slices.
    expect(launches(eight.both, true)).toBeLessThanOrEqual(launches(four.both, true) + 3);
    expect(launches(four.forward, true)).toBeLessThanOrEqual(8);
  });

  it("computes the reference's output and gradients on webasm (masked layout)", async () => {
    const { both } = layer([2, 5, 10, 0], "masked", small);
    const inputs = both.inputs.map((node, i) =>
      fromData(
        Array.from({ length: size(node.shape) }, (_, j) => Math.sin(j * 0.71 + i) * 0.5),
        node.shape,
      ),
    );
    const want = await (await reference({ precision: "f64" }).prepare(both))(inputs);
    const got = await (await gpujs({ mode: "webasm" }).prepare(both))(inputs);
    got.forEach((t, k) => {
      const w = worstError(t.data, want[k]!.data, 1e-4, 2e-5);
      expect(w.excess, `output ${k} at ${w.at}: got ${w.got}, want ${w.want}`).toBeLessThanOrEqual(0);
    });
  });
});
