/**
 * @file The rows4 thread layout (4 output rows per thread, 2-D threads) that the host modes use for
 * kernels with a long reduction: matmuls with row counts that do and do not divide by 4, batched and
 * transposed operands, fused epilogues and a sum over a wide last axis, against the float64
 * reference, and scatter-add with constant indices (lowered to per-output segment sums). Tolerance |got − want| ≤ 1e-5 + 1e-5·|want|: float32 accumulation over k ≤ 40 products
 * of O(1) values (about k·6e-8 relative), plus tanh in float32.
 */

import { beforeAll, describe, expect, it } from "vitest";
import {
  add,
  constant,
  fromData,
  scatterAdd,
  gelu,
  matmul,
  reference,
  size,
  spec,
  sum,
  tanh,
  trace,
  transpose,
  type Graph,
  type HostTensor,
} from "../../src";
import { gpujs } from "../../src/backends/gpujs";
import { worstError } from "./gpujs-node-support";

const values = (shape: ReadonlyArray<number>, seed: number): HostTensor =>
  fromData(
    Array.from({ length: size(shape) }, (_, i) => Math.sin(i * 0.37 + seed) * 0.8),
    shape,
  );

const graphs: ReadonlyArray<readonly [string, Graph]> = [
  ["matmul, 7 rows (not a multiple of 4)", trace(({ a, b }) => matmul(a, b), { a: spec([7, 20]), b: spec([20, 9]) })],
  ["batched matmul with a transposed operand", trace(({ a, b }) => matmul(a, transpose(b)), { a: spec([3, 8, 17]), b: spec([3, 6, 17]) })],
  [
    "linear + bias + GELU, one kernel",
    trace(({ a, w, c }) => gelu(add(matmul(a, w), c)), { a: spec([2, 5, 24]), w: spec([24, 12]), c: spec([12]) }),
  ],
  ["sum over a wide axis after tanh", trace(({ a }) => sum(tanh(a), [1]), { a: spec([6, 40, 5]) })],
  [
    "scatter-add with constant indices (per-output segments)",
    trace(
      ({ a, u }) =>
        scatterAdd(
          a,
          constant(
            Array.from({ length: 2 * 7 * 4 }, (_, i) => (i * 7) % 3),
            [2, 7, 4],
            "i32",
          ),
          u,
          1,
        ),
      { a: spec([2, 3, 4]), u: spec([2, 7, 4]) },
    ),
  ],
];

describe.each(["cpu", "webasm", "async"] as const)("rows4 layout on gpujs %s", (mode) => {
  const backend = gpujs({ mode });
  it.each(graphs)("%s", async (_name, g) => {
    const inputs = g.inputs.map((n, i) => values(n.shape, i));
    const want = await (await reference({ precision: "f64" }).prepare(g))(inputs);
    const got = await (await backend.prepare(g))(inputs);
    got.forEach((t, k) => {
      const w = worstError(t.data, want[k]!.data, 1e-5, 1e-5);
      expect(w.excess, `at ${w.at}: got ${w.got}, want ${w.want}`).toBeLessThanOrEqual(0);
    });
  });
});

describe("rows4 layout", () => {
  let source = "";
  beforeAll(async () => {
    const { kernelSource } = await import("../../src/backends/gpujs");
    const { layoutOf } = await import("../../src/backends/gpujs/layout");
    const program = gpujs({ mode: "webasm" }).compile(graphs[0]![1]);
    const k = program.kernels[0]!;
    source = kernelSource(k, "gpujs-webasm", layoutOf(k, program.buffers[k.output]!.shape, true).exprs).source;
  });
  it("shares each B load among the 4 rows, in one loop unrolled by 4 (k = 20: no remainder)", () => {
    expect(source.match(/for \(/g)).toHaveLength(1);
    expect(source).toContain("r0 += 4");
    expect(source.match(/a1\[/g)).toHaveLength(4);
    expect(source.match(/a0\[/g)).toHaveLength(16);
    expect(source).toContain("return [");
  });
});
