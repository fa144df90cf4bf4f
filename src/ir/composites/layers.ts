/**
 * @file Composites that layers are made of: affine maps, normalisation and losses.
 */

import type { DropLast, Shape } from "../../shape/index.js";
import { ShapeError } from "../../shape/index.js";
import type { Tensor } from "../node.js";
import { add, div, mul, sub } from "../ops/binary.js";
import { broadcastTo, reshape, sameShapeAs } from "../ops/movement.js";
import { matmul } from "../ops/matmul.js";
import { sumKeep } from "../ops/reduce.js";
import { sqrt } from "../ops/unary.js";
import { mean } from "./math.js";

/** `x·W + b` over the last axis: `[..., in] → [..., out]`. */
export const linear = <S extends readonly [...number[], I], I extends number, O extends number>(
  x: Tensor<S>,
  w: Tensor<readonly [I, O]>,
  b?: Tensor<readonly [O]>,
): Tensor<readonly [...DropLast<S>, O]> => {
  const v: Tensor = x;
  if (v.shape.length < 1 || v.shape[v.shape.length - 1] !== w.shape[0]) {
    throw new ShapeError("linear", `input features ${v.shape[v.shape.length - 1]} and weight rows ${w.shape[0]} differ`, [
      v.shape,
      w.shape,
    ]);
  }
  // matmul needs rank ≥ 2: a single vector goes through as a one-row matrix.
  const y = v.shape.length === 1 ? reshape(matmul(reshape(v, [1, -1]), w as Tensor), [w.shape[1]]) : matmul(v, w as Tensor);
  return (b === undefined ? y : add(y, b as Tensor)) as never;
};

/**
 * Layer normalisation over the last axis: `(x − μ)/√(σ² + ε)·γ + β` with the biased variance, as
 * Flax and PyTorch.
 */
export const layerNorm = <S extends readonly [...number[], D], D extends number>(
  x: Tensor<S>,
  scale: Tensor<readonly [D]>,
  bias: Tensor<readonly [D]>,
  epsilon = 1e-6,
): Tensor<S> => {
  const v: Tensor = x;
  const d = v.shape[v.shape.length - 1]!;
  if (scale.shape[0] !== d || bias.shape[0] !== d) {
    throw new ShapeError("layerNorm", `features ${d}, scale ${scale.shape[0]}, bias ${bias.shape[0]}`, [v.shape, scale.shape, bias.shape]);
  }
  const mu = broadcastTo(div(sumKeep(v, [-1]), d), v.shape);
  const centred = sub(v, mu);
  const varc = broadcastTo(div(sumKeep(mul(centred, centred), [-1]), d), v.shape);
  const normed = div(centred, sqrt(add(varc, epsilon)));
  return sameShapeAs(x)(add(mul(normed, scale as Tensor), bias as Tensor));
};

/** Mean squared error over all elements. */
export const mse = <S extends Shape>(prediction: Tensor<S>, target: Tensor<S>): Tensor<readonly []> => {
  const diff = sub(prediction as Tensor, target as Tensor);
  return mean(mul(diff, diff)) as Tensor<readonly []>;
};
