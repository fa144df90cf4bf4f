/** @file The core language: nodes, primitives and their typed constructors, composites. */
export * from "./node.js";
export * from "./op-names.js";
export { apply, type OpDef, type EvalContext } from "./op-def.js";
export { ops, opDef, primitiveNames } from "./registry.js";
export * from "./ops/source.js";
export { neg, exp, log, sin, cos, sqrt, tanh, erf, erfScalar } from "./ops/unary.js";
export { add, sub, mul, div, pow, maximum, minimum, abs, toFloat, type Operand, type ShapeOf, type Binary } from "./ops/binary.js";
export { less, equal, greater, greaterEqual, logicalNot, select } from "./ops/compare.js";
export { sum, max, sumKeep, maxKeep } from "./ops/reduce.js";
export {
  reshape,
  permute,
  transpose,
  broadcastTo,
  slice,
  sliceAll,
  pad,
  padAll,
  concat,
  squeeze,
  unsqueeze,
  loose,
  withShape,
  sameShapeAs,
} from "./ops/movement.js";
export { gather, scatterAdd } from "./ops/gather.js";
export { matmul } from "./ops/matmul.js";
export { cast, stopGradient } from "./ops/cast.js";
export * from "./host.js";
export * from "./composites/index.js";
