/** @file Pre-training: configs, the data pool, the compiled step, checkpointed state, the run loop. */
export * from "./config.js";
export * from "./data.js";
export * from "./weights.js";
export * from "./state.js";
export * from "./official.js";
export * from "./step.js";
export * from "./preflight.js";
export * from "./log.js";
export * from "./loss-svg.js";
export * from "./progress.js";
export * from "./backend-choice.js";
export * from "./run.js";
export * from "./estimate.js";
