/**
 * @file Algebraic laws of the movement ops and of broadcasting, as properties. Movement only copies
 * values, so these laws hold exactly, in float32 as in float64; broadcasting is compared in float64
 * against an explicit expansion (the same scalar operation on the same operands: exactly equal).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, concat, constant, div, maximum, mul, padAll, permute, pow, reshape, sliceAll, sub, type Tensor } from "../../src";
import { axisFlags, inversePermutation, permKeys, permutationOf, regroup } from "../support/arbitraries";
import { flatOf, indexOf, zipBroadcast } from "../support/naive";
import { broadcastDraw, broadcastShapesOf } from "../support/primitive-specs";
import { mixedArgs } from "../support/spec";
import { type Domain, domains, pool, runF32, runF64, shapeArb, takeValues } from "../../src/testing";

const NUM_RUNS = 100;

/** Values as float32 holds them: the exact result of any pure copy in the f32 interpreter. */
const f32 = (x: ArrayLike<number>): number[] => Array.from(Float32Array.from(x));

describe("movement laws", () => {
  it("reshape to any regrouping and back is the identity", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 0, maxRank: 4 }), permKeys(), axisFlags(), pool, (shape, keys, merges, raw) => {
        const [x] = takeValues(raw, [shape], domains.real);
        const back = reshape(reshape(constant(x!, shape), regroup(shape, keys, merges)), shape);
        expect(back.shape).toEqual(shape);
        expect(Array.from(runF32([back])[0]!)).toEqual(f32(x!));
      }),
      { numRuns: NUM_RUNS },
    ));

  it("permute by p then by p⁻¹ is the identity, and p moves element [i…] to [p(i)…]", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 0, maxRank: 4 }), permKeys(), pool, (shape, keys, raw) => {
        const [x] = takeValues(raw, [shape], domains.real);
        const p = permutationOf(shape.length, keys);
        const y = permute(constant(x!, shape), p as never) as Tensor;
        const back = permute(y, inversePermutation(p) as never) as Tensor;
        const [yv, bv] = runF32([y, back]);
        expect(back.shape).toEqual(shape);
        expect(Array.from(bv!)).toEqual(f32(x!));
        // Naive index map: out[j₀…] = x[i] with i[p[k]] = j[k].
        Array.from(yv!).forEach((v, flat) => {
          const j = indexOf(flat, y.shape);
          const i = new Array<number>(shape.length);
          p.forEach((a, k) => (i[a] = j[k]!));
          expect(v).toBe(Math.fround(x![flatOf(i, shape)]!));
        });
      }),
      { numRuns: NUM_RUNS },
    ));

  it("slice of pad at the padding offsets is the identity, and the border is zero", () =>
    fc.assert(
      fc.property(
        shapeArb({ minRank: 0, maxRank: 3 }),
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { minLength: 3, maxLength: 3 }),
        pool,
        (shape, widths, raw) => {
          const [x] = takeValues(raw, [shape], domains.real);
          const lo = shape.map((_, i) => widths[i]![0]);
          const hi = shape.map((_, i) => widths[i]![1]);
          const padded = padAll(constant(x!, shape), lo, hi);
          const back = sliceAll(
            padded,
            lo,
            shape.map((d, i) => lo[i]! + d),
          );
          const [pv, bv] = runF32([padded, back]);
          expect(Array.from(bv!)).toEqual(f32(x!));
          Array.from(pv!).forEach((v, flat) => {
            const at = indexOf(flat, padded.shape).map((j, d) => j - lo[d]!);
            const inside = at.every((j, d) => j >= 0 && j < shape[d]!);
            expect(v).toBe(inside ? Math.fround(x![flatOf(at, shape)]!) : 0);
          });
        },
      ),
      { numRuns: NUM_RUNS },
    ));

  it("concat then slice gives the parts back", () =>
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3 }),
        fc.nat({ max: 2 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        pool,
        (shape, axis, parts, raw) => {
          const a = axis % shape.length;
          const shapes = parts.map((p) => shape.map((d, i) => (i === a ? p : d)));
          const xs = takeValues(raw, shapes, domains.real);
          const joined = concat(
            xs.map((x, k) => constant(x, shapes[k]!)),
            a as never,
          ) as Tensor;
          let at = 0;
          const back = shapes.map((s) => {
            const piece = sliceAll(
              joined,
              s.map((_, i) => (i === a ? at : 0)),
              s.map((d, i) => (i === a ? at + d : d)),
            );
            at += s[a]!;
            return piece;
          });
          expect(joined.shape[a]).toBe(at);
          runF32(back).forEach((v, k) => expect(Array.from(v)).toEqual(f32(xs[k]!)));
        },
      ),
      { numRuns: NUM_RUNS },
    ));
});

const binaryCases: ReadonlyArray<{
  name: string;
  op: (a: Tensor, b: Tensor) => Tensor;
  scalar: (a: number, b: number) => number;
  doms: [Domain, Domain];
}> = [
  { name: "add", op: add, scalar: (a, b) => a + b, doms: [domains.real, domains.real] },
  { name: "sub", op: sub, scalar: (a, b) => a - b, doms: [domains.real, domains.real] },
  { name: "mul", op: mul, scalar: (a, b) => a * b, doms: [domains.real, domains.real] },
  { name: "div", op: div, scalar: (a, b) => a / b, doms: [domains.real, domains.awayFromZero] },
  { name: "pow", op: pow, scalar: Math.pow, doms: [domains.positive, domains.real] },
  { name: "maximum", op: maximum, scalar: Math.max, doms: [domains.ties, domains.ties] },
];

describe("broadcasting equals explicit expansion", () => {
  it.each(binaryCases)("$name(a, b) matches a loop over the broadcast index space (float64)", ({ op, scalar, doms }) =>
    fc.assert(
      fc.property(broadcastDraw, (d) => {
        const shapes = broadcastShapesOf(d);
        const [a, b] = mixedArgs(d.raw, shapes, doms);
        const y = op(constant(a!.data, a!.shape), constant(b!.data, b!.shape));
        const expected = zipBroadcast(a!, b!, scalar);
        expect(y.shape).toEqual(expected.shape);
        expect(Array.from(runF64([y])[0]!)).toEqual(expected.data);
      }),
      { numRuns: NUM_RUNS },
    ),
  );
});
