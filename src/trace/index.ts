/** @file Tracing: functions over tensors to closed graphs; pytrees; printing. */
export * from "./pytree.js";
export * from "./graph.js";
export * from "./trace.js";
export * from "./print.js";
