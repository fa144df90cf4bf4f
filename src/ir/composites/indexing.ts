/**
 * @file Index-valued composites with no gradient: oneHot, argmax, argsort. Argsort is a rank count
 * (`rank[i] = #{j : x_j < x_i or (x_j = x_i and j < i)}`, a stable sort) followed by a scatter of the
 * positions to their ranks: O(n²) work per row, fine for the patch counts MW-MAE sorts, and one kernel
 * shape that every backend can run.
 */

import type { DropLast, Shape } from "../../shape/index.js";
import { ShapeError } from "../../shape/index.js";
import type { Tensor } from "../node.js";
import { add, mul, toFloat } from "../ops/binary.js";
import { cast, stopGradient } from "../ops/cast.js";
import { equal, less, select } from "../ops/compare.js";
import { scatterAdd } from "../ops/gather.js";
import { broadcastTo, reshape } from "../ops/movement.js";
import { maxKeep, sum } from "../ops/reduce.js";
import { iota, zeros } from "../ops/source.js";
import { neg } from "../ops/unary.js";

/** `out[..., k] = 1` where `k = indices[...]`, else 0 (f32). */
export const oneHot = <S extends Shape, N extends number>(indices: Tensor<S>, classes: N): Tensor<readonly [...S, N]> => {
  if (indices.dtype !== "i32") throw new ShapeError("oneHot", `indices must be i32, got ${indices.dtype}`, [indices.shape]);
  const v: Tensor = indices;
  const shape: Shape = [...v.shape, classes];
  const idx = broadcastTo(reshape(v, [...v.shape, 1]), shape);
  return toFloat(equal(idx, iota(shape, shape.length - 1))) as never;
};

/** Index of the largest value along the last axis (the first one on ties), as i32. */
export const argmax = <S extends readonly [...number[], number]>(x: Tensor<S>): Tensor<Readonly<DropLast<S>>> => {
  const v = stopGradient(x as Tensor);
  const n = v.shape[v.shape.length - 1]!;
  const hit = equal(v, broadcastTo(maxKeep(v, [-1]), v.shape));
  // Largest of (n − index) among the hits is the first hit.
  const score = select(hit, add(neg(iota(v.shape, v.shape.length - 1, "f32")), n), 0);
  return cast(add(neg(reshape(maxKeep(score, [-1]), v.shape.slice(0, -1))), n), "i32") as never;
};

/** Positions that sort the last axis ascending (stable), as i32; like `argsort` in NumPy/JAX. */
export const argsort = <S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const v = stopGradient(x as Tensor);
  if (v.shape.length < 1) throw new ShapeError("argsort", "needs rank >= 1", [v.shape]);
  const r = v.shape.length;
  const n = v.shape[r - 1]!;
  const pair = [...v.shape, n];
  const xi = broadcastTo(reshape(v, [...v.shape.slice(0, -1), v.shape[v.shape.length - 1]!, 1]), pair); // [..., i, j] = x_i
  const xj = broadcastTo(reshape(v, [...v.shape.slice(0, -1), 1, v.shape[v.shape.length - 1]!]), pair); // [..., i, j] = x_j
  const i = iota(pair, r - 1, "f32");
  const j = iota(pair, r, "f32");
  const before = add(toFloat(less(xj, xi)), mul(toFloat(equal(xj, xi)), toFloat(less(j, i))));
  const rank = cast(sum(before, [-1] as never) as Tensor, "i32");
  const positions = iota(v.shape, r - 1, "i32");
  return scatterAdd(zeros(v.shape, "i32"), rank, positions, -1) as never;
};
