/**
 * @file Random masking as the official `random_masking`: per sample, noise over the patches, an
 * ascending (stable) argsort, keep the first `keep` patches in ascending-noise order; `idsRestore` is
 * the inverse permutation and `mask` is 1 on removed patches, 0 on kept ones, in the original order.
 * The noise is an argument so goldens can give it; `maskingNoise` draws it from a key.
 */

import { argsort, broadcastTo, concat, gather, iota, ones, scatterAdd, slice, unsqueeze, zeros, type Tensor } from "../../ir/index.js";
import { uniform, type Key } from "../../random/index.js";

/** The random masking of one batch, as in the official MAE: the shuffle order, its inverse, the kept patch ids and the 0/1 mask. */
export interface Masking<B extends number, N extends number> {
  /** Patch indices in ascending-noise order. */
  readonly idsShuffle: Tensor<readonly [B, N]>;
  /** Where each patch went in the shuffled order: `idsShuffle[idsRestore[i]] = i`. */
  readonly idsRestore: Tensor<readonly [B, N]>;
  /** The kept patches: the first `keep` of `idsShuffle`. */
  readonly idsKeep: Tensor<readonly [B, number]>;
  /** 1 on removed patches, 0 on kept ones, f32. */
  readonly mask: Tensor<readonly [B, N]>;
}

/**
 * The masking a noise tensor implies, keeping `keep` patches per sample.
 * @example
 * const { idsKeep, mask } = maskFromNoise(noise, 50); // noise [8, 250]: 50 kept, 200 masked per row
 */
export const maskFromNoise = <B extends number, N extends number>(noise: Tensor<readonly [B, N]>, keep: number): Masking<B, N> => {
  const [batch, n] = noise.shape;
  if (!(Number.isInteger(keep) && keep >= 1 && keep <= n)) throw new RangeError(`maskFromNoise: keep ${keep} is outside [1, ${n}]`);
  const idsShuffle = argsort(noise);
  // The inverse permutation by scatter: idsRestore[idsShuffle[i]] = i.
  const idsRestore = scatterAdd(zeros([batch, n], "i32"), idsShuffle, iota([batch, n], 1, "i32"), 1) as Tensor<readonly [B, N]>;
  const idsKeep = slice(idsShuffle as Tensor, -1, 0, keep) as Tensor<readonly [B, number]>;
  const sortedMask = concat([zeros([batch, keep]) as Tensor, ones([batch, n - keep]) as Tensor], -1);
  const mask = gather(sortedMask, idsRestore, 1) as Tensor<readonly [B, N]>;
  return { idsShuffle, idsRestore, idsKeep, mask };
};

/** Uniform noise on [0, 1) for `batch × n` patches, as `jax.random.uniform(key, (N, L))`. */
export const maskingNoise = <B extends number, N extends number>(k: Key, batch: B, n: N): Tensor<readonly [B, N]> =>
  uniform(k, [batch, n] as const);

/** Rows of `x` (`[batch, n, d]`) at `ids` (`[batch, k]`) along the token axis: `[batch, k, d]`. */
export const gatherTokens = <B extends number, D extends number>(
  x: Tensor<readonly [B, number, D]>,
  ids: Tensor<readonly [B, number]>,
): Tensor<readonly [B, number, D]> => {
  const [batch, k] = ids.shape;
  const d = x.shape[2];
  const idx = broadcastTo(unsqueeze(ids as Tensor, -1) as Tensor, [batch, k, d]);
  return gather(x, idx, 1) as never;
};
