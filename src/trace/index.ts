/** @file Tracing: functions over tensors to closed graphs; pytrees; printing. */
export * from "./pytree";
export * from "./graph";
export * from "./trace";
export * from "./print";
