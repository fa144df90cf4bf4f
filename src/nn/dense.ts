/**
 * @file Dense (affine) layer and layer normalisation: the two parameterised maps every block is made
 * of. Parameter records use Flax's names (`kernel`, `bias`, `scale`), so a flattened tree gives the
 * official checkpoint paths.
 */

import { layerNorm, linear, ones, zeros, type Tensor } from "../ir/index.js";
import type { Key } from "../random/index.js";
import type { DropLast } from "../shape/index.js";
import { xavierUniform, type Initializer } from "./init.js";

/** `y = x·kernel + bias` over the last axis: Flax's `nn.Dense`. */
export interface Dense<I extends number = number, O extends number = number> {
  readonly kernel: Tensor<readonly [I, O]>;
  readonly bias: Tensor<readonly [O]>;
}

/**
 * Applies a dense layer to the last axis; data-last so models read as a `pipe`.
 * @example
 * const y = pipe(x, dense(p.Dense_0), gelu, dense(p.Dense_1));
 */
export const dense =
  <I extends number, O extends number>(p: Dense<I, O>) =>
  <S extends readonly [...number[], I]>(x: Tensor<S>): Tensor<readonly [...DropLast<S>, O]> =>
    linear(x, p.kernel, p.bias) as never;

/** A dense layer's parameters: `kernelInit` (xavier-uniform by default) and zero bias. */
export const initDense = <I extends number, O extends number>(
  key: Key,
  inFeatures: I,
  outFeatures: O,
  kernelInit: Initializer = xavierUniform,
): Dense<I, O> => ({
  kernel: kernelInit(key, [inFeatures, outFeatures] as const),
  bias: zeros([outFeatures] as const),
});

/** Layer normalisation's learned affine map: Flax's `nn.LayerNorm` (`scale`, `bias`). */
export interface LayerNorm<D extends number = number> {
  readonly scale: Tensor<readonly [D]>;
  readonly bias: Tensor<readonly [D]>;
}

/**
 * Layer normalisation over the last axis with learned scale and bias; epsilon 1e-6 as Flax's
 * default and the official model (DESIGN.md §2).
 */
export const layerNormLayer =
  <D extends number>(p: LayerNorm<D>, epsilon = 1e-6) =>
  <S extends readonly [...number[], D]>(x: Tensor<S>): Tensor<S> =>
    layerNorm(x, p.scale, p.bias, epsilon);

/** Ones for the scale, zeros for the bias (Flax's defaults); deterministic, so it takes no key. */
export const initLayerNorm = <D extends number>(dim: D): LayerNorm<D> => ({
  scale: ones([dim] as const),
  bias: zeros([dim] as const),
});
