/**
 * @file Take-along-axis gather and its adjoint, scatter-add. `gather(x, idx, axis)` has `idx`'s shape;
 * `idx` matches `x` outside `axis`. The two are each other's VJP, so gradients of gathers are graphs
 * of scatters and back.
 */

import { gatherShape, normAxis, sameShape, ShapeError, strides, type Shape } from "../../shape/index.js";
import { alloc, apply, input0, input1, type OpDef } from "../op-def.js";
import type { Data, Node, Tensor } from "../node.js";
import { unravel } from "../strided.js";
import { zeros } from "./source.js";

/** Offset into `x` of the element that output position `i` (an index into idx) refers to. */
const offsets = (op: string, xShape: Shape, idxShape: Shape, idx: Data, axis: number): Int32Array => {
  const xs = strides(xShape);
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const at = unravel(i, idxShape);
    const j = idx[i]!;
    if (!(j >= 0 && j < xShape[axis]!)) {
      throw new RangeError(`${op}: index ${j} at position [${at.join(", ")}] is outside [0, ${xShape[axis]}) on axis ${axis}`);
    }
    at[axis] = j;
    out[i] = at.reduce((acc, v, d) => acc + v * xs[d]!, 0);
  }
  return out;
};

const checkIndices = (op: string, idx: Node): void => {
  if (idx.dtype !== "i32") throw new ShapeError(op, `indices must be i32, got ${idx.dtype}`, [idx.shape]);
};

export const gatherDef: OpDef<"gather"> = {
  name: "gather",
  shape: ([x, idx], { axis }) => gatherShape("gather", x!.shape, idx!.shape, axis),
  dtype: ([x, idx]) => {
    checkIndices("gather", idx!);
    return x!.dtype;
  },
  vjp: (g, node) => {
    const x = input0(node);
    return [scatterAdd(zeros(x.shape, x.dtype), input1(node), g, node.attrs.axis), null];
  },
  evaluate: ([x, idx], node, ctx) => {
    const src = input0(node);
    const at = offsets("gather", src.shape, node.shape, idx!, normAxis("gather", src.shape, node.attrs.axis));
    const out = alloc(node.dtype, at.length, ctx);
    for (let i = 0; i < at.length; i++) out[i] = x![at[i]!]!;
    return out;
  },
};

export const scatterAddDef: OpDef<"scatterAdd"> = {
  name: "scatterAdd",
  shape: ([base, idx, upd], { axis }) => {
    gatherShape("scatterAdd", base!.shape, idx!.shape, axis);
    if (!sameShape(idx!.shape, upd!.shape))
      throw new ShapeError("scatterAdd", "updates must have the indices' shape", [idx!.shape, upd!.shape]);
    return base!.shape;
  },
  dtype: ([base, idx, upd]) => {
    checkIndices("scatterAdd", idx!);
    if (base!.dtype !== upd!.dtype) throw new ShapeError("scatterAdd", `base is ${base!.dtype}, updates ${upd!.dtype}`);
    return base!.dtype;
  },
  vjp: (g, node) => [g, null, gather(g, input1(node), node.attrs.axis)],
  evaluate: ([base, idx, upd], node, ctx) => {
    const at = offsets("scatterAdd", node.shape, node.inputs[1]!.shape, idx!, normAxis("scatterAdd", node.shape, node.attrs.axis));
    const out = alloc(node.dtype, base!.length, ctx);
    out.set(base!);
    for (let i = 0; i < at.length; i++) out[at[i]!] = out[at[i]!]! + upd![i]!;
    return out;
  },
};

/** `out[..., i, ...] = x[..., idx[..., i, ...], ...]` along `axis` (take-along-axis). */
export const gather = <I extends Shape>(x: Tensor, indices: Tensor<I>, axis: number): Tensor<I> =>
  apply(gatherDef, [x, indices], { axis }) as Tensor<I>;

/** `base` with `updates` added at `indices` along `axis`; repeated indices accumulate. */
export const scatterAdd = <S extends Shape>(base: Tensor<S>, indices: Tensor, updates: Tensor, axis: number): Tensor<S> =>
  apply(scatterAddDef, [base, indices, updates], { axis }) as Tensor<S>;
