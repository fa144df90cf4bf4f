/**
 * @file fast-check arbitraries of small MW-MAE / MAE configs: a printable record of small integers
 * (grid, patch, widths, heads, window choices) mapped to a checked `MwmaeConfig`, so a failure shrinks
 * to the smallest grid and model rather than through dependent draws.
 */

import fc from "fast-check";
import { configProblems, type MwmaeConfig } from "../../src/models/mwmae";
import { properFactors } from "../../src/nn";

/** The drawn description; every field shrinks towards the smallest model. */
export interface SmallModel {
  readonly kind: "mwmae" | "mae";
  readonly grid: readonly [number, number];
  readonly patch: readonly [number, number];
  readonly encHeads: number;
  readonly encWidthPerHead: number;
  readonly decHeads: number;
  readonly decWidthPerHead: number;
  readonly decDepth: number;
  /** Index per head into [0, ...factors of n, n]; `null` = auto windows. */
  readonly windowPicks: ReadonlyArray<number> | null;
  readonly ratio: number;
  readonly cls: boolean;
  readonly batch: number;
  readonly seed: number;
}

export const smallModelArb: fc.Arbitrary<SmallModel> = fc.record({
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

/** The config a description stands for (class token only for the plain MAE, as MW-MAE forbids it). */
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

/** Small models whose config is valid (the ratio can leave no visible patch on 2-patch grids). */
export const validSmallModelArb: fc.Arbitrary<SmallModel> = smallModelArb.filter((m) => configProblems(configOf(m)).length === 0);
