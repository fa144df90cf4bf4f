/**
 * @file Parameter initialisers, as Flax's `variance_scaling` family: a sample of the right
 * distribution scaled so its variance is `scale / fan`, with fans computed from the shape as Flax
 * does (`in` = the second-to-last axis, `out` = the last, times the product of the other axes). The
 * official MW-MAE code uses xavier-uniform for every dense kernel inside its transformer blocks
 * (attention and MLP alike), Flax's default lecun-normal for its other dense layers, and
 * variance_scaling(0.02, fan_in, truncated normal) for the relative position bias tables.
 *
 * Samples come from `src/random`, so they are constants fixed by the key: an initialiser is a pure
 * function `(key, shape) → Tensor`, and `realize` turns a parameter tree into host tensors.
 */

import { mul, type Tensor } from "../ir/index.js";
import { normal, truncatedNormal, uniform, type Key } from "../random/index.js";
import { size, type Shape } from "../shape/index.js";

/** A pure initialiser: the same key and shape always give the same tensor. */
export type Initializer = <const S extends Shape>(key: Key, shape: S) => Tensor<S>;

/** Fan-in and fan-out of a weight shape, as Flax's `_compute_fans` (in axis −2, out axis −1). */
export const fans = (shape: Shape): { readonly fanIn: number; readonly fanOut: number } => {
  if (shape.length < 2) throw new RangeError(`fans: a weight needs rank >= 2, got [${shape.join(", ")}]`);
  const inSize = shape[shape.length - 2]!;
  const outSize = shape[shape.length - 1]!;
  const receptive = size(shape) / (inSize * outSize);
  return { fanIn: inSize * receptive, fanOut: outSize * receptive };
};

/** Which fan divides the scale. */
export type FanMode = "fan_in" | "fan_out" | "fan_avg";
/** Which distribution is scaled. */
export type Distribution = "truncated_normal" | "normal" | "uniform";

/** std of a standard normal truncated to [−2, 2]; dividing by it restores unit variance (as Flax). */
const truncatedStd = 0.8796256610342398;

/** Rounds like a float32 computation of the same constant would. */
const f32 = Math.fround;

/**
 * Flax's `variance_scaling(scale, mode, distribution)`: variance `scale / fan`.
 * @example
 * const w = varianceScaling(1, "fan_avg", "uniform")(key(0), [384, 1152] as const);
 */
export const varianceScaling =
  (scale: number, mode: FanMode, distribution: Distribution): Initializer =>
  (k, shape) => {
    const { fanIn, fanOut } = fans(shape);
    const fan = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, fan);
    if (distribution === "uniform")
      return mul(uniform(k, shape, { min: -1, max: 1 }) as Tensor, f32(Math.sqrt(f32(3 * variance)))) as never;
    if (distribution === "normal") return mul(normal(k, shape) as Tensor, f32(Math.sqrt(variance))) as never;
    return mul(truncatedNormal(k, shape, -2, 2) as Tensor, f32(Math.sqrt(variance) / truncatedStd)) as never;
  };

/** Glorot/Xavier uniform: U(±√(6/(fan_in + fan_out))). The official blocks' dense kernels. */
export const xavierUniform: Initializer = varianceScaling(1, "fan_avg", "uniform");

/** LeCun normal: truncated normal with variance 1/fan_in (Flax's default `Dense` kernel init). */
export const lecunNormal: Initializer = varianceScaling(1, "fan_in", "truncated_normal");

/**
 * The relative position bias tables' init in the official code: variance_scaling(0.02, fan_in,
 * truncated normal) on the `[2w − 1, 1]` table, i.e. std √(0.02/(2w − 1)) before truncation at ±2σ.
 */
export const biasTableInit: Initializer = varianceScaling(0.02, "fan_in", "truncated_normal");
