/**
 * @file One function per distinct kernel (src/backends/wasm/program-module.ts): copies of one kernel
 * (every layer's) hash equal under `kernelHash` whatever buffers they read, and share one WebAssembly
 * function called with each copy's own argument table; kernels that differ in structure, shape or the
 * order of their operands hash apart. A stack of equal layers then computes what the reference computes,
 * on one thread and on two.
 */

import { describe, expect, it } from "vitest";
import {
  compiler,
  fromData,
  gelu,
  matmul,
  reference,
  spec,
  sub,
  trace,
  wasm,
  add,
  type Graph,
  type HostTensor,
  type Tensor,
} from "../../src";

const width = 16;

/** `depth` equal layers `gelu(x·wᵢ + bᵢ)`, rows of `width`. */
const stack = (depth: number, rows = 8): { graph: Graph; values: HostTensor[] } => {
  const params = Object.fromEntries(
    Array.from({ length: depth }, (_, i) => [
      [`w${i}`, spec([width, width])],
      [`b${i}`, spec([width])],
    ]).flat(),
  );
  const graph = trace(
    (a: Record<string, Tensor>) =>
      Array.from({ length: depth }, (_, i) => i).reduce((x, i) => gelu(add(matmul(x, a[`w${i}`]!), a[`b${i}`]!) as Tensor) as Tensor, a.x!),
    { x: spec([rows, width]), ...params } as never,
  );
  const wave = (n: number, s: number) => Array.from({ length: n }, (_, j) => Math.sin(j * 0.37 + s) / 4);
  const values = graph.inputs.map((node, i) => {
    const shape = node.shape as ReadonlyArray<number>;
    return fromData(
      wave(
        shape.reduce((p, q) => p * q, 1),
        i,
      ),
      shape,
    );
  });
  return { graph, values };
};

const kernelsOf = (g: Graph) => compiler.schedule(compiler.optimize(g));

describe("kernelHash", () => {
  it("is equal for every layer's copy of a kernel and differs with shape and operand order", () => {
    const program = kernelsOf(stack(3).graph);
    const hashes = program.kernels.map((k) => compiler.kernelHash(k, program.buffers[k.output]!.shape, ""));
    // Three layers, each one fused matmul + bias + GELU kernel: one structure.
    expect(program.kernels).toHaveLength(3);
    expect(new Set(hashes).size).toBe(1);
    const wider = kernelsOf(stack(1, 12).graph);
    expect(compiler.kernelHash(wider.kernels[0]!, wider.buffers[wider.kernels[0]!.output]!.shape, "")).not.toBe(hashes[0]);
    // a − b and b − a are one function (first operand minus second), each copy called with its own table;
    // a + b is another.
    const g = trace(({ a, b }: { a: Tensor; b: Tensor }) => [sub(a, b), sub(b, a), add(a, b)], { a: spec([8]), b: spec([8]) } as never);
    const p = kernelsOf(g);
    const [ab, ba, plus] = p.kernels.map((k) => compiler.kernelHash(k, [8], ""));
    expect(ab).toBe(ba);
    expect(plus).not.toBe(ab);
    expect(compiler.kernelHash(program.kernels[0]!, [8, width], "a")).not.toBe(compiler.kernelHash(program.kernels[0]!, [8, width], "b"));
  });
});

describe("wasm: one function per distinct kernel", () => {
  it("calls one function with each copy's buffers: a − b and b − a", async () => {
    const g = trace(({ a, b }: { a: Tensor; b: Tensor }) => [sub(a, b), sub(b, a)], { a: spec([8]), b: spec([8]) } as never);
    const runner = await wasm({ threads: 1 }).prepare(g);
    expect(WebAssembly.Module.exports(new WebAssembly.Module(runner.bytes)).map((e) => e.name)).toEqual(["f0"]);
    const a = Array.from({ length: 8 }, (_, i) => i);
    const [x, y] = await runner([fromData(a, [8]), fromData([5, 5, 5, 5, 5, 5, 5, 5], [8])]);
    expect(Array.from(x!.data)).toEqual(a.map((v) => v - 5));
    expect(Array.from(y!.data)).toEqual(a.map((v) => 5 - v));
  });

  it.each([1, 2])("a stack of 4 equal layers is one function, with the reference's values (%i thread(s))", async (threads) => {
    const { graph, values } = stack(4, 64);
    const backend = wasm({ threads });
    const runner = await backend.prepare(graph);
    expect(runner.program.kernels).toHaveLength(4);
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(runner.bytes)).filter((e) => e.kind === "function");
    expect(exported.map((e) => e.name)).toEqual(["f0"]);
    const [got] = await runner(values);
    const [want] = await (await reference({ precision: "f64" }).prepare(graph))(values);
    const worst = Math.max(...Array.from(got!.data, (v, i) => Math.abs(v - want!.data[i]!)));
    expect(worst).toBeLessThan(1e-5);
    await runner.close();
    await backend.close();
  });
});
