/** @file io, Node-only: atomic file writes and checkpoint folders on disk. */
export * from "./atomic.js";
export * from "./checkpoint.js";
export * from "./checkpoint-path.js";
