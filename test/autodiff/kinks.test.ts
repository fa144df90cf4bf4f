/**
 * @file Gradients at kinks, where finite differences cannot decide and the documented convention
 * must hold: max shares the cotangent equally among tied maxima (JAX), maximum and minimum give a tie
 * to the left operand, relu'(0) = 1 and abs'(0) = 1. Inputs are small integers, so ties and zeros are
 * common; results are exact (float64, a division by a small count at most).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { abs, backprop, constant, max, maximum, minimum, relu, type Tensor } from "../../src";
import { axisFlags } from "../support/arbitraries";
import { flatOf, indexOf } from "../support/naive";
import { axesOf } from "../support/primitive-specs";
import { domains, pool, runF64, shapeArb, takeValues } from "../../src/testing";

const NUM_RUNS = 100;

/** Cotangents of `xs` for `f` at cotangent `c` (float64 values). */
const cotangents = (f: (xs: ReadonlyArray<Tensor>) => Tensor, xs: ReadonlyArray<Tensor>, c: Float64Array): number[][] => {
  const y = f(xs);
  return runF64(backprop([y], [constant(c, y.shape)], xs)).map((g) => Array.from(g, (v) => v + 0));
};

describe("gradients at kinks", () => {
  it("max shares the cotangent equally among the tied maxima", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }), axisFlags(3), pool, (shape, flags, raw) => {
        const [x, c] = takeValues(raw, [shape, shape], domains.ties);
        const axes = axesOf(shape.length, flags);
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const cell = (i: number): number =>
          flatOf(
            indexOf(i, shape).map((j, d) => (axes.includes(d) ? 0 : j)),
            outShape,
          );
        const best = new Map<number, number>();
        x!.forEach((v, i) => best.set(cell(i), Math.max(best.get(cell(i)) ?? -Infinity, v)));
        const ties = new Map<number, number>();
        x!.forEach((v, i) => v === best.get(cell(i)) && ties.set(cell(i), (ties.get(cell(i)) ?? 0) + 1));
        const ct = c!.subarray(
          0,
          outShape.reduce((p, q) => p * q, 1),
        );
        const [g] = cotangents(([v]) => max(v!, axes as never, true as never) as Tensor, [constant(x!, shape)], ct);
        expect(g).toEqual(Array.from(x!, (v, i) => (v === best.get(cell(i)) ? ct[cell(i)]! / ties.get(cell(i))! : 0) + 0));
      }),
      { numRuns: NUM_RUNS },
    ));

  it("maximum and minimum give the whole cotangent to the left operand on ties", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 0, maxRank: 3 }), pool, (shape, raw) => {
        const [a, b, c] = takeValues(raw, [shape, shape, shape], domains.ties);
        const xs = [constant(a!, shape), constant(b!, shape)];
        const [ga, gb] = cotangents(([p, q]) => maximum(p!, q!), xs, c!);
        expect(ga).toEqual(Array.from(a!, (v, i) => (v >= b![i]! ? c![i]! : 0) + 0));
        expect(gb).toEqual(Array.from(a!, (v, i) => (v >= b![i]! ? 0 : c![i]!) + 0));
        const [ha, hb] = cotangents(([p, q]) => minimum(p!, q!), xs, c!);
        expect(ha).toEqual(Array.from(a!, (v, i) => (v <= b![i]! ? c![i]! : 0) + 0));
        expect(hb).toEqual(Array.from(a!, (v, i) => (v <= b![i]! ? 0 : c![i]!) + 0));
      }),
      { numRuns: NUM_RUNS },
    ));

  it("relu'(x) = [x ≥ 0] and abs'(x) = sign(x) with sign(0) = 1", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 0, maxRank: 3 }), pool, (shape, raw) => {
        const [x, c] = takeValues(raw, [shape, shape], domains.ties);
        const [gr] = cotangents(([v]) => relu(v!), [constant(x!, shape)], c!);
        const [ga] = cotangents(([v]) => abs(v!), [constant(x!, shape)], c!);
        expect(gr).toEqual(Array.from(x!, (v, i) => (v >= 0 ? c![i]! : 0) + 0));
        expect(ga).toEqual(Array.from(x!, (v, i) => (v >= 0 ? c![i]! : -c![i]!) + 0));
      }),
      { numRuns: NUM_RUNS },
    ));
});
