/**
 * @file What the analysis reads out of the model: every block's attention probabilities per head and
 * every encoder block's output, as traced DSL functions beside the forward pass. The blocks run
 * unchanged (the same `block` and `mwmhaBlock` the model uses); the probabilities are recomputed from
 * each block's normalised input and its own parameters, so the forward's results are untouched.
 * The encoder runs on every patch (as `forwardFeatures`), the decoder on the pre-training pass
 * (masking from the given noise), as the paper's analysis of both parts does.
 */

import type { Tensor } from "../ir/index.js";
import {
  decoderBlock,
  decoderInput,
  embedPatches,
  encodeVisible,
  encoderBlock,
  geometry,
  maskFromNoise,
  withClsToken,
  type MwmaeConfig,
  type MwmaeParams,
} from "../models/mwmae/index.js";
import { attentionWeights, block, dense, layerNormLayer, mwmhaAttentionWeights, mwmhaBlock, splitHeads, type Block } from "../nn/index.js";

type Tokens = Tensor<readonly [number, number, number]>;

/** Attention probabilities `[B, H, N, N]` of a standard attention block on its input tokens. */
const blockAttention = (b: Block, heads: number, x: Tokens): Tensor => {
  const normed = layerNormLayer(b.LayerNorm_0)(x);
  const { q, k } = splitHeads(dense(b.Attention_0.Dense_0)(normed) as Tokens, heads);
  return attentionWeights(q, k);
};

/** The encoder's attention maps and block outputs. */
export interface EncoderCapture {
  /** Per block, `[B, heads, tokens, tokens]` (tokens include the class token, first, when configured). */
  readonly attention: ReadonlyArray<Tensor>;
  /** Per block, its output `[B, tokens, dim]` (before the final LayerNorm). */
  readonly hidden: ReadonlyArray<Tensor>;
}

/**
 * The encoder on every patch of log-mels `[B, frames, mels]`, with each block's attention maps and output.
 * @example
 * const run = await jit(({ p, x }) => encoderCapture(p, cfg)(x), { p: params, x: spec([1, 200, 80]) }, backend);
 */
export const encoderCapture =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  (x: Tensor<readonly [number, number, number]>): EncoderCapture => {
    let h = withClsToken(p, cfg)(embedPatches(p, cfg)(x)) as Tokens;
    const attention: Tensor[] = [];
    const hidden: Tensor[] = [];
    for (let i = 0; i < cfg.encoder.depth; i++) {
      const b = encoderBlock(p, i);
      attention.push(blockAttention(b, cfg.encoder.heads, h));
      h = block(b, { heads: cfg.encoder.heads })(h);
      hidden.push(h);
    }
    return { attention, hidden };
  };

/**
 * The decoder's attention maps per block, `[B, heads, tokens, tokens]`, on the pre-training pass of
 * log-mels `[B, frames, mels]` with masking noise `[B, n]`. Window heads are exactly 0 outside their windows.
 * @example
 * decoderAttention(params, cfg)(x, noise); // [B, 8, 250, 250] per decoder block
 */
export const decoderAttention =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  (x: Tensor<readonly [number, number, number]>, noise: Tensor<readonly [number, number]>): ReadonlyArray<Tensor> => {
    const g = geometry(cfg);
    const { idsRestore, idsKeep } = maskFromNoise(noise, g.keep);
    let h = decoderInput(p, cfg)(encodeVisible(p, cfg)(x, idsKeep), idsRestore) as Tokens;
    const attention: Tensor[] = [];
    for (let i = 0; i < cfg.decoder.depth; i++) {
      const b = decoderBlock(p, i);
      if ("wmha_block" in b) {
        attention.push(mwmhaAttentionWeights(b.wmha_block, { windows: g.windows })(layerNormLayer(b.LayerNorm_0)(h)));
        h = mwmhaBlock(b, { windows: g.windows })(h);
      } else {
        attention.push(blockAttention(b, cfg.decoder.heads, h));
        h = block(b, { heads: cfg.decoder.heads })(h);
      }
    }
    return attention;
  };
