/**
 * @file assertEquivalent passes two implementations of one function and catches one that differs:
 * by value (the tanh GELU against the exact one), by shape, by output structure; NaN meets NaN and
 * ±∞ only itself. assertEquivalentOn runs each side on a backend of its own.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { div, exp, gelu, geluExact, log, matmul, reference, softmax, sum, sumKeep, transpose, type Tensor } from "../../src";
import { assertEquivalent, assertEquivalentOn, matmulPairArb, pool, takeValues, domains, tensorArb } from "../../src/testing";

const messageOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error("expected a failure");
};

describe("assertEquivalent", () => {
  it("passes softmax against exp / sum of exp on drawn tensors (float64)", () =>
    fc.assert(
      fc.property(tensorArb({ shape: [3, 5], min: -4, max: 4 }), (x) =>
        assertEquivalent(
          (v) => softmax(v),
          (v) => div(exp(v), sumKeep(exp(v), [-1])),
          [x],
        ),
      ),
      { numRuns: 50 },
    ));

  it("passes (ab)ᵀ = bᵀaᵀ on drawn matmul pairs, in float32 too", () =>
    fc.assert(
      fc.property(matmulPairArb({ maxBatchRank: 0 }), pool, ([sa, sb], raw) => {
        const [a, b] = takeValues(raw, [sa, sb], domains.real);
        const args = [
          { shape: sa, data: a! },
          { shape: sb, data: b! },
        ];
        const f = (p: Tensor, q: Tensor) => transpose(matmul(p, q as never) as Tensor);
        const g = (p: Tensor, q: Tensor) => matmul(transpose(q), transpose(p) as never) as Tensor;
        assertEquivalent(f, g, args);
        assertEquivalent(f, g, args, { precision: "f32" });
      }),
      { numRuns: 50 },
    ));

  it("catches a differing implementation and names the worst element, both values and the tolerance", () => {
    const x = { shape: [2, 3] as const, data: [-2, -1, 0, 0.5, 1.5, 3] };
    const message = messageOf(() =>
      assertEquivalent(
        (v) => gelu(v),
        (v) => geluExact(v),
        [x],
        { names: ["gelu (tanh)", "gelu (erf)"] },
      ),
    );
    expect(message).toMatch(
      /^assertEquivalent: gelu \(tanh\) and gelu \(erf\) differ at the output \[\d, \d\] \(flat \d\): gelu \(tanh\) gives \S+, gelu \(erf\) gives \S+$/m,
    );
    expect(message).toMatch(/\|diff\| \S+ > tolerance \S+ = atol 1e-12 \+ rtol 1e-10 × \S+/);
    expect(message).toMatch(/\d of 6 elements out of tolerance; output shape \[2, 3\], inputs \[2, 3\]; reference interpreter, float64/);
    // The tanh approximation is within 1e-3 of the exact GELU: a loose enough tolerance accepts it.
    assertEquivalent(
      (v) => gelu(v),
      (v) => geluExact(v),
      [x],
      { atol: 1e-3, rtol: 0 },
    );
  });

  it("catches differing shapes and differing output structure", () => {
    const x = { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] };
    expect(
      messageOf(() =>
        assertEquivalent(
          (v) => sum(v, [0]),
          (v) => sum(v, [1]),
          [x],
        ),
      ),
    ).toMatch(/differ in the output: f gives \[3\] f32, g gives \[2\] f32/);
    expect(
      messageOf(() =>
        assertEquivalent(
          (v) => ({ a: v, b: v }),
          (v) => ({ a: v }),
          [x],
        ),
      ),
    ).toMatch(/differ in their outputs: f gives a \[2, 3\] f32, b \[2, 3\] f32; g gives a \[2, 3\] f32/);
  });

  it("lets NaN meet NaN and ±∞ meet only itself", () => {
    const x = { shape: [3], data: [0, 1, -1] };
    assertEquivalent(
      (v) => log(v),
      (v) => log(v),
      [x],
    ); // −∞, 0, NaN on both sides
    expect(
      messageOf(() =>
        assertEquivalent(
          (v) => log(v),
          (v) => div(1, v),
          [x],
        ),
      ),
    ).toMatch(/at the output \[0\] \(flat 0\): f gives -Infinity, g gives Infinity/);
  });
});

describe("assertEquivalentOn", () => {
  const x = { shape: [4, 8], data: Array.from({ length: 32 }, (_, i) => Math.sin(i) * 3) };

  it("passes float32 against the float64 reference at the float32 tolerance", async () => {
    await assertEquivalentOn(
      (v) => softmax(v),
      (v) => softmax(v),
      [x],
      { backends: [reference(), reference({ precision: "f64" })] },
    );
  });

  it("fails the same pair at a float64 tolerance, naming both backends", async () => {
    await expect(
      assertEquivalentOn(
        (v) => softmax(v),
        (v) => softmax(v),
        [x],
        {
          backends: [reference(), reference({ precision: "f64" })],
          rtol: 1e-12,
          atol: 0,
        },
      ),
    ).rejects.toThrow(/reference-f32 against reference-f64/);
  });
});
