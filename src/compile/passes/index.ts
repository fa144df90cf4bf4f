/** @file Graph-to-graph passes and the pipeline that runs them. */
export * from "./rewrite.js";
export * from "./dce.js";
export * from "./cse.js";
export * from "./fold.js";
export * from "./simplify.js";
export * from "./batch-matmul.js";
export * from "./optimize.js";
