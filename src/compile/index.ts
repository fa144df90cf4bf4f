/** @file The compiler: graph passes, fusion, the kernel IR, the schedule and the buffer plan. */
export * from "./passes";
export * as indexExpr from "./index-expr";
export type { Atom, Index, Term } from "./index-expr";
export * from "./kernel-ir";
export * from "./lower";
export * from "./fusion";
export * from "./schedule";
export * from "./buffer-plan";
export * from "./substitute";
export * from "./print";
export * from "./free-loops";
