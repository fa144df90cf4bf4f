/** @file The compiler: graph passes, fusion, the kernel IR, the schedule and the buffer plan. */
export * from "./passes/index.js";
/**
 * Integer index expressions of the kernel IR in normal form (`offset + Σ coef·atom`), with smart constructors that cancel the divisions and
 * moduli movement ops introduce. Backends use them to re-express a kernel's thread index.
 */
export * as indexExpr from "./index-expr.js";
export type { Atom, Index, Term } from "./index-expr.js";
export * from "./kernel-ir.js";
export * from "./lower.js";
export * from "./fusion.js";
export * from "./schedule.js";
export * from "./buffer-plan.js";
export * from "./substitute.js";
export * from "./print.js";
export * from "./free-loops.js";
export * from "./structural-hash.js";
export * from "./op-traits.js";
export * from "./emit-scope.js";
