/** @file Audio in and out, resampling to 16 kHz, and the log-mel front-end as DSL expressions. */
export * from "./error";
export * from "./wav";
export * from "./wav-file";
export * from "./resample";
export * from "./mel";
export * from "./logmel";
export * from "./crop";
export * from "./clip";
export * from "./synth";
export * from "./directory";
