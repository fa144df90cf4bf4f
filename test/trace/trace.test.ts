/** @file trace: inputs named by their pytree paths, outputs rebuilt in the function's structure. */
import { describe, expect, it } from "vitest";
import { add, fromData, jit, matmul, reference, spec, sum, trace, type Node, type Tensor } from "../../src";

const specs = {
  x: spec([2, 3] as const),
  encoder: { blocks: [{ w: spec([3, 3] as const) }, { w: spec([3, 3] as const) }] as const, bias: spec([3] as const) },
  steps: spec([] as const, "i32"),
};

type Encoder = { blocks: readonly [{ w: Tensor<readonly [3, 3]> }, { w: Tensor<readonly [3, 3]> }]; bias: Tensor<readonly [3]> };
const model = ({ x, encoder }: { x: Tensor<readonly [2, 3]>; encoder: Encoder }) => {
  const h = add(matmul(matmul(x, encoder.blocks[0].w), encoder.blocks[1].w), encoder.bias);
  return { hidden: h, stats: [sum(h), sum(x)] as const };
};

describe("trace", () => {
  it("names each input by its path, record keys sorted", () => {
    const g = trace(model, specs);
    expect(g.inputs.map((n) => n.attrs.name)).toEqual(["encoder/bias", "encoder/blocks/0/w", "encoder/blocks/1/w", "steps", "x"]);
    expect(g.inputs.map((n) => n.shape)).toEqual([[3], [3, 3], [3, 3], [], [2, 3]]);
    expect(g.inputs.map((n) => n.dtype)).toEqual(["f32", "f32", "f32", "i32", "f32"]);
  });

  it("keeps an input the function ignores", () => {
    // "steps" is unused, but the graph still takes it, so calls bind the same pytree.
    expect(trace(model, specs).inputs).toHaveLength(5);
  });

  it("records the output structure", () => {
    const g = trace(model, specs);
    expect(g.outputTree).toEqual({
      kind: "record",
      keys: ["hidden", "stats"],
      children: [{ kind: "leaf" }, { kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] }],
    });
    expect(g.outputs.map((o: Node) => o.shape)).toEqual([[2, 3], [], []]);
  });

  it("names a bare argument arg0 and keeps positional arrays in order", () => {
    expect(trace((x) => x, spec([2])).inputs[0]!.attrs.name).toBe("arg0");
    expect(trace(([a, b]) => add(a, b), [spec([2]), spec([2])] as const).inputs.map((n) => n.attrs.name)).toEqual(["0", "1"]);
  });

  it("rebuilds outputs with values when compiled and run", async () => {
    const f = await jit(model, specs, reference());
    const eye = fromData([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3] as const);
    const out = await f({
      x: fromData([1, 2, 3, 4, 5, 6], [2, 3] as const),
      encoder: { blocks: [{ w: eye }, { w: eye }], bias: fromData([10, 20, 30], [3] as const) },
      steps: fromData([7], [] as const, "i32"),
    });
    expect(Array.from(out.hidden.data)).toEqual([11, 22, 33, 14, 25, 36]);
    expect(out.stats.map((s) => s.data[0])).toEqual([141, 21]);
  });

  it("refuses a leaf that is neither a spec nor a structure", () => {
    expect(() => trace(() => null, { x: spec([1]), bad: "nope" } as never)).toThrow('pytree: unexpected string at "bad"');
  });
});
