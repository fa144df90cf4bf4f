/**
 * @file The wasm backend on 2 threads (a worker and the calling thread, one shared memory): kernels
 * with enough work split their outer tile loop, each part with its own packing scratch. Large enough
 * kernels (blocked and packed A·B with a fused elementwise epilogue, lanes over the reduction for A·Bᵀ
 * and a softmax) agree with the float64 reference, call after call, as on one thread. Tolerance as in
 * wasm-kernels.test.ts: |got − want| ≤ 1e-5·(1 + k) + 1e-5·|want| for k-term float32 sums.
 */

import { describe, expect, it } from "vitest";
import { add, exp, fromData, matmul, mul, reference, softmax, spec, trace, transpose, type HostTensor, type Tensor } from "../../src";
import { wasm } from "../../src/backends/wasm";
import { uniform } from "../support/matmul-cases";
import { worstError } from "./gpujs-node-support";

const host = (shape: ReadonlyArray<number>, seed: number): HostTensor =>
  fromData(
    uniform(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

describe("wasm on 2 threads", () => {
  it("splits large kernels and agrees with the reference", async () => {
    const graph = trace(
      ({ a, b, c }: { a: Tensor; b: Tensor; c: Tensor }) => {
        const ab = matmul(a, b) as Tensor;
        return [ab, softmax(matmul(a, transpose(c)) as Tensor), exp(mul(add(ab, 1), 0.25) as Tensor)];
      },
      { a: spec([96, 72]), b: spec([72, 136]), c: spec([100, 72]) } as never,
    );
    const values = [host([96, 72], 1), host([72, 136], 2), host([100, 72], 3)];
    const want = await (await reference({ precision: "f64" }).prepare(graph))(values);
    const backend = wasm({ threads: 2 });
    const run = await backend.prepare(graph);
    try {
      expect(backend.name).toBe("wasm-simd-x2");
      for (let call = 0; call < 2; call++) {
        const got = await run(values);
        want.forEach((w, i) => {
          const e = worstError(got[i]!.data, w.data, 1e-5, 1e-5 * 73);
          expect(e.excess, `call ${call}, output ${i}: got ${e.got}, want ${e.want} at ${e.at}`).toBeLessThanOrEqual(0);
        });
      }
    } finally {
      await run.close();
    }
  });
});
