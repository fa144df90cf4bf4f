/**
 * @file checkGradient passes correct VJPs (primitives, composites, second order, index arguments held
 * fixed) and catches planted wrong ones: a path the VJP drops (stopGradient on one element), a VJP off
 * by 0.1% in the registry. Its failure message gives the seed, the shapes, the worst index, both
 * values and the tolerance.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat, gather, layerNorm, matmul, mul, ops, sliceAll, softmax, stopGradient, tanh, type Node, type Tensor } from "../../src";
import { checkGradient, dotProductTest, matmulPairArb, pool, seedArb, takeValues, domains, tensorArb } from "../../src/testing";

describe("checkGradient", () => {
  it("passes matmul on drawn operand shapes", () =>
    fc.assert(
      fc.property(matmulPairArb(), pool, seedArb, ([sa, sb], raw, seed) => {
        const [a, b] = takeValues(raw, [sa, sb], domains.real);
        const report = checkGradient(
          (x, w) => matmul(x, w as never),
          [
            { shape: sa, data: a! },
            { shape: sb, data: b! },
          ],
          { seed },
        );
        expect(report.ok).toBe(true);
        expect(Math.abs(report.lhs - report.rhs)).toBeLessThanOrEqual(report.allowed);
      }),
      { numRuns: 50 },
    ));

  it("passes composites (softmax, layerNorm) and their second-order VJPs", () =>
    fc.assert(
      fc.property(tensorArb({ shape: [2, 4], min: -2, max: 2 }), pool, seedArb, (x, raw, seed) => {
        checkGradient((v) => softmax(v), [x], { seed });
        checkGradient((v) => tanh(v), [x], { seed, order: 2 });
        // Rows pairwise 0.2 apart keep the variance away from 0, where layerNorm's derivatives blow up.
        const [v, g, b] = takeValues(raw, [[2, 4], [4], [4]], domains.wellSpread);
        const args = [
          { shape: [2, 4], data: v! },
          { shape: [4], data: g! },
          { shape: [4], data: b! },
        ] as const;
        checkGradient((y, scale, bias) => layerNorm(y, scale, bias), args, { seed });
      }),
      { numRuns: 30 },
    ));

  it("holds i32 arguments fixed and differentiates the f32 ones", () => {
    const report = checkGradient(
      (x, idx) => gather(x, idx, 0),
      [
        { shape: [4], data: [0.1, -0.4, 0.8, 0.3] },
        { shape: [3], data: [2, 0, 2], dtype: "i32" },
      ],
      { seed: 5 },
    );
    expect(report.ok).toBe(true);
  });

  it("catches a VJP that drops a path, and names the element it got wrong", () => {
    // y = (x0, x1, sg(x2)·x2, x3): the VJP of element 2 is x2·c where the derivative is 2·x2·c.
    const planted = (x: Tensor<readonly [4]>) =>
      concat([sliceAll(x, [0], [2]), mul(stopGradient(sliceAll(x, [2], [3])), sliceAll(x, [2], [3])), sliceAll(x, [3], [4])], 0);
    const x = { shape: [4] as const, data: [0.5, -0.7, 0.9, 0.3] };
    expect(dotProductTest(planted, [x], { seed: 11 }).ok).toBe(false);
    let message = "";
    try {
      checkGradient(planted, [x], { seed: 11 });
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^checkGradient: the VJP disagrees with central differences \(seed 11\)$/m);
    expect(message).toMatch(/⟨c, fd⟩ = \S+ \(central differences\), ⟨vjp\(c\), t⟩ = \S+ \(VJP\)/);
    expect(message).toMatch(/\|diff\| \S+ > tolerance \S+ = atol 1e-8 \+ rtol 1e-6 × scale \S+ \(ε 1e-6\)/);
    expect(message).toMatch(/shapes: inputs \[4\]; outputs \[4\]/);
    // d(x2²)/dx2 = 1.8 against the VJP's 0.9, times the cotangent: a factor of 2 at index [2].
    const worst = /worst index: input 0 at \[2\]: VJP gives (\S+), central difference gives (\S+) \(/.exec(message);
    expect(worst).not.toBeNull();
    expect(Number(worst![2]) / Number(worst![1])).toBeCloseTo(2, 4);
  });

  it("catches a primitive's VJP off by 0.1% (installed in the registry for this test)", () => {
    type Rule = (g: Node, node: Node) => ReadonlyArray<Node | null>;
    const def = (ops as unknown as Record<string, { vjp: Rule }>).tanh!;
    const original = def.vjp;
    def.vjp = (g, node) => original(g, node).map((x) => (x === null ? null : mul(x, 1.001)));
    try {
      const run = fc.check(
        fc.property(tensorArb({ shape: [3], min: -1, max: 1 }), seedArb, (x, seed) => {
          checkGradient((v) => tanh(v), [x], { seed });
        }),
        { numRuns: 50, seed: 1 },
      );
      expect(run.failed).toBe(true);
      expect(String(run.errorInstance)).toMatch(/worst index: input 0 at \[\d\]/);
    } finally {
      def.vjp = original;
    }
    checkGradient((v) => tanh(v), [{ shape: [3], data: [0.1, 0.2, 0.3] }]); // restored
  });

  it("refuses a function with nothing to differentiate", () => {
    expect(() => checkGradient((i) => i, [{ shape: [2], data: [0, 1], dtype: "i32" }])).toThrow(/no f32 argument to differentiate/);
  });
});
