/** @file hear, Node-only: model files, HEAR task folders, embedding outputs and the downstream evaluation on disk. */
export * from "./load.js";
export * from "./task.js";
export * from "./outputs.js";
export * from "./evaluate.js";
