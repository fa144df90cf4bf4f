/**
 * @file Reductions: sum and max over axes. The primitives keep reduced axes as size 1 (so their VJPs
 * are a plain expand); the constructors drop them unless asked to keep them.
 */

import { normAxes, reduceShape, type AllAxes, type Checked, type Ok, type Reduce, type Shape } from "../../shape/index.js";
import { alloc, apply, input0, sameDtype, type OpDef } from "../op-def.js";
import type { Node, Tensor } from "../node.js";
import { stridesWithZeros, walk } from "../strided.js";
import { div, mul, toFloat } from "./binary.js";
import { equal } from "./compare.js";
import { broadcastTo, reshape } from "./movement.js";

const reduceOp = <K extends "sum" | "max">(
  name: K,
  init: number,
  combine: (acc: number, x: number) => number,
  vjp: (g: Node, node: Node<K>) => Node,
): OpDef<K> => ({
  name,
  shape: ([x], { axes }) => reduceShape(name, x!.shape, axes),
  dtype: sameDtype(name, ["f32", "i32"]),
  vjp: (g, node) => [vjp(g, node)],
  evaluate: ([x], node, ctx) => {
    const from = input0(node).shape;
    const out = alloc(
      node.dtype,
      node.shape.reduce((a, b) => a * b, 1),
      ctx,
    );
    out.fill(init);
    // Walk the input; each element lands on its output cell (reduced axes have output stride 0).
    const outStrides = stridesWithZeros(node.shape, (d) => node.shape[d] === 1 && from[d] !== 1);
    walk(from, outStrides, 0, (i, o) => (out[o] = combine(out[o]!, x![i]!)));
    return out;
  },
});

// d Σx = expand(g)
export const sumDef = reduceOp(
  "sum",
  0,
  (a, x) => a + x,
  (g, node) => broadcastTo(g, input0(node).shape),
);
// The cotangent is shared equally among the maxima (JAX's convention for ties).
export const maxDef = reduceOp(
  "max",
  -Infinity,
  (a, x) => (x > a || Number.isNaN(x) ? x : a),
  (g, node) => {
    const x = input0(node);
    const hit = toFloat(equal(x, broadcastTo(node, x.shape)));
    const count = sumKeep(hit, node.attrs.axes);
    return mul(broadcastTo(div(g, count), x.shape), hit);
  },
);

/** Sum over `axes`, kept as size 1. */
export const sumKeep = (x: Tensor, axes: ReadonlyArray<number>): Tensor =>
  axes.length === 0 ? x : apply(sumDef, [x], { axes: normAxes("sum", x.shape, axes) });
/** Max over `axes`, kept as size 1. */
export const maxKeep = (x: Tensor, axes: ReadonlyArray<number>): Tensor =>
  axes.length === 0 ? x : apply(maxDef, [x], { axes: normAxes("max", x.shape, axes) });

/** A reduction's signature: over `axes` (default: all), dropped unless `keepdims`; the result's shape in the type. */
export type Reducer = <S extends Shape, const Axes extends readonly number[] = AllAxes<S>, K extends boolean = false>(
  x: Tensor<S>,
  axes?: Checked<Reduce<S, Axes, K>, Axes>,
  keepdims?: K,
) => Tensor<Ok<Reduce<S, Axes, K>>>;

const reducer =
  (keep: (x: Tensor, axes: ReadonlyArray<number>) => Tensor): Reducer =>
  (x, axes, keepdims) => {
    const ax = (axes as ReadonlyArray<number> | undefined) ?? x.shape.map((_, i) => i);
    const y = keep(x, ax);
    if (keepdims === true) return y as never;
    const dropped = normAxes("reduce", x.shape, ax);
    return reshape(
      y,
      x.shape.filter((_, i) => !dropped.includes(i)),
    ) as never;
  };

/** Σ over `axes` (all by default); `keepdims` keeps them as size 1. */
export const sum: Reducer = reducer(sumKeep);
/** Max over `axes` (all by default). */
export const max: Reducer = reducer(maxKeep);
