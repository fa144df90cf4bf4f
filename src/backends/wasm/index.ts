/** @file The WebAssembly SIMD backend: module writer, lowering table, tiling, code generation, `wasm()`. */
export * from "./backend";
export { wasmLowering, mathImports, type WasmLowering, type Op as WasmOp, type MathImport } from "./lowering";
export { tilingOf, type Tiling } from "./tiling";
