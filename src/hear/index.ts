/** @file HEAR-style evaluation: model loading, the embedding API, .npy files, HEAR tasks, probes. */
export * from "./error.js";
export * from "./checkpoint.js";
export * from "./model.js";
export * from "./embed.js";
export * from "./npy.js";
export * from "./metrics.js";
export * from "./probe.js";
export * from "./downstream.js";
