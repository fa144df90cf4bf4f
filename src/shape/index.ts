/** @file Shapes: the type-level rules, their runtime twins and `ShapeError`. */
export * from "./types.js";
export * from "./rules.js";
export { ShapeError, showShape } from "./error.js";
