/**
 * @file Numerical composites: means, variances, softmax and friends. Functions of primitives only,
 * so they need no derivative and no lowering of their own. Generic shapes are loosened on entry and
 * re-checked on exit (`sameShapeAs`).
 */

import type { AllAxes, Checked, Ok, Reduce, Shape } from "../../shape/index.js";
import { normAxes, size } from "../../shape/index.js";
import type { Tensor } from "../node.js";
import { add, div, mul, sub } from "../ops/binary.js";
import { broadcastTo, reshape, sameShapeAs } from "../ops/movement.js";
import { maxKeep, sumKeep, type Reducer } from "../ops/reduce.js";
import { stopGradient } from "../ops/cast.js";
import { exp, log, sqrt } from "../ops/unary.js";

const dropAxes = (x: Tensor, y: Tensor, axes: ReadonlyArray<number>, keepdims: boolean | undefined): Tensor => {
  if (keepdims === true) return y;
  const drop = normAxes("reduce", x.shape, axes);
  return reshape(
    y,
    x.shape.filter((_, i) => !drop.includes(i)),
  );
};
const axesOf = (x: Tensor, axes: unknown): ReadonlyArray<number> => (axes as ReadonlyArray<number> | undefined) ?? x.shape.map((_, i) => i);
const count = (x: Tensor, axes: ReadonlyArray<number>): number => size(normAxes("reduce", x.shape, axes).map((a) => x.shape[a]!));

/** Arithmetic mean over `axes` (all by default). */
export const mean: Reducer = (x, axes, keepdims) => {
  const ax = axesOf(x, axes);
  return dropAxes(x, div(sumKeep(x, ax), count(x, ax)), ax, keepdims) as never;
};

/** Variance over `axes`; `correction` 1 gives the unbiased estimate (torch's default), 0 the biased. */
export const variance = <S extends Shape, const Axes extends readonly number[] = AllAxes<S>, K extends boolean = false>(
  x: Tensor<S>,
  axes?: Checked<Reduce<S, Axes, K>, Axes>,
  keepdims?: K,
  correction = 0,
): Tensor<Ok<Reduce<S, Axes, K>>> => {
  const v: Tensor = x;
  const ax = axesOf(v, axes);
  const centred = sub(v, broadcastTo(div(sumKeep(v, ax), count(v, ax)), v.shape));
  return dropAxes(v, div(sumKeep(mul(centred, centred), ax), count(v, ax) - correction), ax, keepdims) as never;
};

/** log Σ exp over the last axis, kept as size 1, stable: the row max is factored out. */
const logSumExpKeep = (v: Tensor): Tensor => {
  const m = stopGradient(maxKeep(v, [-1])); // any shift gives the same value; the max avoids overflow
  return add(log(sumKeep(exp(sub(v, broadcastTo(m, v.shape))), [-1])), m);
};

/** log Σ exp over the last axis (dropped). */
export const logsumexp = <S extends readonly [...number[], number]>(x: Tensor<S>): Tensor<Ok<Reduce<S, [-1]>>> => {
  const v: Tensor = x;
  return reshape(logSumExpKeep(v), v.shape.slice(0, -1)) as never;
};

/** Softmax over the last axis. */
export const softmax = <S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const v: Tensor = x;
  const e = exp(sub(v, broadcastTo(stopGradient(maxKeep(v, [-1])), v.shape))); // shift by the row max; same result, no overflow
  return sameShapeAs(x)(div(e, broadcastTo(sumKeep(e, [-1]), v.shape)));
};

/** log softmax over the last axis. */
export const logSoftmax = <S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const v: Tensor = x;
  return sameShapeAs(x)(sub(v, broadcastTo(logSumExpKeep(v), v.shape)));
};

/** x². */
export const square = <S extends Shape>(x: Tensor<S>): Tensor<S> => mul(x as Tensor, x as Tensor) as Tensor<S>;

/** 1/√x. */
export const rsqrt = <S extends Shape>(x: Tensor<S>): Tensor<S> => div(1, sqrt(x as Tensor)) as Tensor<S>;
