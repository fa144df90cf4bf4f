/**
 * @file Laws of reductions and normalising composites, as properties: linearity of sum, sum and max
 * against naive loops, softmax rows on the simplex, layerNorm rows standardised. Tolerances: float64 laws at 1e-12 relative (a few
 * roundings of O(1) values, ~1e-15 each); softmax also in float32, at 1e-6 (rows of ≤ 4 terms, each
 * rounded to 6e-8 relative).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, constant, layerNorm, max, mul, ones, size, softmax, sum, zeros, type Tensor } from "../../src";
import { axisFlags } from "../support/arbitraries";
import { flatOf, indexOf, rowsOf } from "../support/naive";
import { axesOf } from "../support/primitive-specs";
import { domains, pool, runF32, runF64, shapeArb, takeValues } from "../../src/testing";

const NUM_RUNS = 100;

const near = (actual: number, expected: number, rtol: number, scale = 1): void =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rtol * Math.max(scale, Math.abs(expected)));

describe("reduction laws", () => {
  it("sum is linear: Σ(αx + βy) = α·Σx + β·Σy over any axes (float64)", () =>
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3 }),
        axisFlags(3),
        pool,
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (shape, flags, raw, alpha, beta) => {
          const [x, y] = takeValues(raw, [shape, shape], domains.real);
          const axes = axesOf(shape.length, flags) as never;
          const xc = constant(x!, shape);
          const yc = constant(y!, shape);
          const lhs = sum(add(mul(xc, alpha), mul(yc, beta)), axes) as Tensor;
          const rhs = add(mul(sum(xc, axes) as Tensor, alpha), mul(sum(yc, axes) as Tensor, beta));
          const [l, r] = runF64([lhs, rhs]);
          // Scale: the terms' magnitude (α, β ≤ 3, |x|, |y| ≤ 2, ≤ 27 terms), not the possibly cancelled sum.
          Array.from(l!).forEach((v, i) => near(v, r![i]!, 1e-12, 12 * x!.length));
        },
      ),
      { numRuns: NUM_RUNS },
    ));

  it("sum and max over any axes equal loops that add each element into its output cell (float64)", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }), axisFlags(3), pool, (shape, flags, raw) => {
        const [x] = takeValues(raw, [shape], domains.real);
        const axes = axesOf(shape.length, flags);
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const sums = new Array<number>(size(outShape)).fill(0);
        const maxes = new Array<number>(size(outShape)).fill(-Infinity);
        x!.forEach((v, i) => {
          const o = flatOf(
            indexOf(i, shape).map((j, d) => (axes.includes(d) ? 0 : j)),
            outShape,
          );
          sums[o]! += v;
          maxes[o] = Math.max(maxes[o]!, v);
        });
        const xc = constant(x!, shape);
        const [s, m] = runF64([sum(xc, axes as never, true as never) as Tensor, max(xc, axes as never, true as never) as Tensor]);
        Array.from(s!).forEach((v, i) => near(v, sums[i]!, 1e-12, 2 * x!.length));
        expect(Array.from(m!)).toEqual(maxes);
      }),
      { numRuns: NUM_RUNS },
    ));

  it("softmax rows are positive and sum to 1, even for inputs of ±30 (float64 and float32)", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }), pool, (shape, raw) => {
        const [x] = takeValues(raw, [shape], (r) => r.map((u) => 30 * u)); // e^30 overflows nothing: the row max is shifted out
        const y = softmax(constant(x!, shape));
        const width = shape[shape.length - 1]!;
        for (const [values, rtol] of [
          [runF64([y])[0]!, 1e-12],
          [runF32([y])[0]!, 1e-6],
        ] as const) {
          rowsOf(values, width).forEach((row) => {
            row.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
            near(
              row.reduce((a, b) => a + b, 0),
              1,
              rtol,
            );
          });
          // The row maximum always gets the most mass, which is at least 1/width.
          rowsOf(values, width).forEach((row) => expect(Math.max(...row)).toBeGreaterThanOrEqual(1 / width - rtol));
        }
      }),
      { numRuns: NUM_RUNS },
    ));

  it("layerNorm rows (unit scale, zero bias) have mean 0 and biased variance σ²/(σ² + ε) (float64)", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 0, maxRank: 2 }), fc.integer({ min: 2, max: 6 }), pool, (lead, width, raw) => {
        const shape = [...lead, width];
        const [x] = takeValues(raw, [shape], domains.wellSpread); // σ² ≥ 0.01: the ε term stays visible but small
        const epsilon = 1e-6;
        const y = layerNorm(constant(x!, shape) as never, ones([width]) as never, zeros([width]) as never, epsilon);
        const out = rowsOf(runF64([y])[0]!, width);
        rowsOf(x!, width).forEach((row, r) => {
          const mu = row.reduce((a, b) => a + b, 0) / width;
          const sigma2 = row.reduce((a, b) => a + (b - mu) ** 2, 0) / width;
          const o = out[r]!;
          const m = o.reduce((a, b) => a + b, 0) / width;
          const v = o.reduce((a, b) => a + (b - m) ** 2, 0) / width;
          near(m, 0, 1e-12);
          near(v, sigma2 / (sigma2 + epsilon), 1e-12);
          expect(Math.abs(v - 1)).toBeLessThan(1e-4); // ≈ 1, since ε/σ² ≤ 1e-4
        });
      }),
      { numRuns: NUM_RUNS },
    ));
});
