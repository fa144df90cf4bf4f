/**
 * @file What a test spec says about an op (JAX's `GradTestSpec`): how to draw valid inputs, whether it
 * is differentiable, and the tolerance. A differentiable op is checked by the dot-product test; one
 * without a gradient (comparisons, casts, sources, index-valued composites) is checked for values
 * against a naive oracle instead.
 */

import fc from "fast-check";
import { expect } from "vitest";
import type { Data, Node, Shape, Tensor } from "../../src";
import { checkGradient, f64Tolerance, runF64, seedArb, takeValues, type Arg, type Domain, type Tolerance } from "../../src/testing";

/** A function of f32 tensors (attributes and index inputs closed over) and the point to check it at. */
export interface GradProblem {
  readonly args: ReadonlyArray<Arg>;
  readonly f: (xs: ReadonlyArray<Tensor>) => Tensor | ReadonlyArray<Tensor>;
}

export interface VjpSpec {
  readonly kind: "vjp";
  /** Draws a plain, printable description of a case: shapes, attributes, raw values. */
  readonly draw: fc.Arbitrary<unknown>;
  /** The function and point that the description stands for. */
  readonly build: (drawn: unknown) => GradProblem;
  readonly tolerance: Tolerance;
}

/** Outputs to evaluate (float64, inputs bound as given) and the values they must have exactly. */
export interface ValueCase {
  readonly actual: ReadonlyArray<Tensor>;
  readonly expected: ReadonlyArray<ArrayLike<number>>;
  readonly bound?: ReadonlyArray<readonly [Node, Data]>;
}

export interface ValueSpec {
  readonly kind: "values";
  /** Why the op has no gradient to check. */
  readonly why: string;
  readonly draw: fc.Arbitrary<unknown>;
  readonly build: (drawn: unknown) => ValueCase;
}

export type Spec = VjpSpec | ValueSpec;

/** A differentiable op's spec; the draw's type links `draw` and `build`, then is forgotten. */
export const vjpSpec = <D>(draw: fc.Arbitrary<D>, build: (drawn: D) => GradProblem, tolerance: Tolerance = f64Tolerance): Spec => ({
  kind: "vjp",
  draw,
  build: build as (drawn: unknown) => GradProblem,
  tolerance,
});

/** A non-differentiable op's spec, checked for values. */
export const valueSpec = <D>(why: string, draw: fc.Arbitrary<D>, build: (drawn: D) => ValueCase): Spec => ({
  kind: "values",
  why,
  draw,
  build: build as (drawn: unknown) => ValueCase,
});

/** Arguments of the given shapes from a raw pool under a domain. */
export const argsOf = (raw: ReadonlyArray<number>, shapes: ReadonlyArray<Shape>, domain: Domain): Arg[] =>
  takeValues(raw, shapes, domain).map((data, i) => ({ shape: shapes[i]!, data }));

/** Arguments with one domain each, sliced from the pool in turn. */
export const mixedArgs = (raw: ReadonlyArray<number>, shapes: ReadonlyArray<Shape>, doms: ReadonlyArray<Domain>): Arg[] => {
  let at = 0;
  return shapes.map((shape, i) => {
    const part = raw.slice(at).concat(raw.slice(0, at));
    at = (at + shape.reduce((a, b) => a * b, 1)) % raw.length;
    return argsOf(part, [shape], doms[i]!)[0]!;
  });
};

/** The dot-product test over `spec`'s cases (`order` 2 checks the VJP graph's own VJP); the kit's `checkGradient` throws on failure. */
export const vjpProperty = (spec: VjpSpec, order: 1 | 2 = 1): fc.IProperty<[unknown, number]> =>
  fc.property(spec.draw, seedArb, (drawn, seed) => {
    const { args, f } = spec.build(drawn);
    checkGradient((...xs: ReadonlyArray<Tensor>) => f(xs), args, { ...spec.tolerance, seed, order });
  });

/** The value check over `spec`'s cases: exact agreement with the oracle. */
export const valueProperty = (spec: ValueSpec): fc.IProperty<[unknown]> =>
  fc.property(spec.draw, (drawn) => {
    const c = spec.build(drawn);
    const got = runF64(c.actual, c.bound);
    // `+ 0` turns −0 into 0: the oracles and the evaluators may disagree on the sign of a zero.
    got.forEach((g, k) => expect(Array.from(g, (v) => v + 0)).toEqual(Array.from(c.expected[k]!, (v) => v + 0)));
  });

/** What checking `spec` asserts, for test names. */
export const checkName = (spec: Spec): string =>
  spec.kind === "vjp" ? "vjp agrees with central differences (float64)" : `values match the oracle (no gradient: ${spec.why})`;

/** Checks a spec of either kind with `numRuns` cases. */
export const checkSpec = (spec: Spec, numRuns: number): void =>
  spec.kind === "vjp" ? fc.assert(vjpProperty(spec), { numRuns }) : fc.assert(valueProperty(spec), { numRuns });
