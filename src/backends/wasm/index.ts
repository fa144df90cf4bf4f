/** @file The WebAssembly SIMD backend: module writer, lowering table, tiling, code generation, `wasm()`. */
export * from "./backend.js";
export { wasmLowering, mathImports, type WasmLowering, type Op as WasmOp, type MathImport } from "./lowering.js";
export { tilingOf, type Tiling } from "./tiling.js";
