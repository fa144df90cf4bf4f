/**
 * @file The WebAssembly SIMD backend's code paths against the reference interpreter: each tiling
 * (register-blocked SIMD 4×2 and 4×1 vectors with packed B streams, rows not a multiple of 4 long as
 * vector columns and a scalar tail, lanes over the reduction for A·Bᵀ, scalar 4-row blocks, flat SIMD
 * with and without a tail, scalar), matmuls of random sizes with batches, transposed operands
 * and fused epilogues (a property test), module validation, the module cache and `checkFinite`. Tolerance for matmuls:
 * |got − want| ≤ 1e-5·(1 + k) + 1e-5·|want| against float64: k float32 products summed in another
 * order, each rounding ~6e-8 of O(1) terms.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  argmax,
  concat,
  exp,
  fromData,
  gather,
  gelu,
  log,
  logSoftmax,
  matmul,
  max,
  mul,
  NonFiniteError,
  pad,
  reference,
  scatterAdd,
  softmax,
  spec,
  sum,
  trace,
  transpose,
  valueAndGrad,
  withShape,
  zeros,
  type Graph,
  type HostTensor,
  type Tensor,
} from "../../src";
import { tilingOf, wasm } from "../../src/backends/wasm";
import { blocksOf } from "../../src/backends/wasm/tiling";
import { uniform } from "../support/matmul-cases";
import { worstError } from "./gpujs-node-support";

const compare = async (graph: Graph, values: HostTensor[], atol: number): Promise<void> => {
  const want = await (await reference({ precision: "f64" }).prepare(graph))(values);
  const runner = await wasm().prepare(graph);
  expect(WebAssembly.validate(runner.bytes)).toBe(true);
  const got = await runner(values);
  want.forEach((w, i) => {
    const e = worstError(got[i]!.data, w.data, 1e-5, atol);
    expect(e.excess, `output ${i}: got ${e.got}, want ${e.want} at ${e.at}`).toBeLessThanOrEqual(0);
  });
};

const host = (shape: ReadonlyArray<number>, seed: number): HostTensor =>
  fromData(
    uniform(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

interface MatmulCase {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly ta: boolean;
  readonly tb: boolean;
  readonly epilogue: boolean;
}

/** `x @ w` (each operand given transposed when asked), optionally `gelu(x @ w + bias)`. */
const matmulGraph = (c: MatmulCase): { graph: Graph; values: HostTensor[] } => {
  const aShape = c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k];
  const bShape = c.tb ? [c.n, c.k] : [c.k, c.n];
  const graph = trace(
    ({ a, b, bias }: { a: Tensor; b: Tensor; bias: Tensor }) => {
      const y = matmul(c.ta ? transpose(a) : a, c.tb ? transpose(b) : b) as Tensor;
      return c.epilogue ? gelu(add(y, bias) as Tensor) : y;
    },
    { a: spec(aShape), b: spec(bShape), bias: spec([c.n]) } as never,
  );
  return { graph, values: [host(aShape, 1), host(bShape, 2), host([c.n], 3)] };
};

describe("wasm tilings", () => {
  it.each([
    [
      "4 rows × 2 vectors, packed",
      { batch: 2, m: 13, k: 37, n: 24, ta: false, tb: false, epilogue: true },
      { lanes: "output", width: 4, rows: 4, cols: 2 },
    ],
    [
      "4 rows × 1 vector",
      { batch: 1, m: 9, k: 20, n: 12, ta: true, tb: false, epilogue: false },
      { lanes: "output", width: 4, rows: 4, cols: 1 },
    ],
    [
      "4 rows × 2 outputs, lanes over k (Bᵀ)",
      { batch: 2, m: 7, k: 45, n: 12, ta: false, tb: true, epilogue: true },
      { lanes: "reduction", width: 1, rows: 4, cols: 2 },
    ],
    [
      "4 rows × 1 output, lanes over k",
      { batch: 1, m: 5, k: 10, n: 7, ta: false, tb: true, epilogue: false },
      { lanes: "reduction", width: 1, rows: 4, cols: 1 },
    ],
    [
      "4 rows × 2 vectors and a scalar column (rows of 10)",
      { batch: 3, m: 6, k: 11, n: 10, ta: true, tb: false, epilogue: true },
      { lanes: "output", width: 4, rows: 4, cols: 2 },
    ],
    [
      "4 rows × 1 vector and two scalar columns, then single rows (rows of 14, an odd number of vectors)",
      { batch: 2, m: 5, k: 9, n: 14, ta: true, tb: false, epilogue: true },
      { lanes: "output", width: 4, rows: 4, cols: 2 },
    ],
    [
      "4 scalar rows (rows of 3)",
      { batch: 1, m: 9, k: 20, n: 3, ta: true, tb: false, epilogue: false },
      { lanes: "output", width: 1, rows: 4, cols: 1 },
    ],
    [
      "flat SIMD with a scalar tail (a short reduction, 9 outputs)",
      { batch: 1, m: 3, k: 5, n: 3, ta: false, tb: false, epilogue: false },
      { lanes: "output", width: 4, rowLength: 9, rows: 1, cols: 1 },
    ],
    [
      "scalar (3 outputs)",
      { batch: 1, m: 1, k: 5, n: 3, ta: false, tb: false, epilogue: false },
      { lanes: "output", width: 1, rows: 1, cols: 1 },
    ],
  ] as const)("%s", async (_, c, tiling) => {
    const { graph, values } = matmulGraph(c);
    const root = wasm()
      .compile(graph)
      .kernels.find((k) => k.ops.includes("matmul"))!;
    expect(tilingOf(root, root.root.shape)).toMatchObject(tiling);
    await compare(graph, values, 1e-5 * (1 + c.k));
  });

  it("runs the register-blocked micro-kernel one trip per iteration: 8 multiplies for a 4×2 tile, not unrolled", async () => {
    // An unrolled 4×2 tile needs 24 loaded vectors live beside its 8 accumulators and spills in V8 (loops.ts).
    const { graph } = matmulGraph({ batch: 1, m: 64, k: 64, n: 64, ta: false, tb: false, epilogue: false });
    const { bytes } = await wasm({ threads: 1, relaxed: false }).prepare(graph);
    let muls = 0; // f32x4.mul is 0xfd 0xe6 0x01
    for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0xe6 && bytes[i + 2] === 0x01) muls++;
    expect(muls).toBe(8);
  });

  it("splits rows that are not a multiple of 4 long into vector columns and a scalar tail", () => {
    const tiling = { lanes: "output", width: 4, rowLength: 250, rows: 4, cols: 2 } as const;
    // 8·8·48 rows of 250, as the MHA gradient [8, 8, 48, 250]: 62 vectors (31 pairs) and 2 scalar columns.
    expect(blocksOf(tiling, 3072 * 250)).toEqual([
      { first: 0, count: 3072, rows: 4, col: 0, span: 248, width: 4, cols: 2 },
      { first: 0, count: 3072, rows: 4, col: 248, span: 2, width: 1, cols: 1 },
    ]);
    // 6 rows of 14: 3 vectors (one per iteration) and 2 scalar columns, for 4 rows then 2 single rows.
    expect(blocksOf({ ...tiling, rowLength: 14 }, 6 * 14).map((b) => [b.first, b.rows, b.col, b.span, b.width, b.cols])).toEqual([
      [0, 4, 0, 12, 4, 1],
      [0, 4, 12, 2, 1, 1],
      [4, 1, 0, 12, 4, 1],
      [4, 1, 12, 2, 1, 1],
    ]);
  });

  it("flat SIMD with a scalar tail for an elementwise kernel of 15 elements", async () => {
    const graph = trace(({ x }: { x: Tensor }) => exp(mul(x, 0.5) as Tensor), { x: spec([3, 5]) } as never);
    const k = wasm().compile(graph).kernels[0]!;
    expect(tilingOf(k, k.root.shape)).toMatchObject({ width: 4, rowLength: 15 });
    await compare(graph, [host([3, 5], 6)], 1e-6);
  });

  it("flat SIMD for elementwise kernels whose rows are not a multiple of 4 long", async () => {
    const graph = trace(({ x, y }: { x: Tensor; y: Tensor }) => exp(mul(add(x, y), 0.5) as Tensor), {
      x: spec([6, 10]),
      y: spec([10]),
    } as never);
    const k = wasm().compile(graph).kernels[0]!;
    expect(tilingOf(k, k.root.shape)).toMatchObject({ width: 4, rowLength: 60 });
    await compare(graph, [host([6, 10], 4), host([10], 5)], 1e-6);
  });

  it("matmuls of random sizes, batches, transposes and epilogues agree with the reference", async () => {
    const cases = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      m: fc.integer({ min: 1, max: 20 }),
      k: fc.integer({ min: 1, max: 40 }),
      n: fc.integer({ min: 1, max: 40 }),
      ta: fc.boolean(),
      tb: fc.boolean(),
      epilogue: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const { graph, values } = matmulGraph(c);
        await compare(graph, values, 1e-5 * (1 + c.k));
      }),
      { numRuns: 40, seed: 20251125 },
    );
  });
});

describe("wasm on rows a multiple of 4 long (SIMD over outputs)", () => {
  it("gathers, scatter-adds, softmaxes, pads, concatenates and differentiates like the reference", async () => {
    type Args = { x: Tensor; idx: Tensor; upd: Tensor; c: Tensor };
    const graph = trace(
      ({ x, idx, upd, c }: Args) => [
        gather(x, idx, 1),
        scatterAdd(zeros([6, 16]), idx, upd, 1),
        softmax(x),
        logSoftmax(x),
        max(x, [0]),
        sum(x, [0]),
        argmax(x as Tensor<readonly [6, 16]>),
        concat([x, exp(x)], 1),
        pad(x, 1, 3, 1),
        valueAndGrad((y: Tensor) => withShape([] as const)(sum(mul(softmax(y), c))))(x)[1],
      ],
      { x: spec([6, 16]), idx: spec([6, 12], "i32"), upd: spec([6, 12]), c: spec([6, 16]) } as never,
    );
    const indices = Int32Array.from(uniform(72, 7), (v) => Math.floor((v + 1) * 8));
    await compare(graph, [host([6, 16], 8), fromData(indices, [6, 12], "i32"), host([6, 12], 9), host([6, 16], 10)], 1e-5);
  });
});

describe("wasm backend", () => {
  it("compiles a graph once: preparing it again is a cache hit", async () => {
    const backend = wasm();
    const graph = trace(({ x }: { x: Tensor }) => sum(exp(x) as Tensor), { x: spec([4, 8]) } as never);
    await backend.prepare(graph);
    await backend.prepare(graph);
    expect(backend.stats).toMatchObject({ compiles: 1, cacheHits: 1 });
  });

  it("profile records every kernel by name", async () => {
    const backend = wasm({ profile: true });
    const graph = trace(({ x }: { x: Tensor }) => sum(exp(x) as Tensor, [1]), { x: spec([4, 8]) } as never);
    const run = await backend.prepare(graph);
    await run([host([4, 8], 11)]);
    expect(Object.keys(backend.stats.kernelMs).sort()).toEqual(run.program.kernels.map((k) => k.name).sort());
  });

  it("checkFinite names the op that produced a non-finite value", async () => {
    const graph = trace(({ x }: { x: Tensor }) => log(x), { x: spec([3]) } as never);
    const run = await wasm({ checkFinite: true }).prepare(graph);
    await expect(run([fromData([1, -1, 2], [3])])).rejects.toThrow(NonFiniteError);
    await expect(run([fromData([1, -1, 2], [3])])).rejects.toThrow(/log/);
  });
});
