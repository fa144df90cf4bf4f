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
export type EncoderSize = keyof typeof encoderSizes;

/** Patch sizes (time × frequency) the paper compares. */
export const patchSizes = {
  "4x16": { time: 4, freq: 16 },
  "5x5": { time: 5, freq: 5 },
  "8x16": { time: 8, freq: 16 },
  "8x8": { time: 8, freq: 8 },
  "4x8": { time: 4, freq: 8 },
} as const;
export type PatchPreset = keyof typeof patchSizes;

export const decoderDepths = [1, 2, 4, 8] as const;
export type DecoderDepth = (typeof decoderDepths)[number];

export interface PresetOptions {
  readonly kind?: MwmaeConfig["kind"];
  readonly encoder?: EncoderSize;
  readonly patch?: PatchPreset;
  readonly decoderDepth?: DecoderDepth;
  readonly windows?: Windows;
  readonly maskRatio?: number;
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
