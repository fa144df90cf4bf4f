/**
 * @file The model with literal shapes. A decoded config is dynamic (its dims are `number`), and types
 * do no arithmetic (STYLE §5), so products like the patch count cannot be computed by the checker.
 * Instead the dims are named once, as a literal record, and checked against the config at run time
 * (Dex-style "name the dims once"): from then on every step has a fully literal type, e.g.
 * `pred: Tensor<readonly [8, 250, 64]>`, and a mistake such as feeding a 100-frame crop is a compile
 * error at the call site.
 */

import type { Tensor } from "../../ir/index.js";
import { geometry, type MwmaeConfig } from "./config.js";
import { decode } from "./decoder.js";
import { encodeVisible } from "./encoder.js";
import { forwardFeatures } from "./features.js";
import { maeLoss } from "./model.js";
import { maskFromNoise } from "./masking.js";
import type { MwmaeParams } from "./params.js";
import { patchify, unpatchify } from "./patches.js";

/** The dims of one configuration, named once. */
export interface ModelDims {
  /** Input crop: frames × mel bins. */
  readonly frames: number;
  readonly mels: number;
  /** n, and values per patch. */
  readonly patches: number;
  readonly patchValues: number;
  /** Visible patches, and encoder output tokens (keep, +1 with a class token). */
  readonly keep: number;
  readonly latentTokens: number;
  readonly dim: number;
  readonly decoderDim: number;
  /** Feature frames (time patches) and width per frame (frequency patches · dim). */
  readonly featureFrames: number;
  readonly featureWidth: number;
}

/** The dims a config implies (what `typedModel` checks its literal record against). */
export const dimsOf = (cfg: MwmaeConfig): ModelDims => {
  const g = geometry(cfg);
  return {
    frames: cfg.input.frames,
    mels: cfg.input.mels,
    patches: g.patches,
    patchValues: g.patchValues,
    keep: g.keep,
    latentTokens: g.keep + (cfg.useClsToken ? 1 : 0),
    dim: cfg.encoder.dim,
    decoderDim: cfg.decoder.dim,
    featureFrames: g.grid[0],
    featureWidth: g.grid[1] * cfg.encoder.dim,
  };
};

/** The model's steps with literal shapes `D`; the batch `B` comes from the input's type. */
export interface TypedModel<D extends ModelDims> {
  /** The literal dims this model was checked against. */
  readonly dims: D;
  /** Log-mels `[B, frames, mels]` → patches `[B, patches, patchValues]`, row-major over the patch grid. */
  readonly patchify: <B extends number>(
    x: Tensor<readonly [B, D["frames"], D["mels"]]>,
  ) => Tensor<readonly [B, D["patches"], D["patchValues"]]>;
  /** Patches back to log-mels; the inverse of `patchify`. */
  readonly unpatchify: <B extends number>(
    p: Tensor<readonly [B, D["patches"], D["patchValues"]]>,
  ) => Tensor<readonly [B, D["frames"], D["mels"]]>;
  /** The masking that uniform noise `[B, patches]` implies: the `keep` lowest-noise patches stay visible. */
  readonly mask: <B extends number>(
    noise: Tensor<readonly [B, D["patches"]]>,
  ) => {
    readonly idsKeep: Tensor<readonly [B, D["keep"]]>;
    readonly idsRestore: Tensor<readonly [B, D["patches"]]>;
    readonly mask: Tensor<readonly [B, D["patches"]]>;
  };
  /** The encoder on the visible patches `idsKeep`: latent tokens `[B, latentTokens, dim]`. */
  readonly encode: <B extends number>(
    x: Tensor<readonly [B, D["frames"], D["mels"]]>,
    idsKeep: Tensor<readonly [B, D["keep"]]>,
  ) => Tensor<readonly [B, D["latentTokens"], D["dim"]]>;
  /** The decoder: latent tokens and the restore order to predicted patch values `[B, patches, patchValues]`. */
  readonly decode: <B extends number>(
    latent: Tensor<readonly [B, D["latentTokens"], D["dim"]]>,
    idsRestore: Tensor<readonly [B, D["patches"]]>,
  ) => Tensor<readonly [B, D["patches"], D["patchValues"]]>;
  /** Mean squared error per patch, averaged over the masked patches (mask = 1): a scalar. */
  readonly loss: <B extends number>(
    pred: Tensor<readonly [B, D["patches"], D["patchValues"]]>,
    target: Tensor<readonly [B, D["patches"], D["patchValues"]]>,
    mask: Tensor<readonly [B, D["patches"]]>,
  ) => Tensor<readonly []>;
  /** Per-time-frame features of unmasked log-mels, `[B, featureFrames, featureWidth]` (what HEAR embeddings are built from). */
  readonly features: <B extends number>(
    x: Tensor<readonly [B, D["frames"], D["mels"]]>,
  ) => Tensor<readonly [B, D["featureFrames"], D["featureWidth"]]>;
}

/**
 * The model for `params` and `cfg` with the literal dims `dims`; throws naming the first dim that
 * does not match the config.
 * @example
 * const m = typedModel(params, preset(), { frames: 200, mels: 80, patches: 250, patchValues: 64, keep: 50,
 *   latentTokens: 50, dim: 768, decoderDim: 384, featureFrames: 50, featureWidth: 3840 } as const);
 * const pred = m.decode(latent, idsRestore); // Tensor<readonly [B, 250, 64]>
 */
export const typedModel = <const D extends ModelDims>(p: MwmaeParams, cfg: MwmaeConfig, dims: D): TypedModel<D> => {
  const actual = dimsOf(cfg);
  (Object.keys(actual) as Array<keyof ModelDims>).forEach((k) => {
    if (actual[k] !== dims[k]) throw new RangeError(`typedModel: dims.${k} is ${dims[k]}, the config gives ${actual[k]}`);
  });
  // Each step's run-time shape follows from the config, just checked against `dims`; the casts only
  // restore those literal dims.
  return {
    dims,
    patchify: (x) => patchify(x, cfg.patch) as never,
    unpatchify: (x) => unpatchify(x, cfg.patch, dims.frames, dims.mels) as never,
    mask: (noise) => maskFromNoise(noise, dims.keep) as never,
    encode: (x, idsKeep) => encodeVisible(p, cfg)(x, idsKeep) as never,
    decode: (latent, idsRestore) => decode(p, cfg)(latent, idsRestore) as never,
    loss: (pred, target, mask) => maeLoss(pred, target, mask),
    features: (x) => forwardFeatures(p, cfg)(x) as never,
  };
};
