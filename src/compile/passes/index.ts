/** @file Graph-to-graph passes and the pipeline that runs them. */
export * from "./rewrite";
export * from "./dce";
export * from "./cse";
export * from "./fold";
export * from "./simplify";
export * from "./batch-matmul";
export * from "./optimize";
