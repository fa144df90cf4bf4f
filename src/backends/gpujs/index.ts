/** @file The gpu.js backend: lowering table, code generation, runtime and the `gpujs()` factory. */
export * from "./backend.js";
export * from "./lowering.js";
export { kernelSource, LoweringError, type KernelSource } from "./codegen.js";
export { GpujsCompileError, failingLine } from "./errors.js";
export type { KernelStats, GpuLike } from "./runtime.js";
export { layoutOf, type Layout } from "./layout.js";
