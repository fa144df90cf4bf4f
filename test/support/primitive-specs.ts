/**
 * @file The primitive spec table, typed over `OpName`: a primitive without a spec does not compile.
 * Each entry draws valid inputs for the primitive through its typed constructor (so broadcasting
 * constructors also exercise `expand` and `reshape`), names its value domain, and says whether it is
 * differentiable.
 */

import fc from "fast-check";
import {
  add,
  backprop,
  broadcastShapes,
  broadcastTo,
  cast,
  concat,
  constant,
  cos,
  div,
  equal,
  erf,
  exp,
  gather,
  input,
  iota,
  less,
  log,
  matmul,
  max,
  maximum,
  mul,
  neg,
  padAll,
  permute,
  pow,
  reshape,
  scatterAdd,
  select,
  sin,
  sliceAll,
  sqrt,
  stopGradient,
  sub,
  sum,
  tanh,
  type DType,
  type OpName,
  type Tensor,
} from "../../src";
import { broadcastPairArb, domains, matmulPairArb, pool, shapeArb, takeValues, type Domain } from "../../src/testing";
import { axisFlags, indicesFrom, permKeys, permutationOf, regroup } from "./arbitraries";
import { indexOf, zipBroadcast } from "./naive";
import { argsOf, mixedArgs, valueSpec, vjpSpec, type Spec } from "./spec";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// ------------------------------------------------------------------ draws

const unaryDraw = fc.record({ shape: shapeArb({ minRank: 0, maxRank: 3 }), raw: pool });

/** Two shapes that broadcast (the kit's `broadcastPairArb`) and a pool of raw values. */
export const broadcastDraw = fc.record({ shapes: broadcastPairArb({ maxRank: 3 }), raw: pool });
export type BroadcastDraw = typeof broadcastDraw extends fc.Arbitrary<infer D> ? D : never;

/** The two operand shapes of a draw. */
export const broadcastShapesOf = (d: BroadcastDraw): [number[], number[]] => [d.shapes[0], d.shapes[1]];

/** An axis drawn in [-3, 2]: negative draws count from the end, as the constructors allow. */
const axisArb = fc.integer({ min: -3, max: 2 });
/** `drawn` as an axis of a rank-`rank` tensor: its index, and the argument to pass (negative if drawn so). */
export const axisIn = (rank: number, drawn: number): { at: number; arg: number } => {
  const at = ((drawn % rank) + rank) % rank;
  return { at, arg: drawn < 0 ? at - rank : at };
};

const reduceDraw = fc.record({ shape: shapeArb({ minRank: 1, maxRank: 3 }), axes: axisFlags(3), negative: fc.boolean(), raw: pool });
/** The flagged axes, or all of them when none is flagged (an empty reduction builds no node); `negative` counts from the end. */
export const axesOf = (rank: number, flags: ReadonlyArray<boolean>, negative = false): number[] => {
  const axes = range(rank).filter((i) => flags[i] === true);
  return (axes.length > 0 ? axes : range(rank)).map((a) => (negative ? a - rank : a));
};

/** Take-along-axis layout: data shape, axis, and the indices' length along it. */
const gatherDraw = fc.record({
  shape: shapeArb({ minRank: 1, maxRank: 3 }),
  axis: axisArb,
  picked: fc.integer({ min: 1, max: 4 }),
  raw: pool,
  picks: pool,
});
const gatherLayout = (d: { shape: number[]; axis: number; picked: number; picks: number[] }) => {
  const { at, arg } = axisIn(d.shape.length, d.axis);
  const idxShape = d.shape.map((n, i) => (i === at ? d.picked : n));
  const count = idxShape.reduce((a, b) => a * b, 1);
  const indices = constant(indicesFrom(d.picks, count, d.shape[at]!), idxShape, "i32");
  return { axis: arg, idxShape, indices };
};

// ------------------------------------------------------------------ spec builders

const unary = (op: (x: Tensor) => Tensor, domain: Domain): Spec =>
  vjpSpec(unaryDraw, ({ shape, raw }) => ({ args: argsOf(raw, [shape], domain), f: ([x]) => op(x!) }));

/** A broadcasting binary op; one domain shared by both operands, or one each. */
const binary = (op: (a: Tensor, b: Tensor) => Tensor, doms: Domain | readonly [Domain, Domain]): Spec =>
  vjpSpec(broadcastDraw, (d) => {
    const shapes = broadcastShapesOf(d);
    return {
      args: typeof doms === "function" ? argsOf(d.raw, shapes, doms) : mixedArgs(d.raw, shapes, doms),
      f: ([a, b]) => op(a!, b!),
    };
  });

const comparison = (op: (a: Tensor, b: Tensor) => Tensor, test: (a: number, b: number) => boolean): Spec =>
  valueSpec("comparisons return bool, which has no gradient", broadcastDraw, (d) => {
    const [sa, sb] = broadcastShapesOf(d);
    const [va, vb] = takeValues(d.raw, [sa, sb], domains.ties); // small integers: equal values are common
    const expected = zipBroadcast({ shape: sa, data: va! }, { shape: sb, data: vb! }, (x, y) => (test(x, y) ? 1 : 0));
    return { actual: [op(constant(va!, sa), constant(vb!, sb))], expected: [expected.data] };
  });

// ------------------------------------------------------------------ the table

export const primitiveSpecs: { readonly [K in OpName]: Spec } = {
  input: valueSpec("a graph input is a leaf: there is nothing to differentiate through", unaryDraw, ({ shape, raw }) => {
    const x = input("x", shape);
    const [data] = takeValues(raw, [shape], domains.real);
    return { actual: [x, neg(x)], expected: [data!, data!.map((v) => -v)], bound: [[x, data!]] };
  }),
  constant: valueSpec(
    "a constant is a leaf",
    fc.record({ shape: shapeArb({ minRank: 0, maxRank: 3 }), raw: pool, int: fc.boolean() }),
    ({ shape, raw, int }) => {
      const [data] = takeValues(raw, [shape], int ? domains.ties : domains.real);
      return { actual: [constant(data!, shape, int ? "i32" : "f32")], expected: [data!] };
    },
  ),
  iota: valueSpec(
    "an index grid is a leaf",
    fc.record({
      shape: shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }),
      axis: fc.nat({ max: 2 }),
      dtype: fc.constantFrom<DType>("i32", "f32"),
    }),
    ({ shape, axis, dtype }) => {
      const a = axis % shape.length;
      const n = shape.reduce((p, q) => p * q, 1);
      return { actual: [iota(shape, a, dtype)], expected: [range(n).map((i) => indexOf(i, shape)[a]!)] };
    },
  ),
  neg: unary(neg, domains.real),
  exp: unary(exp, domains.real),
  log: unary(log, domains.positive),
  sin: unary(sin, domains.wide),
  cos: unary(cos, domains.wide),
  sqrt: unary(sqrt, domains.positive),
  tanh: unary(tanh, domains.real),
  erf: unary(erf, domains.wide),
  add: binary(add, domains.real),
  sub: binary(sub, domains.real),
  mul: binary(mul, domains.real),
  div: binary(div, [domains.real, domains.awayFromZero]),
  pow: binary(pow, [domains.positive, domains.real]),
  maximum: binary(maximum, domains.distinct), // distinct across both operands: no ties, no kink
  less: comparison(less, (a, b) => a < b),
  equal: comparison(equal, (a, b) => a === b),
  select: vjpSpec(fc.record({ shape: shapeArb({ minRank: 0, maxRank: 3 }), raw: pool, picks: pool }), ({ shape, raw, picks }) => {
    const n = shape.reduce((p, q) => p * q, 1);
    const cond = constant(
      Uint8Array.from(range(n), (i) => (picks[i]! > 0 ? 1 : 0)),
      shape,
      "bool",
    );
    return { args: argsOf(raw, [shape, shape], domains.real), f: ([a, b]) => select(cond, a!, b!) };
  }),
  sum: vjpSpec(reduceDraw, ({ shape, axes, negative, raw }) => ({
    args: argsOf(raw, [shape], domains.real),
    f: ([x]) => sum(x!, axesOf(shape.length, axes, negative) as never),
  })),
  max: vjpSpec(reduceDraw, ({ shape, axes, negative, raw }) => ({
    args: argsOf(raw, [shape], domains.distinct), // a unique maximum: the derivative is defined
    f: ([x]) => max(x!, axesOf(shape.length, axes, negative) as never),
  })),
  reshape: vjpSpec(
    fc.record({ shape: shapeArb({ minRank: 0, maxRank: 4 }), keys: permKeys(), merges: axisFlags(), raw: pool }),
    ({ shape, keys, merges, raw }) => {
      return { args: argsOf(raw, [shape], domains.real), f: ([x]) => reshape(x!, regroup(shape, keys, merges)) };
    },
  ),
  permute: vjpSpec(fc.record({ shape: shapeArb({ minRank: 0, maxRank: 4 }), keys: permKeys(), raw: pool }), ({ shape, keys, raw }) => ({
    args: argsOf(raw, [shape], domains.real),
    f: ([x]) => permute(x!, permutationOf(shape.length, keys) as never),
  })),
  expand: vjpSpec(broadcastDraw, (d) => {
    const [from, other] = d.shapes;
    const to = broadcastShapes("expand", from, other);
    return { args: argsOf(d.raw, [from], domains.real), f: ([x]) => broadcastTo(x!, to as never) };
  }),
  slice: vjpSpec(
    fc.record({
      shape: shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }),
      cuts: fc.array(fc.tuple(fc.nat({ max: 4 }), fc.nat({ max: 4 })), { minLength: 3, maxLength: 3 }),
      raw: pool,
    }),
    ({ shape, cuts, raw }) => {
      const bounds = shape.map((d, i) => [cuts[i]![0] % (d + 1), cuts[i]![1] % (d + 1)].sort((a, b) => a - b));
      return {
        args: argsOf(raw, [shape], domains.real),
        f: ([x]) =>
          sliceAll(
            x!,
            bounds.map((b) => b[0]!),
            bounds.map((b) => b[1]!),
          ),
      };
    },
  ),
  pad: vjpSpec(
    fc.record({
      shape: shapeArb({ minRank: 0, maxRank: 3 }),
      widths: fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { minLength: 3, maxLength: 3 }),
      raw: pool,
    }),
    ({ shape, widths, raw }) => ({
      args: argsOf(raw, [shape], domains.real),
      f: ([x]) =>
        padAll(
          x!,
          shape.map((_, i) => widths[i]![0]),
          shape.map((_, i) => widths[i]![1]),
        ),
    }),
  ),
  concat: vjpSpec(
    fc.record({
      shape: shapeArb({ minRank: 1, maxRank: 3 }),
      axis: axisArb,
      parts: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
      raw: pool,
    }),
    ({ shape, axis, parts, raw }) => {
      const { at, arg } = axisIn(shape.length, axis);
      const shapes = parts.map((p) => shape.map((d, i) => (i === at ? p : d)));
      return { args: argsOf(raw, shapes, domains.real), f: (xs) => concat(xs, arg as never) };
    },
  ),
  gather: vjpSpec(gatherDraw, (d) => {
    const { axis, indices } = gatherLayout(d);
    return { args: argsOf(d.raw, [d.shape], domains.real), f: ([x]) => gather(x!, indices, axis) };
  }),
  scatterAdd: vjpSpec(gatherDraw, (d) => {
    const { axis, idxShape, indices } = gatherLayout(d); // indices may repeat: updates accumulate
    return { args: argsOf(d.raw, [d.shape, idxShape], domains.real), f: ([base, upd]) => scatterAdd(base!, indices, upd!, axis) };
  }),
  matmul: vjpSpec(
    // Batch dims broadcast like a binary op's (the constructor expands them, the VJP sums back).
    fc.record({ shapes: matmulPairArb({ maxBatchRank: 2, maxBatchDim: 2, maxDim: 3 }), raw: pool }),
    ({ shapes: [sa, sb], raw }) => ({ args: argsOf(raw, [sa, sb], domains.real), f: ([a, b]) => matmul(a!, b! as never) }),
  ),
  cast: valueSpec(
    "casts to i32 and bool have no gradient (a float-to-float cast is never built)",
    fc.record({ shape: shapeArb({ minRank: 0, maxRank: 3 }), raw: pool, to: fc.constantFrom<DType>("i32", "bool") }),
    ({ shape, raw, to }) => {
      const [data] = takeValues(raw, [shape], domains.wide);
      const expected = Array.from(data!, (v) => (to === "i32" ? Math.trunc(v) : v !== 0 ? 1 : 0));
      const y = cast(constant(data!, shape), to);
      return { actual: [y, cast(y, "f32")], expected: [expected, expected] };
    },
  ),
  stopGradient: valueSpec("its derivative is zero by definition, so finite differences do not apply", unaryDraw, ({ shape, raw }) => {
    const [data, cot] = takeValues(raw, [shape, shape], domains.real);
    const x = input("x", shape);
    // d/dx (sg(x)·x) = sg(x): only the unstopped factor passes a gradient.
    const [g] = backprop([mul(stopGradient(x), x)], [constant(cot!, shape)], [x]);
    return { actual: [stopGradient(x), g!], expected: [data!, data!.map((v, i) => v * cot![i]!)], bound: [[x, data!]] };
  }),
};
