/** @file Shapes: the type-level rules, their runtime twins and `ShapeError`. */
export * from "./types";
export * from "./rules";
export { ShapeError, showShape } from "./error";
