/** @file Composites: functions of primitives with no derivative or lowering of their own. */
export * from "./math.js";
export * from "./activations.js";
export * from "./layers.js";
export * from "./indexing.js";
