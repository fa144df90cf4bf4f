/** @file mwmae-ts: the public API. */
export * from "./shape";
export * from "./ir";
export * from "./trace";
export * from "./autodiff";
export * from "./backends";
