/** @file HEAR-style evaluation: model loading, the embedding API, .npy files, HEAR tasks, probes. */
export * from "./error";
export * from "./checkpoint";
export * from "./model";
export * from "./embed";
export * from "./npy";
export * from "./task";
export * from "./outputs";
export * from "./metrics";
export * from "./probe";
export * from "./downstream";
export * from "./evaluate";
