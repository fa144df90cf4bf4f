/**
 * @file The hand-tuned gpu.js matmul kernels called directly (no graph, no compiler): the ceiling a
 * compiled matmul on the same gpu.js mode can reach. Backend names read `gpujs-<mode>/<variant>`.
 */

import { GPU } from "gpu.js";
import { buildMatmulKernel, type MatmulVariant } from "../../src/backends/gpujs/matmul-kernels";
import type { Job } from "../job";
import type { Workload } from "../schema";
import { matmulOperands } from "./data";

export type NodeMode = "cpu" | "webasm" | "async";

const gpus = new Map<NodeMode, GPU>();
const gpuFor = (mode: NodeMode): GPU => {
  const known = gpus.get(mode) ?? new GPU({ mode });
  gpus.set(mode, known);
  return known;
};

/** Frees gpu.js's worker pool, which would otherwise keep Node alive. */
export const destroyKernelGpus = async (): Promise<void> => {
  await Promise.all([...gpus.values()].map((g) => g.destroy()));
  gpus.clear();
};

export const kernelMatmulJob = (workload: Workload, n: number, mode: NodeMode, variant: MatmulVariant): Job => ({
  workload,
  impl: "mwmae-ts",
  backend: `gpujs-${mode}/${variant}`,
  prepare: async () => {
    const { a, b } = matmulOperands(n);
    const mm = buildMatmulKernel(gpuFor(mode), { m: n, k: n, n, variant });
    const [x, y] = [a.data as Float32Array, b.data as Float32Array];
    const out = new Float32Array(n * n);
    // Row-major readback included: a compiled graph pays the same host copy.
    return { call: async () => mm.toRowMajor(await mm.kernel(x, y), out), flops: mm.flops, launches: 1 };
  },
});
