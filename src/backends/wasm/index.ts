/** @file The WebAssembly SIMD backend: module writer, lowering table, tiling, code generation, `wasm()`. */
export * from "./backend.js";
export { CODE_ENTRY_VERSION, decodeEntry, encodeEntry, type CachedModule, type CodeStore } from "./code-cache.js";
export { wasmLowering, mathImports, type WasmLowering, type Op as WasmOp, type MathImport } from "./lowering.js";
export { tilingOf, type Tiling } from "./tiling.js";
export { threadSupport, type ThreadSupport } from "./threads.js";
export { relaxedSimd, wasmSimd } from "./features.js";
