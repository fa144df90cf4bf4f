/**
 * @file Scaled dot-product attention and the standard multi-head self-attention of the MW-MAE
 * encoder (the official `Attention` module: `Dense_0` the fused qkv projection `[D, 3D]`, `Dense_1`
 * the output projection). The qkv layout is the official one (and timm's): the 3D features of a token
 * are `[3, heads, head_dim]`, q, k, v outermost, so head h of q is features `h·hd … (h+1)·hd − 1`.
 * Verified against `mwmha_layer.json`, whose `WindowedMultiHeadAttention` splits its qkv the same way.
 */

import { add, loose, matmul, mul, permute, reshape, sameShapeAs, slice, softmax, transpose, type Tensor } from "../ir/index.js";
import { ShapeError } from "../shape/index.js";
import { split, type Key } from "../random/index.js";
import { dense, initDense, type Dense } from "./dense.js";

/**
 * Attention probabilities `softmax(q·kᵀ/√e + bias)` over the last axis, for `q`, `k` of shape
 * `[..., n, e]`; `bias` (optional) broadcasts against the `[..., n, n]` scores.
 */
export const attentionWeights = <S extends readonly [...number[], number, number]>(q: Tensor<S>, k: Tensor<S>, bias?: Tensor): Tensor => {
  const qv: Tensor = q;
  const e = qv.shape[qv.shape.length - 1]!;
  const scores = mul(matmul(qv, transpose(k as Tensor)), 1 / Math.sqrt(e)); // the official scale, head_dim^−½
  if (bias === undefined) return softmax(scores);
  const withBias = add(scores, bias);
  if (withBias.shape.join() !== scores.shape.join())
    throw new ShapeError("attention", "bias must broadcast to the scores", [scores.shape, bias.shape]);
  return softmax(withBias);
};

/** `softmax(q·kᵀ/√e + bias)·v` for self-attention inputs of one shape `[..., n, e]`. */
export const scaledDotProductAttention = <S extends readonly [...number[], number, number]>(
  q: Tensor<S>,
  k: Tensor<S>,
  v: Tensor<S>,
  bias?: Tensor,
): Tensor<S> => sameShapeAs(q)(matmul(attentionWeights(q, k, bias), v as Tensor));

/** q, k and v of every head, each `[B, heads, N, head_dim]`. */
export interface QkvHeads {
  readonly q: Tensor<readonly [number, number, number, number]>;
  readonly k: Tensor<readonly [number, number, number, number]>;
  readonly v: Tensor<readonly [number, number, number, number]>;
}

/** Splits fused qkv features `[B, N, 3D]` into per-head q, k, v (official layout, see the file comment). */
export const splitHeads = (qkv: Tensor<readonly [number, number, number]>, heads: number): QkvHeads => {
  const [b, n, f] = qkv.shape;
  if (f % (3 * heads) !== 0) throw new ShapeError("splitHeads", `${f} qkv features do not split into 3 × ${heads} heads`, [qkv.shape]);
  const hd = f / (3 * heads);
  const stacked = permute(reshape(qkv, [b, n, 3, heads, hd]), [2, 0, 3, 1, 4]); // [3, B, H, N, hd]
  const part = (i: number) => reshape(slice(stacked, 0, i, i + 1), [b, heads, n, hd]);
  return { q: part(0), k: part(1), v: part(2) };
};

/** Joins per-head outputs `[B, H, N, hd]` into token features `[B, N, H·hd]`, head-major. */
export const mergeHeads = (o: Tensor<readonly [number, number, number, number]>): Tensor<readonly [number, number, number]> => {
  const [b, h, n, hd] = o.shape;
  return reshape(permute(o, [0, 2, 1, 3]), [b, n, h * hd]);
};

/** The official `Attention` module's parameters. */
export interface Attention<D extends number = number> {
  /** Fused qkv projection, `[D, 3D]`. */
  readonly Dense_0: Dense<D, number>;
  /** Output projection, `[D, D]`. */
  readonly Dense_1: Dense<D, D>;
}

/** Configuration of standard multi-head self-attention. */
export interface AttentionConfig {
  /** Number of heads; must divide the model width (each head gets `dim / heads` channels), else `ShapeError`. */
  readonly heads: number;
}

/** Per-head outputs before the output projection, `[B, H, N, head_dim]`. */
export const attentionHeads =
  <D extends number>(p: Attention<D>, cfg: AttentionConfig) =>
  <B extends number, N extends number>(x: Tensor<readonly [B, N, D]>): Tensor<readonly [B, number, N, number]> => {
    const { q, k, v } = splitHeads(loose(dense(p.Dense_0)(x)) as Tensor<readonly [B, N, number]>, cfg.heads);
    return scaledDotProductAttention(q, k, v) as never;
  };

/**
 * Standard multi-head self-attention: every head attends to every token.
 * @example
 * const y = attention(p.Attention_0, { heads: 12 })(tokens);
 */
export const attention =
  <D extends number>(p: Attention<D>, cfg: AttentionConfig) =>
  <B extends number, N extends number>(x: Tensor<readonly [B, N, D]>): Tensor<readonly [B, N, D]> =>
    loose(dense(p.Dense_1)(mergeHeads(attentionHeads(p, cfg)(x)) as Tensor<readonly [B, N, D]>)) as Tensor<readonly [B, N, D]>;

/** Xavier-uniform qkv and projection kernels, zero biases (the official init). */
export const initAttention = <D extends number>(key: Key, dim: D): Attention<D> => {
  const [kq, kp] = split(key, 2) as [Key, Key];
  return { Dense_0: initDense(kq, dim, 3 * dim), Dense_1: initDense(kp, dim, dim) };
};
