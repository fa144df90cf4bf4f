/**
 * @file mwmae-ts: the browser-safe core (no `node:*` below it): shapes, ops, trace, autodiff, the
 * compiler, the reference, gpu.js and WebAssembly backends, random keys, nn, optimisers, the audio
 * front end on arrays, tensor codecs, the MW-MAE model, the HEAR embedding API on arrays and the analysis API.
 * Files, training runs and the CLI are in `mwmae-ts/node`; the property-testing kit is `mwmae-ts/testing`.
 */
export * from "./shape/index.js";
export * from "./ir/index.js";
export * from "./trace/index.js";
export * from "./autodiff/index.js";
/**
 * The compiler, for inspecting what backends run: graph passes (`optimize`), fusion, the kernel IR, `schedule` (graph → `Program`) and the
 * buffer plan. Everyday use needs only `jit` and a backend.
 */
export * as compiler from "./compile/index.js";
export * from "./backends/index.js";
export * from "./random/index.js";
export * from "./io/index.js";
export * from "./nn/index.js";
export * from "./optim/index.js";
export * from "./audio/index.js";
export * from "./models/mwmae/index.js";
export * from "./hear/index.js";
/** Attention statistics, PWCCA/CKA, attention maps and report drawings (`src/analysis`). */
export * from "./analysis/index.js";
