/** @file Backends and the API they share. */
export * from "./backend.js";
export * from "./reference/index.js";
export * from "./gpujs/index.js";
export * from "./wasm/index.js";
