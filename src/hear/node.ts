/** @file hear, Node-only: model files, HEAR task folders, embedding outputs and the downstream evaluation on disk. */
export * from "./load.js";
export * from "./task.js";
export * from "./outputs.js";
export * from "./read-embeddings.js";
export * from "./evaluate.js";
export * from "./results.js";
export * from "./read-results.js";
export * from "./embed-task.js";
export * from "./synthetic-task.js";
