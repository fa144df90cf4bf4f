/** @file The core language: nodes, primitives and their typed constructors, composites. */
export * from "./node";
export * from "./op-names";
export { apply, type OpDef, type EvalContext } from "./op-def";
export { ops, opDef, primitiveNames } from "./registry";
export * from "./ops/source";
export { neg, exp, log, sin, cos, sqrt, tanh, erf, erfScalar } from "./ops/unary";
export { add, sub, mul, div, pow, maximum, minimum, abs, toFloat, type Operand, type ShapeOf, type Binary } from "./ops/binary";
export { less, equal, greater, greaterEqual, logicalNot, select } from "./ops/compare";
export { sum, max, sumKeep, maxKeep } from "./ops/reduce";
export {
  reshape, permute, transpose, broadcastTo, slice, sliceAll, pad, padAll, concat, squeeze, unsqueeze, loose, withShape, sameShapeAs,
} from "./ops/movement";
export { gather, scatterAdd } from "./ops/gather";
export { matmul } from "./ops/matmul";
export { cast, stopGradient } from "./ops/cast";
export * from "./host";
export * from "./composites";
