/**
 * @file The wasm backend on an engine without WebAssembly SIMD: `wasm()` finds none (the feature probe
 * fails), says so once, and emits scalar code only (width-1 tilings, no v128 local in any function);
 * the kernels every model uses (a blocked matmul, A·Bᵀ whose SIMD tiling puts lanes over the reduction,
 * softmax, GELU, a 4-aligned elementwise map) agree with the float64 reference. Tolerance as in
 * wasm-threads.test.ts: |got − want| ≤ 1e-5·(1 + k) + 1e-5·|want| for k-term float32 sums.
 */

import { describe, expect, it, vi } from "vitest";
import { add, fromData, gelu, matmul, mul, reference, softmax, spec, trace, transpose, type Tensor } from "../../src";
import { optimize, schedule } from "../../src/compile";
import { kernelFunction } from "../../src/backends/wasm/codegen";
import { tilingOf, wasm } from "../../src/backends/wasm";
import { uniform } from "../support/matmul-cases";
import { worstError } from "./gpujs-node-support";

const shapes = { a: [36, 72], b: [72, 40], c: [28, 72] } as const;
const graph = trace(
  ({ a, b, c }: { a: Tensor; b: Tensor; c: Tensor }) => {
    const ab = matmul(a, b) as Tensor;
    return [gelu(ab), softmax(matmul(a, transpose(c)) as Tensor), add(mul(a, 0.5) as Tensor, 1)];
  },
  { a: spec(shapes.a), b: spec(shapes.b), c: spec(shapes.c) } as never,
);
const values = Object.values(shapes).map((shape, i) => fromData(uniform(shape[0] * shape[1], i + 1), shape));

describe("wasm without SIMD", () => {
  it("says so once, runs scalar code, and agrees with the reference", async () => {
    // The first validation is the SIMD probe: this engine "has no SIMD".
    const validate = vi.spyOn(WebAssembly, "validate").mockImplementationOnce(() => false);
    const notes: string[] = [];
    const backend = wasm({ threads: 1, onNote: (line) => notes.push(line) });
    wasm({ threads: 1, onNote: (line) => notes.push(line) });
    validate.mockRestore();
    expect(notes).toEqual([
      "wasm: this engine has no WebAssembly SIMD; running scalar code (slower; every result the same up to rounding)",
    ]);
    expect(backend.name).toBe("wasm-scalar");
    const want = await (await reference({ precision: "f64" }).prepare(graph))(values);
    const got = await (await backend.prepare(graph))(values);
    want.forEach((w, i) => {
      const e = worstError(got[i]!.data, w.data, 1e-5, 1e-5 * 73);
      expect(e.excess, `output ${i}: got ${e.got}, want ${e.want} at ${e.at}`).toBeLessThanOrEqual(0);
    });
  });

  it("emits no vector local in any kernel, where the SIMD tilings use them", () => {
    const program = schedule(optimize(graph));
    const v128 = 0x7b;
    const vectorLocals = (simd: boolean) =>
      program.kernels.map((k) => {
        const out = program.buffers[k.output]!;
        const tiling = tilingOf(k, out.shape, simd);
        if (!simd) expect(tiling).toMatchObject({ width: 1, lanes: "output", cols: 1 });
        return kernelFunction(k, out.size, tiling).locals.filter((t) => t === v128).length;
      });
    expect(vectorLocals(true).some((n) => n > 0)).toBe(true);
    expect(vectorLocals(false)).toEqual(program.kernels.map(() => 0));
  });
});
