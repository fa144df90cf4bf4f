/**
 * @file The encoder: patch embedding (the conv with kernel = stride = patch size, as a matmul on
 * patchified input), the fixed 2-D positions, the class token when configured, pre-norm transformer
 * blocks with standard attention and the final LayerNorm. `encodeVisible` runs it on the kept patches
 * only (pre-training); `encodeAll` on every patch (features).
 */

import { add, broadcastTo, concat, linear, reshape, slice, type Tensor } from "../../ir/index.js";
import { block, layerNormLayer } from "../../nn/index.js";
import { geometry, type MwmaeConfig } from "./config.js";
import { gatherTokens } from "./masking.js";
import { encoderBlock, type MwmaeParams } from "./params.js";
import { patchify } from "./patches.js";

type Tokens<B extends number> = Tensor<readonly [B, number, number]>;

/** Patch tokens with their positions: `[B, frames, mels] → [B, n, dim]`. */
export const embedPatches =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(x: Tensor<readonly [B, number, number]>): Tokens<B> => {
    const g = geometry(cfg);
    const dim = cfg.encoder.dim;
    // A conv whose kernel covers one patch exactly is a matmul on the patch's values, in the same
    // (time, freq, channel) order as the HWIO kernel's leading axes.
    const kernel = reshape(p.patch_embed.proj.kernel, [g.patchValues, dim]);
    const tokens = linear(patchify(x, cfg.patch) as Tensor<readonly [B, number, number]>, kernel, p.patch_embed.proj.bias);
    const first = cfg.useClsToken ? 1 : 0; // row 0 of the table is the class token's (zeros)
    return add(tokens, slice(p.pos_embed, 1, first, first + g.patches) as Tensor) as Tokens<B>;
  };

/** Prepends `cls_token + pos_embed[0]` when the config uses a class token. */
export const withClsToken =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(tokens: Tokens<B>): Tokens<B> => {
    if (!cfg.useClsToken) return tokens;
    if (p.cls_token === undefined) throw new RangeError("params: the config uses a class token but there is no cls_token");
    const [batch, , dim] = tokens.shape;
    const cls = add(p.cls_token, slice(p.pos_embed, 1, 0, 1));
    return concat([broadcastTo(cls as Tensor, [batch, 1, dim]), tokens as Tensor], 1) as Tokens<B>;
  };

/** The encoder's blocks and final LayerNorm. */
const encoderBlocks =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(x: Tokens<B>): Tokens<B> => {
    let h: Tensor = x;
    for (let i = 0; i < cfg.encoder.depth; i++) h = block(encoderBlock(p, i), { heads: cfg.encoder.heads })(h as Tokens<B>);
    return layerNormLayer(p.encoder_norm)(h as Tokens<B>);
  };

/**
 * The latent of the visible patches `[B, keep (+1 class token), dim]`: embed, add positions, keep
 * `idsKeep` (ascending-noise order), prepend the class token, blocks, LayerNorm.
 */
export const encodeVisible =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(x: Tensor<readonly [B, number, number]>, idsKeep: Tensor<readonly [B, number]>): Tokens<B> =>
    encoderBlocks(p, cfg)(withClsToken(p, cfg)(gatherTokens(embedPatches(p, cfg)(x), idsKeep)));

/** Every patch through the encoder (no masking): `[B, n (+1), dim]`. */
export const encodeAll =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(x: Tensor<readonly [B, number, number]>): Tokens<B> =>
    encoderBlocks(p, cfg)(withClsToken(p, cfg)(embedPatches(p, cfg)(x)));
