/**
 * @file The composite spec table, typed over the exports of `src/ir/composites` (plus `abs` and
 * `minimum`, which live beside the binary ops): a composite without a spec does not compile.
 * Composites have no VJP of their own, so their checks test the primitives' rules in combination;
 * index-valued composites (oneHot, argmax, argsort) are checked for values.
 */

import fc from "fast-check";
import {
  abs,
  argmax,
  argsort,
  constant,
  gelu,
  geluExact,
  layerNorm,
  linear,
  logsumexp,
  logSoftmax,
  mean,
  minimum,
  mse,
  oneHot,
  relu,
  rsqrt,
  sigmoid,
  softmax,
  square,
  variance,
  type Tensor,
} from "../../src";
import type * as composites from "../../src/ir/composites";
import { domains, pool, shapeArb, takeValues, type Domain } from "../../src/testing";
import { axisFlags, indicesFrom } from "./arbitraries";
import { rowsOf } from "./naive";
import { axesOf, broadcastDraw, broadcastShapesOf } from "./primitive-specs";
import { argsOf, mixedArgs, valueSpec, vjpSpec, type Spec } from "./spec";

export type CompositeName = keyof typeof composites | "abs" | "minimum";

const unaryDraw = fc.record({ shape: shapeArb({ minRank: 0, maxRank: 3 }), raw: pool });
const rowsDraw = fc.record({ shape: shapeArb({ minRank: 1, maxRank: 3 }), raw: pool });
const reduceDraw = fc.record({ shape: shapeArb({ minRank: 1, maxRank: 3 }), axes: axisFlags(3), negative: fc.boolean(), raw: pool });

const elementwise = (op: (x: Tensor) => Tensor, domain: Domain): Spec =>
  vjpSpec(unaryDraw, ({ shape, raw }) => ({ args: argsOf(raw, [shape], domain), f: ([x]) => op(x!) }));
/** Ops over the last axis (rank ≥ 1). */
const lastAxis = (op: (x: Tensor) => Tensor, domain: Domain): Spec =>
  vjpSpec(rowsDraw, ({ shape, raw }) => ({ args: argsOf(raw, [shape], domain), f: ([x]) => op(x!) }));

/** Leading dims and a feature width, for linear and layerNorm. */
const featuresDraw = fc.record({
  lead: shapeArb({ minRank: 0, maxRank: 2 }),
  width: fc.integer({ min: 2, max: 4 }),
  out: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  raw: pool,
});

const lastOf = (shape: ReadonlyArray<number>): number => shape[shape.length - 1]!;

export const compositeSpecs: { readonly [K in CompositeName]: Spec } = {
  mean: vjpSpec(reduceDraw, ({ shape, axes, negative, raw }) => ({
    args: argsOf(raw, [shape], domains.real),
    f: ([x]) => mean(x!, axesOf(shape.length, axes, negative) as never),
  })),
  variance: vjpSpec(
    fc.record({
      shape: shapeArb({ minRank: 1, maxRank: 3 }),
      axes: axisFlags(3),
      negative: fc.boolean(),
      unbiased: fc.boolean(),
      raw: pool,
    }),
    ({ shape, axes, negative, unbiased, raw }) => {
      const ax = axesOf(shape.length, axes, negative);
      const count = ax.reduce((n, a) => n * shape.at(a)!, 1);
      // Bessel's correction needs two or more samples (n − 1 = 0 otherwise).
      return { args: argsOf(raw, [shape], domains.real), f: ([x]) => variance(x!, ax as never, false, unbiased && count > 1 ? 1 : 0) };
    },
  ),
  logsumexp: lastAxis((x) => logsumexp(x as never), domains.wide),
  softmax: lastAxis(softmax, domains.wide),
  logSoftmax: lastAxis(logSoftmax, domains.wide),
  square: elementwise(square, domains.real),
  rsqrt: elementwise(rsqrt, domains.positive),
  relu: elementwise(relu, domains.nonzero), // away from the kink at 0
  sigmoid: elementwise(sigmoid, domains.wide),
  gelu: elementwise(gelu, domains.wide),
  geluExact: elementwise(geluExact, domains.wide),
  abs: elementwise(abs, domains.nonzero),
  minimum: vjpSpec(broadcastDraw, (d) => ({ args: argsOf(d.raw, broadcastShapesOf(d), domains.distinct), f: ([a, b]) => minimum(a!, b!) })),
  linear: vjpSpec(featuresDraw, ({ lead, width, out, bias, raw }) => {
    const shapes = [[...lead, width], [width, out], ...(bias ? [[out]] : [])];
    return { args: argsOf(raw, shapes, domains.real), f: ([x, w, b]) => linear(x! as never, w! as never, b as never) };
  }),
  layerNorm: vjpSpec(featuresDraw, ({ lead, width, raw }) => ({
    // Rows well spread: the variance stays ≥ 0.01, so 1/σ³ in the third derivative stays small.
    args: mixedArgs(raw, [[...lead, width], [width], [width]], [domains.wellSpread, domains.real, domains.real]),
    f: ([x, scale, bias]) => layerNorm(x! as never, scale! as never, bias! as never),
  })),
  mse: vjpSpec(unaryDraw, ({ shape, raw }) => ({ args: argsOf(raw, [shape, shape], domains.real), f: ([p, t]) => mse(p!, t!) })),
  oneHot: valueSpec(
    "its output is a function of integer indices",
    fc.record({ shape: shapeArb({ minRank: 0, maxRank: 2 }), classes: fc.integer({ min: 1, max: 4 }), picks: pool }),
    ({ shape, classes, picks }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const idx = indicesFrom(picks, n, classes);
      const expected = Array.from(idx).flatMap((k) => Array.from({ length: classes }, (_, j) => (j === k ? 1 : 0)));
      return { actual: [oneHot(constant(idx, shape, "i32"), classes)], expected: [expected] };
    },
  ),
  argmax: valueSpec("it returns indices", rowsDraw, ({ shape, raw }) => {
    const [data] = takeValues(raw, [shape], domains.ties); // ties: the first maximum must win
    const expected = rowsOf(data!, lastOf(shape)).map((row) => row.indexOf(Math.max(...row)));
    return { actual: [argmax(constant(data!, shape) as never)], expected: [expected] };
  }),
  argsort: valueSpec("it returns indices", rowsDraw, ({ shape, raw }) => {
    const [data] = takeValues(raw, [shape], domains.ties); // ties: the sort must be stable
    // Array.prototype.sort is stable (ES2019), so it is the reference for a stable argsort.
    const expected = rowsOf(data!, lastOf(shape)).flatMap((row) => row.map((_, i) => i).sort((a, b) => row[a]! - row[b]!));
    return { actual: [argsort(constant(data!, shape))], expected: [expected] };
  }),
};
