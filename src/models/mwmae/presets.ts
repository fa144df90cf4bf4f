/**
 * @file The paper's configurations: encoder sizes tiny…huge, the patch sizes of its ablations, decoder
 * depths 1/2/4/8, MW-MAE or plain MAE. `preset()` builds a checked config from those names; the
 * defaults give MW-MAE-base with 4×16 patches on 200×80 log-mels (DESIGN.md §2).
 */

import { configProblems, type MwmaeConfig, type Windows } from "./config.js";

/** Encoder width / depth / heads per size (the official `encoder_configs`). */
export const encoderSizes = {
  tiny: { dim: 192, depth: 12, heads: 3 },
  small: { dim: 384, depth: 12, heads: 6 },
  medium: { dim: 512, depth: 12, heads: 8 },
  base: { dim: 768, depth: 12, heads: 12 },
  large: { dim: 1024, depth: 24, heads: 16 },
  huge: { dim: 1280, depth: 32, heads: 16 },
} as const;
/** An encoder size from the paper: `"tiny"`, `"small"`, `"medium"`, `"base"`, `"large"` or `"huge"`. */
export type EncoderSize = keyof typeof encoderSizes;

/** Patch sizes (time × frequency) the paper compares. */
export const patchSizes = {
  "4x16": { time: 4, freq: 16 },
  "5x5": { time: 5, freq: 5 },
  "8x16": { time: 8, freq: 16 },
  "8x8": { time: 8, freq: 8 },
  "4x8": { time: 4, freq: 8 },
} as const;
/** A patch size (time frames × mel bins) from the paper's ablations, e.g. `"4x16"` (the default) or `"5x5"`. */
export type PatchPreset = keyof typeof patchSizes;

/** Decoder depths (blocks) the paper compares; 4 is the default. */
export const decoderDepths = [1, 2, 4, 8] as const;
/** A decoder depth from the paper: 1, 2, 4 or 8 blocks. */
export type DecoderDepth = (typeof decoderDepths)[number];

/**
 * Options of `preset`; each omitted one takes the paper's default (MW-MAE, base encoder, 4×16 patches, decoder depth 4, auto windows, mask
 * ratio 0.8, no class token).
 */
export interface PresetOptions {
  /** `"mwmae"` (multi-window decoder, default) or `"mae"` (standard attention). */
  readonly kind?: MwmaeConfig["kind"];
  /** Encoder size; default `"base"` (768 wide, 12 blocks, 12 heads). */
  readonly encoder?: EncoderSize;
  /** Patch size; default `"4x16"`. */
  readonly patch?: PatchPreset;
  /** Decoder blocks; default 4. */
  readonly decoderDepth?: DecoderDepth;
  /** Decoder window per head in patches (0 = global), or `"auto"` (default, DESIGN §2's rule). */
  readonly windows?: Windows;
  /** Fraction of patches hidden from the encoder, in (0, 1); default 0.8. */
  readonly maskRatio?: number;
  /** Prepend a learned class token; default false. */
  readonly useClsToken?: boolean;
}

/**
 * A paper configuration by name. Throws if the combination is inconsistent (e.g. explicit windows that
 * do not divide the patch count): presets are code, not outside data.
 * @example
 * const cfg = preset({ encoder: "tiny", patch: "5x5" }); // MW-MAE-tiny, 40×16 patches, auto windows
 */
export const preset = (options: PresetOptions = {}): MwmaeConfig => {
  const cfg: MwmaeConfig = {
    kind: options.kind ?? "mwmae",
    input: { frames: 200, mels: 80 },
    patch: { ...patchSizes[options.patch ?? "4x16"] },
    encoder: { ...encoderSizes[options.encoder ?? "base"] },
    decoder: { dim: 384, depth: options.decoderDepth ?? 4, heads: 8, windows: options.windows ?? "auto" },
    mlpRatio: 4,
    maskRatio: options.maskRatio ?? 0.8,
    useClsToken: options.useClsToken ?? false,
  };
  const problems = configProblems(cfg);
  if (problems.length > 0) throw new RangeError(`preset: ${problems.join("; ")}`);
  return cfg;
};
