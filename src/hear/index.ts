/** @file HEAR-style evaluation: model loading, the embedding API, .npy files, HEAR tasks, probes. */
export * from "./error.js";
export * from "./checkpoint.js";
export * from "./model.js";
export * from "./embed.js";
export * from "./npy.js";
export * from "./metrics.js";
export * from "./probe.js";
export * from "./downstream.js";
export * from "./event-metrics.js";
export * from "./overall-score.js";
export * from "./scoring.js";
export * from "./table.js";
