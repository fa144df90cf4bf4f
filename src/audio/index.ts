/** @file Audio in and out, resampling to 16 kHz, and the log-mel front-end as DSL expressions. */
export * from "./error.js";
export * from "./wav.js";
export * from "./resample.js";
export * from "./mel.js";
export * from "./logmel.js";
export * from "./crop.js";
export * from "./clip.js";
export * from "./synth.js";
