/**
 * @file Features as the official `forward_features`: every patch through the encoder without masking,
 * the final LayerNorm, the class token dropped, and the tokens regrouped per time patch: `[B, T', F'·dim]`
 * (50 × 5·dim for 200×80 input with 4×16 patches), frequency-major within a frame (`b (t f) d → b t (f d)`).
 */

import { reshape, slice, type Tensor } from "../../ir/index.js";
import { geometry, type MwmaeConfig } from "./config.js";
import { encodeAll } from "./encoder.js";
import type { MwmaeParams } from "./params.js";

/**
 * Per-time-frame embeddings of log-mels `[B, frames, mels]`.
 * @example
 * forwardFeatures(params, preset())(logmels); // [B, 200, 80] → [B, 50, 3840]
 */
export const forwardFeatures =
  (p: MwmaeParams, cfg: MwmaeConfig) =>
  <B extends number>(x: Tensor<readonly [B, number, number]>): Tensor<readonly [B, number, number]> => {
    const g = geometry(cfg);
    const h: Tensor = encodeAll(p, cfg)(x);
    const patches = cfg.useClsToken ? slice(h, 1, 1, h.shape[1]!) : h;
    return reshape(patches, [x.shape[0], g.grid[0], g.grid[1] * cfg.encoder.dim]) as never;
  };
