/**
 * @file Pre-norm transformer blocks: `x + attention(LN(x))`, then `+ mlp(LN(·))`. The encoder block
 * (official `Block`) uses standard attention; the MW-MAE decoder block (official `MWMHABlock`) uses
 * MW-MHA under the name `wmha_block`. Flax names the two norms `LayerNorm_0`, `LayerNorm_1` and the
 * MLP `Mlp_0` in both.
 */

import { add, type Tensor } from "../ir/index.js";
import { split, type Key } from "../random/index.js";
import { attention, initAttention, type Attention, type AttentionConfig } from "./attention.js";
import { initLayerNorm, layerNormLayer, type LayerNorm } from "./dense.js";
import { initMlp, mlp, type Mlp } from "./mlp.js";
import { initMwmha, mwmha, type MultiWindowAttention, type MultiWindowConfig } from "./multi-window-attention.js";

type Tokens<B extends number, N extends number, D extends number> = Tensor<readonly [B, N, D]>;

/** The residual pre-norm skeleton shared by both blocks. */
const preNorm =
  <D extends number>(
    norm0: LayerNorm<D>,
    attend: <B extends number, N extends number>(x: Tokens<B, N, D>) => Tokens<B, N, D>,
    norm1: LayerNorm<D>,
    ff: Mlp<D, number, D>,
  ) =>
  <B extends number, N extends number>(x: Tokens<B, N, D>): Tokens<B, N, D> => {
    const h = add(x as Tensor, attend(layerNormLayer(norm0)(x))) as Tokens<B, N, D>;
    return add(h as Tensor, mlp(ff)(layerNormLayer(norm1)(h)) as Tensor) as Tokens<B, N, D>;
  };

/** The official encoder `Block`'s parameters. */
export interface Block<D extends number = number> {
  readonly LayerNorm_0: LayerNorm<D>;
  readonly Attention_0: Attention<D>;
  readonly LayerNorm_1: LayerNorm<D>;
  readonly Mlp_0: Mlp<D, number, D>;
}

/**
 * A pre-norm transformer block with standard multi-head attention.
 * @example
 * const y = block(p.encoder_block_00, { heads: 12 })(tokens);
 */
export const block = <D extends number>(p: Block<D>, cfg: AttentionConfig) =>
  preNorm(p.LayerNorm_0, attention(p.Attention_0, cfg), p.LayerNorm_1, p.Mlp_0);

/** The official `MWMHABlock`'s parameters. */
export interface MwmhaBlock<D extends number = number> {
  readonly LayerNorm_0: LayerNorm<D>;
  readonly wmha_block: MultiWindowAttention<D>;
  readonly LayerNorm_1: LayerNorm<D>;
  readonly Mlp_0: Mlp<D, number, D>;
}

/**
 * A pre-norm transformer block with MW-MHA.
 * @example
 * const y = mwmhaBlock(p.decoder_block_00, { windows: [2, 5, 10, 25, 50, 125, 0, 0] })(tokens);
 */
export const mwmhaBlock = <D extends number>(p: MwmhaBlock<D>, cfg: MultiWindowConfig) =>
  preNorm(p.LayerNorm_0, mwmha(p.wmha_block, cfg), p.LayerNorm_1, p.Mlp_0);

/** Shape of a transformer block's parameters: the model width and the MLP expansion. */
export interface BlockConfig<D extends number = number> {
  /** Model width: the last dim of the tokens. */
  readonly dim: D;
  /** MLP hidden width over dim; default 4. */
  readonly mlpRatio?: number;
}

/** Encoder block parameters (the head count does not change them). */
export const initBlock = <D extends number>(key: Key, cfg: BlockConfig<D>): Block<D> => {
  const [ka, km] = split(key, 2) as [Key, Key];
  return {
    LayerNorm_0: initLayerNorm(cfg.dim),
    Attention_0: initAttention(ka, cfg.dim),
    LayerNorm_1: initLayerNorm(cfg.dim),
    Mlp_0: initMlp(km, cfg),
  };
};

/** MW-MHA block parameters. */
export const initMwmhaBlock = <D extends number>(key: Key, cfg: BlockConfig<D> & MultiWindowConfig): MwmhaBlock<D> => {
  const [ka, km] = split(key, 2) as [Key, Key];
  return {
    LayerNorm_0: initLayerNorm(cfg.dim),
    wmha_block: initMwmha(ka, cfg),
    LayerNorm_1: initLayerNorm(cfg.dim),
    Mlp_0: initMlp(km, cfg),
  };
};
