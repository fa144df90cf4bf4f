/**
 * @file The decoder: project the latent to the decoder width, put the mask token at every hidden
 * position and restore the original patch order, add the fixed 1-D positions, pre-norm blocks (MW-MHA
 * for MW-MAE, standard attention for the plain MAE), LayerNorm, and a linear map to the values of each
 * patch. The class token, when present, rides along in front and is dropped from the prediction.
 */

import { add, broadcastTo, concat, slice, type Tensor } from "../../ir/index.js";
import { block, dense, layerNormLayer, mwmhaBlock } from "../../nn/index.js";
import { geometry, type MwmaeConfig } from "./config.js";
import { gatherTokens } from "./masking.js";
import { decoderBlock, type MwmaeParams } from "./params.js";

type Tokens<B extends number> = Tensor<readonly [B, number, number]>;

/**
 * Decoder tokens in the original patch order, positions added, before the blocks: `[B, n (+1), d]`.
 * The official code appends `n + 1 − keep` mask tokens (one more than needed, never gathered); `n − keep`
 * give the same values and gradients.
 */
export const decoderInput =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(latent: Tokens<B>, idsRestore: Tensor<readonly [B, number]>): Tokens<B> => {
    const g = geometry(cfg);
    const x = dense(p.decoder_embed)(latent) as Tokens<B>;
    const [batch, tokens, d] = x.shape;
    const first = cfg.useClsToken ? 1 : 0;
    const visible = slice(x as Tensor, 1, first, tokens);
    const masked = broadcastTo(p.mask_token as Tensor, [batch, g.patches - (tokens - first), d]);
    const restored = gatherTokens(concat([visible, masked], 1) as Tokens<B>, idsRestore);
    const ordered = cfg.useClsToken ? concat([slice(x as Tensor, 1, 0, 1), restored as Tensor], 1) : restored;
    return add(ordered as Tensor, p.decoder_pos_embed) as Tokens<B>;
  };

/** Predicted patch values `[B, n, patch values]` from the latent and the restore order. */
export const decode =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(latent: Tokens<B>, idsRestore: Tensor<readonly [B, number]>): Tokens<B> => {
    const g = geometry(cfg);
    let h: Tensor = decoderInput(p, cfg)(latent, idsRestore);
    // With a class token the windows would straddle it; the official MW-MAE never combines the two.
    for (let i = 0; i < cfg.decoder.depth; i++) {
      const b = decoderBlock(p, i);
      h =
        "wmha_block" in b ? mwmhaBlock(b, { windows: g.windows })(h as Tokens<B>) : block(b, { heads: cfg.decoder.heads })(h as Tokens<B>);
    }
    const pred = dense(p.decoder_pred)(layerNormLayer(p.decoder_norm)(h as Tokens<B>)) as Tensor;
    return (cfg.useClsToken ? slice(pred, 1, 1, pred.shape[1]!) : pred) as Tokens<B>;
  };
