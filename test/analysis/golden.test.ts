/**
 * @file The analysis measures against analysis.json (an independent numpy implementation in float64,
 * test/golden/README.md): every CCA case (canonical correlations, mean CCA, PWCCA with its weights and
 * side, linear CKA) and every attention map (entropy, distance in tokens and on the grid).
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { attentionStats, cca, linearCka } from "../../src/analysis";
import { GoldenArray, hostOf, maxAbsDiff, readGolden } from "../support/golden";

const CcaCase = t.type({
  name: t.string,
  epsilon: t.number,
  X: GoldenArray,
  Y: GoldenArray,
  rho: t.array(t.number),
  mean_cca: t.number,
  pwcca: t.number,
  pwcca_weights: t.array(t.number),
  pwcca_side: t.union([t.literal("X"), t.literal("Y")]),
  cka_linear: t.number,
});

const Analysis = t.type({
  cca_cases: t.array(CcaCase),
  attention: t.type({
    grid: t.tuple([t.number, t.number]),
    windows: t.array(t.number),
    A: GoldenArray,
    entropy: t.array(t.number),
    distance_tokens: t.array(t.number),
    distance_grid: t.array(t.number),
  }),
});

const golden = readGolden("analysis.json", Analysis);

/** Both sides are float64 computations of the same definitions; the gap is rounding in the decompositions (seen: ≤ 1e-13). */
const tol = 1e-12;
/**
 * PWCCA's weights: in the identical and invertible-map cases every ρ is 1 − ~1e-6 to within 1e-13, so
 * the canonical directions are defined only up to a rotation among them and the weights move by up to
 * 6e-10 between implementations (PWCCA itself, Σ αᵢρᵢ, does not: ≤ 3e-15).
 */
const weightTol = 1e-8;

describe("analysis.json", () => {
  it("holds the five CCA cases and seven attention heads", () => {
    expect(golden.cca_cases.map((c) => c.name)).toEqual([
      "linear_plus_noise",
      "identical",
      "invertible_map",
      "independent",
      "wider_x_than_y",
    ]);
    expect(golden.attention.A.shape).toEqual([7, 12, 12]);
  });

  describe.each(golden.cca_cases)("CCA case $name", (c) => {
    const x = hostOf(c.X);
    const y = hostOf(c.Y);
    const r = cca(x, y, { epsilon: c.epsilon });

    it(`matches rho and mean CCA within ${tol}`, () => {
      expect(r.rho.length).toBe(c.rho.length);
      expect(maxAbsDiff(r.rho, c.rho)).toBeLessThan(tol);
      expect(Math.abs(r.meanCca - c.mean_cca)).toBeLessThan(tol);
    });

    it(`matches PWCCA and its side within ${tol}, its weights within ${weightTol}`, () => {
      expect(r.pwccaSide).toBe(c.pwcca_side);
      expect(maxAbsDiff(r.pwccaWeights, c.pwcca_weights)).toBeLessThan(weightTol);
      expect(Math.abs(r.pwcca - c.pwcca)).toBeLessThan(tol);
    });

    it(`matches linear CKA within ${tol}`, () => {
      expect(Math.abs(linearCka(x, y) - c.cka_linear)).toBeLessThan(tol);
    });
  });

  it(`matches entropy, token distance and grid distance of every head within ${tol}`, () => {
    const a = golden.attention;
    const stats = attentionStats(hostOf(a.A), { grid: a.grid });
    expect(maxAbsDiff(stats.entropy, a.entropy)).toBeLessThan(tol);
    expect(maxAbsDiff(stats.distanceTokens, a.distance_tokens)).toBeLessThan(tol);
    expect(maxAbsDiff(stats.distanceGrid!, a.distance_grid)).toBeLessThan(tol);
  });
});
