/**
 * @file Fusion's cost rules, pinned. The kernel counts of one MW-MHA layer forward and forward+backward
 * (both layouts; 4 and 8 heads) and of three small graphs are fixed numbers, and switching off any one
 * rule (`schedule(g, { disable: [rule] })`) changes at least one of them: no rule is dead, and a change
 * to a rule shows up here. Attention exercises `repeated`, `operand`, `layout` (in the backward pass,
 * operands whose views split a contracted axis by a divisor that is not a power of two get a buffer of
 * their own), `prologue` and `assemble`; the
 * rules it never triggers at these sizes (nor does the MW-MAE training step: `samePlace`, `maxCost`),
 * and `broadcast` (the step triggers it once), are pinned by the smallest graph that needs them.
 */

import { describe, expect, it } from "vitest";
import { add, exp, initMwmha, key, mul, mwmha, reshape, spec, sum, tanh, trace, valueAndGrad, type Graph, type Tensor } from "../../src";
import { optimize, schedule, type FusionRule } from "../../src/compile";

const layer = (windows: ReadonlyArray<number>, layout: "windows" | "masked", [b, n, d]: readonly [number, number, number]) => {
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

/** `tanh(exp(x) + 1)`: cost 10 (a load, two transcendentals, an add), above the inlining bound of 8. */
const costly = (x: Tensor): Tensor => tanh(add(exp(x), 1) as Tensor) as Tensor;

const small = layer([2, 5, 10, 0], "windows", [2, 20, 16]);
const masked = layer([2, 5, 10, 0], "masked", [2, 20, 16]);
const eight = layer([2, 5, 10, 0, 2, 5, 10, 0], "windows", [2, 20, 32]);

/** Each workload and its kernel count with every rule on. */
const pinned: ReadonlyArray<readonly [string, Graph, number]> = [
  ["MW-MHA windows, forward", small.forward, 26],
  ["MW-MHA windows, forward+backward", small.both, 67],
  ["MW-MHA masked, forward", masked.forward, 8],
  ["MW-MHA masked, forward+backward", masked.both, 30],
  ["MW-MHA windows 8 heads, forward", eight.forward, 38],
  ["MW-MHA windows 8 heads, forward+backward", eight.both, 88],
  // A costly value used twice at one index of one kernel: computed once there, no buffer.
  [
    "y·y, y costly",
    trace(
      ({ x }: { x: Tensor }) => {
        const y = costly(x);
        return mul(y, y);
      },
      { x: spec([4, 8]) } as never,
    ),
    1,
  ],
  // A costly [4, 1] column broadcast over [4, 8]: a buffer, not 8 recomputations per row.
  ["costly column + z", trace(({ x, z }: { x: Tensor; z: Tensor }) => add(costly(x), z), { x: spec([4, 1]), z: spec([4, 8]) } as never), 2],
  // 120 nested tanh (cost 481): split so kernel sources stay bounded.
  [
    "120 × tanh",
    trace(
      ({ x }: { x: Tensor }) => {
        let y: Tensor = x;
        for (let i = 0; i < 120; i++) y = tanh(y) as Tensor;
        return reshape(y, [32]);
      },
      { x: spec([4, 8]) } as never,
    ),
    2,
  ],
];

const rules: ReadonlyArray<FusionRule> = ["repeated", "samePlace", "broadcast", "assemble", "operand", "layout", "maxCost", "prologue"];
const kernels = (g: Graph, disable: ReadonlyArray<FusionRule> = []): number => schedule(optimize(g), { disable }).kernels.length;

describe("fusion rules", () => {
  it.each(pinned)("%s: pinned kernel count", (_name, graph, count) => {
    expect(kernels(graph)).toBe(count);
  });

  it.each(rules)("switching off %s changes a pinned kernel count", (rule) => {
    const changed = pinned.filter(([, graph, count]) => kernels(graph, [rule]) !== count).map(([name]) => name);
    expect(changed.length, `no pinned workload depends on ${rule}`).toBeGreaterThan(0);
  });
});
