/**
 * @file Each graph pass on a graph built to need it, then the whole pipeline as a property: on random
 * graphs over the primitive set, the optimised graph evaluates to the original's values on the float64
 * reference backend. Tolerance: 1e-12 relative (+1e-12 absolute). Why not exact: folding evaluates
 * constant subgraphs once, in float64, in the same order, so values agree to the last bit except where
 * a rewrite changes a −0 to +0 or a splat op's order of evaluation; NaN must match NaN.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  constant,
  div,
  exp,
  full,
  grad,
  interpret,
  less,
  matmul,
  mul,
  neg,
  permute,
  reshape,
  select,
  stopGradient,
  sub,
  sum,
  topo,
  trace,
  transpose,
  spec,
  type Graph,
  type Node,
  type Tensor,
} from "../../src";
import { batchMatmulSums, cse, dce, fold, nodeCount, optimize, simplify } from "../../src/compile";
import { randomGraph } from "./random-graphs";

const ops = (g: Graph): string[] => topo(g.outputs).map((n) => n.op);
const graphOf = (f: (x: Tensor, y: Tensor) => Tensor | Tensor[]): Graph =>
  trace(({ x, y }) => f(x, y), { x: spec([2, 3]), y: spec([2, 3]) });

describe("dce", () => {
  it("removes stopGradient and selects whose branches are one node", () => {
    const g = dce.run(
      graphOf((x, y) => {
        const e = exp(x);
        return select(less(x, y), stopGradient(e), stopGradient(e));
      }),
    );
    expect(ops(g)).toEqual(["input", "exp"]);
  });
});

describe("cse", () => {
  it("merges equal subgraphs and equal constants, never inputs", () => {
    const g = cse.run(
      graphOf((x, _y) => add(mul(exp(x), constant([1, 2, 3, 4, 5, 6], [2, 3])), mul(exp(x), constant([1, 2, 3, 4, 5, 6], [2, 3])))),
    );
    expect(ops(g).filter((o) => o === "exp")).toHaveLength(1);
    expect(ops(g).filter((o) => o === "constant")).toHaveLength(1);
    const h = cse.run(graphOf((x, y) => add(exp(x), exp(y))));
    expect(ops(h).filter((o) => o === "exp")).toHaveLength(2);
  });
});

describe("fold", () => {
  it("evaluates constant subgraphs", () => {
    const g = fold.run(graphOf((x) => add(x, mul(constant([1, 2, 3], [3]), constant([4, 5, 6], [3])))));
    const c = topo(g.outputs).find((n) => n.op === "constant") as Node<"constant">;
    expect(Array.from(c.attrs.data)).toEqual([4, 10, 18]);
    expect(ops(g)).not.toContain("mul");
  });
  it("keeps an expanded scalar an expand, not a buffer", () => {
    const g = fold.run(graphOf((x) => add(x, full([2, 3], 7))));
    expect(ops(g)).toContain("expand");
    expect(topo(g.outputs).every((n) => n.op !== "constant" || (n as Node<"constant">).attrs.data.length === 1)).toBe(true);
  });
});

describe("simplify", () => {
  it("drops x + 0, x − 0, x · 1, x / 1 and −(−x)", () => {
    const g = simplify.run(graphOf((x) => neg(neg(div(mul(sub(add(x, 0), 0), 1), 1)))));
    expect(ops(g)).toEqual(["input"]);
  });
  it("keeps x · 0, because NaN · 0 is NaN", () => {
    expect(ops(simplify.run(graphOf((x) => mul(x, 0))))).toContain("mul");
  });
  it("composes reshape∘reshape and permute∘permute and drops identities", () => {
    const r = simplify.run(trace(({ x }) => reshape(reshape(x, [3, 2]), [6]), { x: spec([2, 3]) }));
    expect(ops(r)).toEqual(["input", "reshape"]);
    const p = simplify.run(trace(({ x }) => permute(permute(x, [1, 2, 0]), [2, 0, 1]), { x: spec([2, 3, 4]) }));
    expect(ops(p)).toEqual(["input"]);
    const q = simplify.run(trace(({ x }) => permute(permute(x, [1, 0, 2]), [0, 2, 1]), { x: spec([2, 3, 4]) }));
    expect((topo(q.outputs).at(-1) as Node<"permute">).attrs.perm).toEqual([1, 2, 0]);
  });
  it("turns ops on splats into a splat of the result", () => {
    const g = simplify.run(trace(({ x }) => mul(x, exp(full([2, 3], 0))), { x: spec([2, 3]) }));
    expect(ops(g)).toEqual(["input"]);
  });
});

describe("batchMatmulSums", () => {
  it("turns a weight gradient (a batch of products summed) into one matmul over batch × inner", () => {
    const g = trace(({ x, w, c }) => grad((ws: Tensor) => sum(mul(matmul(x, ws), c)) as Tensor<readonly []>)(w), {
      x: spec([2, 3, 4]),
      w: spec([4, 5]),
      c: spec([2, 3, 5]),
    });
    const o = batchMatmulSums.run(simplify.run(g));
    const mm = topo(o.outputs).filter((n) => n.op === "matmul");
    expect(mm.map((n) => n.shape)).toEqual([[4, 5]]);
    expect(mm[0]!.inputs[0]!.shape).toEqual([4, 6]);
    expect(ops(o)).not.toContain("sum");
    const bound = new Map<Node, Float64Array>(
      g.inputs.map((n, i) => [n, Float64Array.from({ length: n.shape.reduce((a, b) => a * b, 1) }, (_, j) => Math.sin(i + j))]),
    );
    const [want, got] = [interpret(g.outputs, bound, { precision: "f64" }), interpret(o.outputs, bound, { precision: "f64" })];
    Array.from(want[0]!).forEach((v, i) => expect(got[0]![i]).toBeCloseTo(v, 12));
  });
});

describe("optimize", () => {
  it("shrinks a graph with redundant work and keeps its inputs", () => {
    const g = graphOf((x, y) => [add(mul(exp(x), 1), exp(x)), transpose(transpose(stopGradient(y)))]);
    const o = optimize(g);
    expect(nodeCount(o)).toBeLessThan(nodeCount(g));
    expect(o.inputs).toBe(g.inputs);
  });

  const sameValues = (got: ArrayLike<number>, want: ArrayLike<number>): boolean =>
    Array.from(want).every((w, i) => {
      const g = got[i]!;
      return (Number.isNaN(w) && Number.isNaN(g)) || g === w || Math.abs(g - w) <= 1e-12 + 1e-12 * Math.abs(w);
    });

  it("preserves values on random graphs (float64 reference)", () => {
    fc.assert(
      fc.property(randomGraph, ({ graph: g, values }) => {
        const [x, y] = g.inputs;
        const o = optimize(g);
        const bound = new Map<Node, Float64Array>([
          [x!, Float64Array.from(values.slice(0, 6))],
          [y!, Float64Array.from(values.slice(6, 12))],
        ]);
        const want = interpret(g.outputs, bound, { precision: "f64" });
        const got = interpret(o.outputs, bound, { precision: "f64" });
        got.forEach((d, i) => expect(sameValues(d, want[i]!), `output ${i}`).toBe(true));
      }),
      { numRuns: 150 },
    );
  });
});
