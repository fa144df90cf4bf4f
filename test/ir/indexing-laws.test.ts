/**
 * @file Laws of indexing and products, as properties: gather and scatterAdd are adjoint, matmul is
 * the triple loop, argsort sorts stably, argmax picks the first maximum, and argmax undoes oneHot.
 * Tolerances: float64, 1e-12 relative to the sum of |terms| (O(1) values, ≤ 100 terms, each product
 * rounded to ~1e-16); index results are exact.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { argmax, argsort, constant, gather, matmul, oneHot, scatterAdd, zeros, type Tensor } from "../../src";
import { indicesFrom } from "../support/arbitraries";
import { flatOf, indexOf, inner, matmulNaive, rowsOf } from "../support/naive";
import { domains, matmulPairArb, pool, runF64, shapeArb, takeValues } from "../../src/testing";

const NUM_RUNS = 100;

const absInner = (a: ArrayLike<number>, b: ArrayLike<number>): number => inner(Array.from(a, Math.abs), Array.from(b, Math.abs));

describe("indexing laws", () => {
  it("gather and scatterAdd are adjoint: ⟨gather(x, i), u⟩ = ⟨x, scatterAdd(0, i, u)⟩ (float64)", () =>
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3 }),
        fc.nat({ max: 2 }),
        fc.integer({ min: 1, max: 4 }),
        pool,
        pool,
        (shape, axis, picked, raw, picks) => {
          const a = axis % shape.length;
          const idxShape = shape.map((d, i) => (i === a ? picked : d));
          const count = idxShape.reduce((p, q) => p * q, 1);
          const idx = constant(indicesFrom(picks, count, shape[a]!), idxShape, "i32"); // repeats allowed
          const [x, u] = takeValues(raw, [shape, idxShape], domains.real);
          const [gx, su] = runF64([
            gather(constant(x!, shape), idx, a),
            scatterAdd(zeros(shape) as Tensor, idx, constant(u!, idxShape), a),
          ]);
          const scale = absInner(gx!, u!) + absInner(x!, su!);
          expect(Math.abs(inner(gx!, u!) - inner(x!, su!))).toBeLessThanOrEqual(1e-12 * Math.max(1, scale));
        },
      ),
      { numRuns: NUM_RUNS },
    ));

  it("batched matmul with broadcast batch dims equals the triple loop (float64)", () =>
    fc.assert(
      fc.property(matmulPairArb({ maxBatchRank: 2, maxBatchDim: 2, maxDim: 4 }), pool, ([sa, sb], raw) => {
        const [ba, bb] = [sa.slice(0, -2), sb.slice(0, -2)];
        const [m, k, n] = [sa[sa.length - 2]!, sa[sa.length - 1]!, sb[sb.length - 1]!];
        const [a, b] = takeValues(raw, [sa, sb], domains.real);
        const y = matmul(constant(a!, [...ba, m, k]), constant(b!, [...bb, k, n]) as never) as Tensor;
        const outBatch = y.shape.slice(0, -2);
        expect(y.shape.slice(-2)).toEqual([m, n]);
        const got = runF64([y])[0]!;
        const blocks = outBatch.reduce((p, q) => p * q, 1);
        for (let p = 0; p < blocks; p++) {
          const at = indexOf(p, outBatch);
          // The matrices this batch entry reads, by broadcasting the batch index into each operand.
          const pick = (data: Float64Array, bshape: number[], size: number) => {
            const lead = at.length - bshape.length;
            const off =
              flatOf(
                bshape.map((d, i) => (d === 1 ? 0 : at[lead + i]!)),
                bshape,
              ) * size;
            return data.subarray(off, off + size);
          };
          const expected = matmulNaive(pick(a!, ba, m * k), pick(b!, bb, k * n), m, k, n);
          expected.forEach((e, i) => expect(Math.abs(got[p * m * n + i]! - e)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(e))));
        }
      }),
      { numRuns: NUM_RUNS },
    ));

  it("argsort sorts each row stably and agrees with Array.prototype.sort", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }), pool, fc.boolean(), (shape, raw, withTies) => {
        const [x] = takeValues(raw, [shape], withTies ? domains.ties : domains.real);
        const width = shape[shape.length - 1]!;
        const xc = constant(x!, shape);
        const order = argsort(xc);
        const [ov, sorted] = runF64([order, gather(xc, order, -1)]);
        rowsOf(ov!, width).forEach((perm, r) => {
          const row = rowsOf(x!, width)[r]!;
          expect([...perm].sort((p, q) => p - q)).toEqual(row.map((_, i) => i)); // a permutation
          perm.slice(1).forEach((j, i) => {
            const prev = perm[i]!;
            expect(row[prev]!).toBeLessThanOrEqual(row[j]!); // ascending
            if (row[prev] === row[j]) expect(prev).toBeLessThan(j); // stable: ties keep their order
          });
          expect(perm).toEqual(row.map((_, i) => i).sort((p, q) => row[p]! - row[q]!));
          expect(rowsOf(sorted!, width)[r]).toEqual([...row].sort((p, q) => p - q));
        });
      }),
      { numRuns: NUM_RUNS },
    ));

  it("argmax picks the first maximum of each row", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }), pool, (shape, raw) => {
        const [x] = takeValues(raw, [shape], domains.ties);
        const width = shape[shape.length - 1]!;
        const got = runF64([argmax(constant(x!, shape) as never)])[0]!;
        rowsOf(x!, width).forEach((row, r) => {
          const k = got[r]!;
          expect(row[k]).toBe(Math.max(...row));
          row.slice(0, k).forEach((v) => expect(v).toBeLessThan(row[k]!));
        });
      }),
      { numRuns: NUM_RUNS },
    ));

  it("argmax undoes oneHot", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 0, maxRank: 2 }), fc.integer({ min: 1, max: 6 }), pool, (shape, classes, picks) => {
        const count = shape.reduce((p, q) => p * q, 1);
        const idx = indicesFrom(picks, count, classes);
        const back = argmax(oneHot(constant(idx, shape, "i32"), classes) as never);
        expect(Array.from(runF64([back])[0]!)).toEqual(Array.from(idx));
      }),
      { numRuns: NUM_RUNS },
    ));
});
