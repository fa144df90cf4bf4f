/**
 * @file fast-check arbitraries of small MW-MAE / MAE configs: a printable record of small integers
 * (grid, patch, widths, heads, window choices) mapped to a checked `MwmaeConfig`, so a failure shrinks
 * to the smallest grid and model rather than through dependent draws.
 */

import fc from "fast-check";
import { configProblems, type MwmaeConfig } from "../models/mwmae/index.js";
import { properFactors } from "../nn/index.js";

/** The drawn description of a small model and a batch to run it on; every field shrinks towards the smallest. */
export interface SmallModel {
  /** `mwmae` (multi-window decoder) or `mae` (standard decoder). */
  readonly kind: "mwmae" | "mae";
  /** Patch grid, time × frequency. */
  readonly grid: readonly [number, number];
  /** Patch size, frames × mel bins. */
  readonly patch: readonly [number, number];
  /** Encoder heads. */
  readonly encHeads: number;
  /** Encoder width per head. */
  readonly encWidthPerHead: number;
  /** Decoder heads. */
  readonly decHeads: number;
  /** Decoder width per head. */
  readonly decWidthPerHead: number;
  /** Decoder blocks. */
  readonly decDepth: number;
  /** Index per head into [0, ...proper factors of n, n]; `null` = the `"auto"` windows. */
  readonly windowPicks: ReadonlyArray<number> | null;
  /** Mask ratio. */
  readonly ratio: number;
  /** Class token (plain MAE only: MW-MAE forbids it). */
  readonly cls: boolean;
  /** Batch size to run the model on. */
  readonly batch: number;
  /** Seed for parameters, inputs and masking noise. */
  readonly seed: number;
}

/** Every small model description, valid or not (a ratio can leave no visible patch on a 2-patch grid). */
export const anySmallModelArb: fc.Arbitrary<SmallModel> = fc.record({
  kind: fc.constantFrom("mwmae" as const, "mae" as const),
  grid: fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 })),
  patch: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  encHeads: fc.integer({ min: 1, max: 2 }),
  encWidthPerHead: fc.constantFrom(4, 8),
  decHeads: fc.integer({ min: 1, max: 3 }),
  decWidthPerHead: fc.constantFrom(2, 4),
  decDepth: fc.integer({ min: 1, max: 2 }),
  windowPicks: fc.option(fc.array(fc.nat({ max: 9 }), { minLength: 3, maxLength: 3 }), { nil: null }),
  ratio: fc.constantFrom(0.5, 0.25, 0.75),
  cls: fc.boolean(),
  batch: fc.integer({ min: 1, max: 2 }),
  seed: fc.nat(),
});

/**
 * The config a description stands for: input = grid × patch, one encoder block, windows picked among
 * 0 (global), the proper factors of the patch count and the patch count itself.
 */
export const configOf = (m: SmallModel): MwmaeConfig => {
  const n = m.grid[0] * m.grid[1];
  const choices = [0, ...properFactors(n), n];
  const windows =
    m.windowPicks === null
      ? ("auto" as const)
      : Array.from({ length: m.decHeads }, (_, i) => choices[m.windowPicks![i]! % choices.length]!);
  return {
    kind: m.kind,
    input: { frames: m.grid[0] * m.patch[0], mels: m.grid[1] * m.patch[1] },
    patch: { time: m.patch[0], freq: m.patch[1] },
    encoder: { dim: m.encHeads * m.encWidthPerHead, depth: 1, heads: m.encHeads },
    decoder: { dim: m.decHeads * m.decWidthPerHead, depth: m.decDepth, heads: m.decHeads, windows },
    mlpRatio: 2,
    maskRatio: m.ratio,
    useClsToken: m.kind === "mae" && m.cls,
  };
};

/**
 * Small models whose config passes `configProblems`: at most 12 patches of at most 9 values, widths up
 * to 16, so a forward and backward pass takes milliseconds on the reference interpreter.
 * @example
 * fc.assert(fc.property(smallModelArb, (m) => geometry(configOf(m)).keep >= 1));
 */
export const smallModelArb: fc.Arbitrary<SmallModel> = anySmallModelArb.filter((m) => configProblems(configOf(m)).length === 0);

/**
 * Valid small MW-MAE / MAE configs (`smallModelArb` without the batch and seed).
 * @example
 * fc.assert(fc.property(mwmaeConfigArb, (cfg) => configProblems(cfg).length === 0));
 */
export const mwmaeConfigArb: fc.Arbitrary<MwmaeConfig> = smallModelArb.map(configOf);
