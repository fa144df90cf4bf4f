/** @file mwmae-ts: the public API. */
export * from "./shape";
export * from "./ir";
export * from "./trace";
export * from "./autodiff";
export * as compiler from "./compile";
export * from "./backends";
export * from "./random";
export * from "./io";
export * from "./nn";
export * from "./optim";
export * from "./audio";
export * from "./models/mwmae";
export * from "./hear";
export * from "./train";
