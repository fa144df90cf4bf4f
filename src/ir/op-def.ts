/**
 * @file `OpDef`: everything a primitive means, in one record: its shape and dtype rules (the trace-time
 * twins of its typed constructor), its VJP written with other ops (so gradients are graphs), and its
 * reference semantics on row-major buffers. `apply` is the one way a node is built.
 */

import { ShapeError, type Shape } from "../shape/index.js";
import type { Data, DType, Node } from "./node.js";
import type { OpAttrs, OpName } from "./op-names.js";

/** What an evaluator may ask of the interpreter: float buffers in its precision. */
export interface EvalContext {
  /** A float buffer of `n` elements: Float64Array when the interpreter runs in float64, else Float32Array. */
  readonly floats: (n: number) => Float32Array | Float64Array;
}

/**
 * Everything the core knows about one primitive: its shape and dtype rules, its VJP and its reference evaluator. Backends keep their
 * lowering in separate tables keyed by `OpName`.
 */
export interface OpDef<K extends OpName> {
  /** The op name this definition belongs to. */
  readonly name: K;
  /** Trace-time shape rule; mirrors the type-level rule and throws ShapeError. */
  readonly shape: (inputs: ReadonlyArray<Node>, attrs: OpAttrs[K]) => Shape;
  /** Output dtype; throws when the inputs' dtypes are not accepted. */
  readonly dtype: (inputs: ReadonlyArray<Node>, attrs: OpAttrs[K]) => DType;
  /** Cotangent per input, built from ops so gradients are graphs; null = no gradient flows there. */
  readonly vjp: (cotangent: Node, node: Node<K>) => ReadonlyArray<Node | null>;
  /** Reference semantics on row-major buffers: the oracle for every backend. */
  readonly evaluate: (inputs: ReadonlyArray<Data>, node: Node<K>, ctx: EvalContext) => Data;
}

/** Builds a node, running the op's shape and dtype rules. */
export const apply = <K extends OpName>(def: OpDef<K>, inputs: ReadonlyArray<Node>, attrs: OpAttrs[K]): Node<K> => {
  const dtype = def.dtype(inputs, attrs);
  const shape = def.shape(inputs, attrs);
  return Object.freeze({ op: def.name, inputs, attrs, shape: Object.freeze([...shape]), dtype }) as Node<K>;
};

/** A buffer for `n` elements of `dtype`, floats in the interpreter's precision. */
export const alloc = (dtype: DType, n: number, ctx: EvalContext): Data =>
  dtype === "f32" ? ctx.floats(n) : dtype === "i32" ? new Int32Array(n) : new Uint8Array(n);

/** Dtype rule: all inputs share one dtype, which must be among `allowed`; output is the same. */
export const sameDtype =
  (op: string, allowed: ReadonlyArray<DType>) =>
  (inputs: ReadonlyArray<Node>): DType => {
    const d = inputs[0]?.dtype ?? "f32";
    inputs.forEach((x, i) => {
      if (x.dtype !== d)
        throw new ShapeError(
          op,
          `input ${i} is ${x.dtype}, input 0 is ${d}`,
          inputs.map((n) => n.shape),
        );
    });
    if (!allowed.includes(d))
      throw new ShapeError(
        op,
        `expects ${allowed.join(" or ")}, got ${d}`,
        inputs.map((n) => n.shape),
      );
    return d;
  };

/** The first input (every op with inputs has one: callers index after an arity check). */
export const input0 = (node: Node): Node => node.inputs[0]!;
export const input1 = (node: Node): Node => node.inputs[1]!;
