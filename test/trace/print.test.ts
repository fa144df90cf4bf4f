/** @file printGraph pinned as inline snapshots for a tiny MLP and its gradient; toDot's structure. */
import { describe, expect, it } from "vitest";
import { add, grad, matmul, printGraph, relu, spec, sum, toDot, topo, trace, type Tensor } from "../../src";

interface Params {
  readonly w1: Tensor<readonly [3, 4]>;
  readonly b1: Tensor<readonly [4]>;
  readonly w2: Tensor<readonly [4, 1]>;
}
const specs = { p: { w1: spec([3, 4] as const), b1: spec([4] as const), w2: spec([4, 1] as const) }, x: spec([2, 3] as const) };
const loss = (p: Params, x: Tensor<readonly [2, 3]>): Tensor<readonly []> => sum(matmul(relu(add(matmul(x, p.w1), p.b1)), p.w2));

const forward = trace(({ p, x }) => loss(p, x), specs);
const backward = trace(({ p, x }) => grad(loss)(p, x), specs);

describe("printGraph", () => {
  it("prints a tiny MLP", () => {
    expect(printGraph(forward)).toMatchInlineSnapshot(`
      "{ lambda p_b1:f32[4] p_w1:f32[3,4] p_w2:f32[4,1] x:f32[2,3] .
          a:f32[2,4] = matmul x p_w1
          b:f32[1,4] = reshape[shape=[1,4]] p_b1
          c:f32[2,4] = expand[shape=[2,4]] b
          d:f32[2,4] = add a c
          e:f32[] = constant[value=[0]]
          f:f32[1,1] = reshape[shape=[1,1]] e
          g:f32[2,4] = expand[shape=[2,4]] f
          h:f32[2,4] = maximum d g
          i:f32[2,1] = matmul h p_w2
          j:f32[1,1] = sum[axes=[0,1]] i
          k:f32[] = reshape[shape=[]] j
        in (k) }"
    `);
  });

  it("prints its gradient", () => {
    expect(printGraph(backward)).toMatchInlineSnapshot(`
      "{ lambda p_b1:f32[4] p_w1:f32[3,4] p_w2:f32[4,1] x:f32[2,3] .
          a:f32[2,4] = matmul x p_w1
          b:f32[1,4] = reshape[shape=[1,4]] p_b1
          c:f32[2,4] = expand[shape=[2,4]] b
          d:f32[2,4] = add a c
          e:f32[] = constant[value=[0]]
          f:f32[1,1] = reshape[shape=[1,1]] e
          g:f32[2,4] = expand[shape=[2,4]] f
          h:bool[2,4] = less d g
          i:bool[] = constant[value=[0]]
          j:bool[1,1] = reshape[shape=[1,1]] i
          k:bool[2,4] = expand[shape=[2,4]] j
          l:bool[2,4] = equal h k
          m:f32[] = constant[value=[1]]
          n:f32[1,1] = reshape[shape=[1,1]] m
          o:f32[2,1] = expand[shape=[2,1]] n
          p:f32[1,4] = permute[perm=[1,0]] p_w2
          q:f32[2,4] = matmul o p
          r:f32[] = constant[value=[0]]
          s:f32[1,1] = reshape[shape=[1,1]] r
          t:f32[2,4] = expand[shape=[2,4]] s
          u:f32[2,4] = select l q t
          v:f32[1,4] = sum[axes=[0]] u
          w:f32[4] = reshape[shape=[4]] v
          y:f32[3,2] = permute[perm=[1,0]] x
          z:f32[3,4] = matmul y u
          ba:f32[2,4] = maximum d g
          bb:f32[4,2] = permute[perm=[1,0]] ba
          bc:f32[4,1] = matmul bb o
        in (w, z, bc) }"
    `);
  });
});

describe("toDot", () => {
  const dot = toDot(backward, "mlp-grad");
  const order = topo(backward.outputs);

  it("is a named digraph", () => {
    expect(dot.startsWith('digraph "mlp-grad" {')).toBe(true);
    expect(dot.endsWith("}")).toBe(true);
  });

  it("has one node per graph node and one edge per operand", () => {
    expect(order).toHaveLength(32);
    const nodes = dot.split("\n").filter((l) => /^ {2}"[^"]+" \[label=/.test(l));
    const edges = dot.split("\n").filter((l) => /^ {2}"[^"]+" -> "[^"]+";$/.test(l));
    expect(nodes).toHaveLength(order.length);
    expect(edges).toHaveLength(order.reduce((n, node) => n + node.inputs.length, 0));
  });

  it("draws inputs as ellipses labelled with their path-derived names", () => {
    const inputs = dot.split("\n").filter((l) => l.includes("shape=ellipse"));
    expect(inputs.map((l) => /^ {2}"([^"]+)"/.exec(l)![1]).sort()).toEqual(["p_b1", "p_w1", "p_w2", "x"]);
    expect(inputs.find((l) => l.startsWith('  "p_w1"'))).toContain("p_w1 = input\\nf32[3,4]");
  });
});
