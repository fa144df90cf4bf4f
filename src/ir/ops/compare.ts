/**
 * @file Comparisons (to bool) and `select`. Comparisons have no gradient; `select` routes the
 * cotangent to the branch that was taken.
 */

import { broadcastShapes, ShapeError, type Broadcast, type Checked, type Ok } from "../../shape/index.js";
import { alloc, apply, input0, type OpDef } from "../op-def.js";
import type { Node, Tensor } from "../node.js";
import type { CompareOp } from "../op-names.js";
import { broadcastPair, type Operand, type ShapeOf } from "./binary.js";
import { broadcastTo } from "./movement.js";
import { scalar, zeros } from "./source.js";

const compareOp = <K extends CompareOp>(name: K, test: (a: number, b: number) => boolean): OpDef<K> => ({
  name,
  shape: ([a, b]) => {
    if (a!.shape.join() !== b!.shape.join()) throw new ShapeError(name, "primitive needs equal shapes", [a!.shape, b!.shape]);
    return a!.shape;
  },
  dtype: ([a, b]) => {
    if (a!.dtype !== b!.dtype) throw new ShapeError(name, `compares ${a!.dtype} with ${b!.dtype}`, [a!.shape, b!.shape]);
    return "bool";
  },
  vjp: () => [null, null],
  evaluate: ([a, b]) => {
    const out = new Uint8Array(a!.length);
    for (let i = 0; i < a!.length; i++) out[i] = test(a![i]!, b![i]!) ? 1 : 0;
    return out;
  },
});

export const lessDef = compareOp("less", (a, b) => a < b);
export const equalDef = compareOp("equal", (a, b) => a === b);

export const selectDef: OpDef<"select"> = {
  name: "select",
  shape: ([c, a, b]) => {
    if (c!.shape.join() !== a!.shape.join() || a!.shape.join() !== b!.shape.join()) {
      throw new ShapeError("select", "primitive needs equal shapes", [c!.shape, a!.shape, b!.shape]);
    }
    return a!.shape;
  },
  dtype: ([c, a, b]) => {
    if (c!.dtype !== "bool") throw new ShapeError("select", `condition must be bool, got ${c!.dtype}`, [c!.shape]);
    if (a!.dtype !== b!.dtype) throw new ShapeError("select", `branches are ${a!.dtype} and ${b!.dtype}`, [a!.shape, b!.shape]);
    return a!.dtype;
  },
  vjp: (g, node) => {
    const c = input0(node);
    const zero = zeros(g.shape, g.dtype);
    return [null, apply(selectDef, [c, g, zero], {}), apply(selectDef, [c, zero, g], {})];
  },
  evaluate: ([c, a, b], node, ctx) => {
    const out = alloc(node.dtype, a!.length, ctx);
    for (let i = 0; i < a!.length; i++) out[i] = c![i] ? a![i]! : b![i]!;
    return out;
  },
};

type Compare = <A extends Operand, B extends Operand>(
  a: A,
  b: Checked<Broadcast<ShapeOf<A>, ShapeOf<B>>, B>,
) => Tensor<Ok<Broadcast<ShapeOf<A>, ShapeOf<B>>>>;

/** A comparison on shapes known only at run time (broadcast, then the primitive). */
const compareUntyped = <K extends CompareOp>(def: OpDef<K>, a: Operand, b: Operand): Tensor =>
  apply(def, broadcastPair(def.name, a, b), {});

const compare =
  <K extends CompareOp>(def: OpDef<K>): Compare =>
  (a, b) =>
    compareUntyped(def, a, b as Operand) as never;

/** a < b, as bool. */
export const less: Compare = compare(lessDef);
/** a == b, as bool. */
export const equal: Compare = compare(equalDef);
/** a > b. */
export const greater: Compare = (a, b) => compareUntyped(lessDef, b as Operand, a) as never;
const falseScalar = (): Tensor<readonly []> => scalar(0, "bool");
/** Logical not of a bool tensor. */
export const logicalNot = <T extends Tensor>(x: T): T => compareUntyped(equalDef, x, falseScalar()) as T;
/** a >= b. */
export const greaterEqual: Compare = (a, b) => logicalNot(less(a, b) as Tensor) as never;

/** `cond ? a : b`, elementwise, all three broadcast together. */
export const select = <C extends Tensor, A extends Operand, B extends Operand>(
  cond: C,
  a: A,
  b: Checked<Broadcast<ShapeOf<A>, ShapeOf<B>>, B>,
): Tensor<Ok<Broadcast<ShapeOf<C>, Ok<Broadcast<ShapeOf<A>, ShapeOf<B>>>>>> => {
  const [x, y] = broadcastPair("select", a, b as Operand);
  const shape = broadcastShapes("select", cond.shape, x.shape);
  return apply(selectDef, [broadcastTo(cond, shape), broadcastTo(x, shape), broadcastTo(y, shape)] as Node[], {}) as never;
};
