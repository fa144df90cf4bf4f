/** @file Composites: functions of primitives with no derivative or lowering of their own. */
export * from "./math";
export * from "./activations";
export * from "./layers";
export * from "./indexing";
