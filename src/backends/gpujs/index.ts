/** @file The gpu.js backend: lowering table, code generation, runtime and the `gpujs()` factory. */
export * from "./backend";
export * from "./lowering";
export { kernelSource, LoweringError, type KernelSource } from "./codegen";
export { GpujsCompileError, failingLine } from "./errors";
export type { KernelStats, GpuLike } from "./runtime";
export { layoutOf, type Layout } from "./layout";
