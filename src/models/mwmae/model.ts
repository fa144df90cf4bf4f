/**
 * @file Pre-training forward pass and loss, as the official `forward_mae` and `mae_loss`: mask from
 * noise, encode the visible patches, decode every patch, and the mean squared error per patch on the
 * unnormalised target, averaged over the masked patches only.
 */

import { div, mean, mul, square, stopGradient, sub, sum, type Tensor } from "../../ir/index.js";
import { geometry, type MwmaeConfig } from "./config.js";
import { decode } from "./decoder.js";
import { encodeVisible } from "./encoder.js";
import { maskFromNoise } from "./masking.js";
import type { MwmaeParams } from "./params.js";
import { patchify } from "./patches.js";

/** Everything `forwardMae` computes, with its typed shapes. */
export interface MaeOutputs<B extends number> {
  /** Encoder output on the visible patches, `[B, keep (+1), dim]`. */
  readonly latent: Tensor<readonly [B, number, number]>;
  /** Predicted values of every patch, `[B, n, patch values]`. */
  readonly pred: Tensor<readonly [B, number, number]>;
  /** The input's patches, `[B, n, patch values]` (no gradient flows into them). */
  readonly target: Tensor<readonly [B, number, number]>;
  /** 1 on masked patches, `[B, n]`. */
  readonly mask: Tensor<readonly [B, number]>;
  readonly idsRestore: Tensor<readonly [B, number]>;
  readonly idsKeep: Tensor<readonly [B, number]>;
}

/**
 * The masked-autoencoder pass on log-mels `[B, frames, mels]` with masking noise `[B, n]` (draw it
 * with `maskingNoise(key, B, n)`).
 * @example
 * const { pred, mask } = forwardMae(params, cfg)(logmels, noise); // [8, 250, 64], [8, 250]
 */
export const forwardMae =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(x: Tensor<readonly [B, number, number]>, noise: Tensor<readonly [B, number]>): MaeOutputs<B> => {
    const { idsRestore, idsKeep, mask } = maskFromNoise(noise, geometry(cfg).keep);
    const latent = encodeVisible(p, cfg)(x, idsKeep);
    const pred = decode(p, cfg)(latent, idsRestore);
    const target = patchify(stopGradient(x as Tensor) as Tensor<readonly [B, number, number]>, cfg.patch);
    return { latent, pred, target, mask, idsRestore, idsKeep };
  };

/**
 * Mean over masked patches of the per-patch mean squared error (targets not normalised).
 * @example
 * const loss = maeLoss(pred, target, mask); // Tensor<readonly []>
 */
export const maeLoss = <B extends number>(
  pred: Tensor<readonly [B, number, number]>,
  target: Tensor<readonly [B, number, number]>,
  mask: Tensor<readonly [B, number]>,
): Tensor<readonly []> => {
  const perPatch = mean(square(sub(pred as Tensor, target as Tensor)), [-1]);
  return div(sum(mul(perPatch, mask as Tensor)), sum(mask as Tensor)) as Tensor<readonly []>;
};

/** The pre-training objective as a function of the parameters (for `valueAndGrad`). */
export const pretrainLoss =
  (cfg: MwmaeConfig) =>
  <B extends number>(p: MwmaeParams, x: Tensor<readonly [B, number, number]>, noise: Tensor<readonly [B, number]>): Tensor<readonly []> => {
    const { pred, target, mask } = forwardMae(p, cfg)(x, noise);
    return maeLoss(pred, target, mask);
  };
