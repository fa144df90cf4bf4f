/** @file Pre-training: configs, the data pool, the compiled step, checkpointed state, the run loop. */
export * from "./config";
export * from "./data";
export * from "./weights";
export * from "./state";
export * from "./step";
export * from "./log";
export * from "./loss-svg";
export * from "./progress";
export * from "./backend-choice";
export * from "./run";
