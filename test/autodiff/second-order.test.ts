/**
 * @file VJPs are graphs, so they have VJPs too. Two checks: every differentiable primitive's VJP
 * graph x ↦ vjp_x(c) passes the dot-product test (a Hessian-vector product against central
 * differences of the gradient), and grad-of-grad matches closed forms for tanh, exp, mul and matmul.
 * Tolerances: the dot-product test uses the float64 budget of the kit's `src/testing/gradient.ts`; closed
 * forms are compared at 1e-12 relative, since both sides are a few float64 operations on O(1) values.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constant, exp, grad, matmul, mul, sum, tanh, type Tensor } from "../../src";
import { matmulNaive } from "../support/naive";
import { primitiveSpecs } from "../support/primitive-specs";
import { vjpProperty } from "../support/spec";
import { domains, pool, runF64, shapeArb, takeValues } from "../../src/testing";

/** Second-order cases per primitive (each builds and runs a gradient of a gradient). */
const NUM_RUNS = 50;

const differentiable = Object.entries(primitiveSpecs).flatMap(([name, spec]) => (spec.kind === "vjp" ? [[name, spec] as const] : []));

describe("second order: VJP graphs are differentiable", () => {
  it.each(differentiable)("the VJP of %s passes the dot-product test", (_name, spec) =>
    fc.assert(vjpProperty(spec, 2), { numRuns: NUM_RUNS }),
  );
});

const closeTo = (actual: ArrayLike<number>, expected: ReadonlyArray<number>): void =>
  expected.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(e))));

/** Σ over all elements, so `grad` of it is the elementwise derivative for elementwise `f`. */
const total = (x: Tensor): Tensor<readonly []> => sum(x) as Tensor<readonly []>;

const elementwiseDraw = fc.record({ shape: shapeArb({ minRank: 0, maxRank: 3 }), raw: pool });

describe("second order: grad of grad against closed forms (float64)", () => {
  it("tanh'' = −2·tanh·(1 − tanh²)", () =>
    fc.assert(
      fc.property(elementwiseDraw, ({ shape, raw }) => {
        const [x] = takeValues(raw, [shape], domains.real);
        const d2 = grad((v: Tensor) => total(grad((u: Tensor) => total(tanh(u)))(v)))(constant(x!, shape));
        closeTo(
          runF64([d2])[0]!,
          Array.from(x!, (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)),
        );
      }),
      { numRuns: 50 },
    ));

  it("exp'' = exp", () =>
    fc.assert(
      fc.property(elementwiseDraw, ({ shape, raw }) => {
        const [x] = takeValues(raw, [shape], domains.real);
        const d2 = grad((v: Tensor) => total(grad((u: Tensor) => total(exp(u)))(v)))(constant(x!, shape));
        closeTo(runF64([d2])[0]!, Array.from(x!, Math.exp));
      }),
      { numRuns: 50 },
    ));

  it("mul: ∂/∂y Σ ∂/∂x Σ x·x·y = 2x", () =>
    fc.assert(
      fc.property(elementwiseDraw, ({ shape, raw }) => {
        const [x, y] = takeValues(raw, [shape, shape], domains.real);
        const xc = constant(x!, shape);
        const gradX = (yy: Tensor): Tensor => grad((xx: Tensor) => total(mul(mul(xx, xx), yy)))(xc); // 2xy
        const d2 = grad((yy: Tensor) => total(gradX(yy)))(constant(y!, shape));
        closeTo(
          runF64([d2])[0]!,
          Array.from(x!, (v) => 2 * v),
        );
      }),
      { numRuns: 50 },
    ));

  it("matmul: ∇_B ⟨∇_A ½‖AB‖², T⟩ = (AᵀT + TᵀA)·B", () =>
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        pool,
        ([m, k, n], raw) => {
          const [a, b, t] = takeValues(
            raw,
            [
              [m, k],
              [k, n],
              [m, k],
            ],
            domains.real,
          );
          const ac = constant(a!, [m, k]);
          const tc = constant(t!, [m, k]);
          // ∇_A ½‖AB‖² = (AB)Bᵀ; its inner product with T is a scalar function of B.
          const inner = (bb: Tensor): Tensor<readonly []> => {
            const gA = grad((aa: Tensor) => mul(total(mul(matmul(aa, bb), matmul(aa, bb))), 0.5) as Tensor<readonly []>)(ac);
            return total(mul(gA, tc));
          };
          const d2 = grad(inner)(constant(b!, [k, n]));
          const transpose = (x: Float64Array, rows: number, cols: number): number[] =>
            Array.from({ length: rows * cols }, (_, i) => x[(i % rows) * cols + Math.floor(i / rows)]!);
          const aTt = matmulNaive(transpose(a!, m, k), t!, k, m, k);
          const tTa = matmulNaive(transpose(t!, m, k), a!, k, m, k);
          const expected = matmulNaive(
            aTt.map((v, i) => v + tTa[i]!),
            b!,
            k,
            k,
            n,
          );
          closeTo(runF64([d2])[0]!, expected);
        },
      ),
      { numRuns: 50 },
    ));
});
