/**
 * @file Elementwise binary primitives. The primitives take equal shapes and dtypes; the typed
 * constructors broadcast (NumPy rules, `Broadcast<A, B>` at compile time) by inserting reshape and
 * expand, whose VJP sums the cotangent back, so no binary VJP needs an "unbroadcast" of its own.
 */

import { broadcastShapes, ShapeError, type Broadcast, type Checked, type Ok, type Shape } from "../../shape/index.js";
import { alloc, apply, input0, input1, sameDtype, type OpDef } from "../op-def.js";
import type { DType, Node, Tensor } from "../node.js";
import type { BinaryOp } from "../op-names.js";
import { select, less, greaterEqual } from "./compare.js";
import { broadcastTo } from "./movement.js";
import { log, neg } from "./unary.js";
import { scalar } from "./source.js";
import { cast } from "./cast.js";

/** A tensor, or a plain number that becomes a scalar of the other operand's dtype. */
export type Operand = Tensor | number;
/** The static shape of an operand: the tensor's shape, or `readonly []` for a plain number (a scalar). */
export type ShapeOf<T> = T extends Tensor<infer S> ? S : readonly [];

const binaryOp = <K extends BinaryOp>(spec: {
  readonly name: K;
  readonly scalar: (a: number, b: number) => number;
  readonly vjp: (g: Node, y: Node, a: Node, b: Node) => readonly [Node, Node];
  readonly dtypes?: ReadonlyArray<DType>;
}): OpDef<K> => ({
  name: spec.name,
  shape: ([a, b]) => {
    if (a!.shape.join() !== b!.shape.join()) throw new ShapeError(spec.name, "primitive needs equal shapes", [a!.shape, b!.shape]);
    return a!.shape;
  },
  dtype: sameDtype(spec.name, spec.dtypes ?? ["f32", "i32"]),
  vjp: (g, node) => spec.vjp(g, node, input0(node), input1(node)),
  evaluate: ([a, b], node, ctx) => {
    const out = alloc(node.dtype, a!.length, ctx);
    for (let i = 0; i < a!.length; i++) out[i] = spec.scalar(a![i]!, b![i]!);
    return out;
  },
});

export const addDef = binaryOp({ name: "add", scalar: (a, b) => a + b, vjp: (g) => [g, g] });
export const subDef = binaryOp({ name: "sub", scalar: (a, b) => a - b, vjp: (g) => [g, neg(g)] });
export const mulDef = binaryOp({ name: "mul", scalar: (a, b) => a * b, vjp: (g, _, a, b) => [mul(g, b), mul(g, a)] });
// d(a/b) = da/b − (a/b)·db/b
export const divDef = binaryOp({
  name: "div",
  scalar: (a, b) => a / b,
  vjp: (g, y, _, b) => [div(g, b), neg(div(mul(g, y), b))],
  dtypes: ["f32"],
});
// d(aᵇ) = b·aᵇ⁻¹ da + aᵇ·log a db
export const powDef = binaryOp({
  name: "pow",
  scalar: Math.pow,
  vjp: (g, y, a, b) => [mul(g, mul(b, pow(a, sub(b, 1)))), mul(g, mul(y, log(a)))],
  dtypes: ["f32"],
});
// The larger operand takes the whole cotangent; ties go to the left operand.
export const maximumDef = binaryOp({
  name: "maximum",
  scalar: Math.max,
  vjp: (g, _, a, b) => {
    const left = greaterEqual(a, b);
    return [select(left, g, 0), select(left, 0, g)];
  },
});

/** Lifts numbers to scalars and broadcasts both operands to their common shape. */
export const broadcastPair = (op: string, a: Operand, b: Operand): readonly [Node, Node] => {
  const dtype: DType = typeof a !== "number" ? a.dtype : typeof b !== "number" ? b.dtype : "f32";
  const x = typeof a === "number" ? scalar(a, dtype) : a;
  const y = typeof b === "number" ? scalar(b, dtype) : b;
  const shape = broadcastShapes(op, x.shape, y.shape);
  return [broadcastTo(x, shape), broadcastTo(y, shape)];
};

/** A broadcasting binary op with its type-level rule at the call site. */
export type Binary = <A extends Operand, B extends Operand>(
  a: A,
  b: Checked<Broadcast<ShapeOf<A>, ShapeOf<B>>, B>,
) => Tensor<Ok<Broadcast<ShapeOf<A>, ShapeOf<B>>>>;

const binary =
  <K extends BinaryOp>(def: OpDef<K>): Binary =>
  (a, b) =>
    apply(def, broadcastPair(def.name, a, b as Operand), {}) as never;

/**
 * a + b, elementwise with broadcasting; numbers become scalars of the other operand's dtype (f32 or i32).
 * @example
 * const y = add(x, 1); // x: Tensor<readonly [2, 3]> → Tensor<readonly [2, 3]>
 */
export const add: Binary = binary(addDef);
/** a − b, elementwise with broadcasting (f32 or i32). */
export const sub: Binary = binary(subDef);
/** a · b, elementwise with broadcasting (f32 or i32); `matmul` is the matrix product. */
export const mul: Binary = binary(mulDef);
/** a / b, elementwise with broadcasting; f32 only (cast integer tensors with `toFloat` first). */
export const div: Binary = binary(divDef);
/** aᵇ, elementwise with broadcasting; f32 only. The gradient with respect to `b` uses log a, so keep a > 0 where `b` is trained. */
export const pow: Binary = binary(powDef);
/** The larger of a and b, elementwise with broadcasting; on ties the gradient goes to `a`. */
export const maximum: Binary = binary(maximumDef);

/** Elementwise minimum (ties to the left operand), from maximum. */
export const minimum: Binary = (a, b) => neg(maximum(negate(a), negate(b as Operand)) as Tensor) as never;
const negate = (x: Operand): Operand => (typeof x === "number" ? -x : neg(x));

/** |x|, via select so the derivative is sign(x) (0 taken as +). */
export const abs = <S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const v: Tensor = x;
  return select(less(v, 0), neg(v), v) as Tensor<S>;
};

/** Float view of any dtype (bool and i32 masks in arithmetic). */
export const toFloat = <S extends Shape>(x: Tensor<S>): Tensor<S> => (x.dtype === "f32" ? x : cast(x, "f32"));
