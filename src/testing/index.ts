/**
 * @file mwmae-ts/testing: the property-testing kit. fast-check arbitraries for shapes, broadcast and
 * matmul pairs, typed tensors and MW-MAE configs; `checkGradient`, the finite-difference dot-product
 * check in float64; `dependence`, which output positions depend on which input positions, read off
 * the VJP, with `assertDependence` and its structures (block-diagonal windows, causal, per example);
 * `assertEquivalent` for two implementations of one function. Browser-safe (no `node:*`); failures are
 * plain `Error`s, so it runs under any test runner or none. Tutorial: docs/property-testing.md.
 */
export * from "./arbitraries.js";
export * from "./tensors.js";
export * from "./configs.js";
export { runF64, runF32, type Arg, type Bindings, type TensorsOfArgs } from "./evaluate.js";
export * from "./gradient.js";
export * from "./dependence.js";
export * from "./structures.js";
export * from "./equivalence.js";
