/** @file Backends and the API they share. */
export * from "./backend";
export * from "./reference";
export * from "./gpujs";
export * from "./wasm";
