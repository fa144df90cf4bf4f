/** @file io, Node-only: atomic file writes, checkpoint folders and the code cache of the wasm backend on disk. */
export * from "./atomic.js";
export * from "./checkpoint.js";
export * from "./checkpoint-path.js";
export * from "./code-cache.js";
