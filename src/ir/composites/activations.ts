/**
 * @file Activations as composites of primitives.
 */

import type { Shape } from "../../shape/index.js";
import type { Tensor } from "../node.js";
import { add, div, maximum, mul } from "../ops/binary.js";
import { erf, exp, neg, tanh } from "../ops/unary.js";

/** max(x, 0); the derivative at 0 is taken as 1 (ties go to x). */
export const relu = <S extends Shape>(x: Tensor<S>): Tensor<S> => maximum(x as Tensor, 0) as Tensor<S>;

/** 1 / (1 + e^(−x)). */
export const sigmoid = <S extends Shape>(x: Tensor<S>): Tensor<S> => div(1, add(1, exp(neg(x as Tensor)))) as Tensor<S>;

const sqrtTwoOverPi = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (Flax's `nn.gelu` default, used by MW-MAE): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export const gelu = <S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const v: Tensor = x;
  const inner = mul(add(v, mul(mul(mul(v, v), v), 0.044715)), sqrtTwoOverPi);
  return mul(mul(v, 0.5), add(tanh(inner), 1)) as Tensor<S>;
};

/** GELU, exact: ½x(1 + erf(x/√2)). */
export const geluExact = <S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const v: Tensor = x;
  return mul(mul(v, 0.5), add(erf(mul(v, Math.SQRT1_2)), 1)) as Tensor<S>;
};
