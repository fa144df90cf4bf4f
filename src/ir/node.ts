/**
 * @file The expression graph's one data type. A node is an immutable value: op, inputs, attributes,
 * shape and dtype. There is no id and no global state: identity is the object itself, so a graph is
 * whatever is reachable from its outputs.
 */

import type { Shape } from "../shape/index.js";
import type { OpAttrs, OpName } from "./op-names.js";

/** Element types. Floating-point work is `f32`; the reference backend may carry it in float64. */
export type DType = "f32" | "i32" | "bool";

/** Host data of a node: float data in float64 or float32, ints in Int32Array, bools in Uint8Array. */
export type Data = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * One immutable node of the expression graph: its op, inputs, attributes, shape and dtype. Identity is the object itself; there is no id.
 */
export interface Node<K extends OpName = OpName> {
  /** The primitive this node applies. */
  readonly op: K;
  /** The operand nodes, in the op's argument order (empty for inputs, constants and iota). */
  readonly inputs: ReadonlyArray<Node>;
  /** The op's attributes (axes, shapes, literal data…), see `OpAttrs`. */
  readonly attrs: OpAttrs[K];
  /** The concrete output shape, computed by the op's shape rule when the node was built. */
  readonly shape: Shape;
  /** The output element type. */
  readonly dtype: DType;
}

/** A node whose shape is known to the type checker. `Tensor<readonly [8, 250, 64]>`. */
export interface Tensor<S extends Shape = Shape> extends Node {
  readonly shape: S;
}

/** True for a graph node (an object with op, inputs, shape and dtype); the leaf test for `flatten` over pytrees of nodes. */
export const isNode = (x: unknown): x is Node =>
  typeof x === "object" && x !== null && "op" in x && "inputs" in x && "shape" in x && "dtype" in x;
