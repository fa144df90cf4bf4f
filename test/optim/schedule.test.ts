/**
 * @file Warm-up + cosine schedule: values at the key steps (optax's `warmup_cosine_decay_schedule`
 * evaluated by hand), the in-graph version agreeing with the host version at every step, and the
 * linear scaling rule.
 */

import { describe, expect, it } from "vitest";
import { fromData, jit, reference, spec } from "../../src";
import { constantSchedule, scaleLearningRate, warmupCosine } from "../../src/optim";

describe("warmupCosine", () => {
  const lr = warmupCosine({ baseLr: 1e-3, warmupSteps: 10, totalSteps: 110, endLr: 1e-5 });

  it("rises linearly from 0 to the peak, then follows a half cosine to the end value and stays there", () => {
    expect(lr(0)).toBe(0);
    expect(lr(5)).toBeCloseTo(5e-4, 15);
    expect(lr(10)).toBeCloseTo(1e-3, 15);
    expect(lr(60)).toBeCloseTo((1e-3 + 1e-5) / 2, 15); // halfway through the decay: cos(π/2) = 0
    expect(lr(35)).toBeCloseTo(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Math.cos(Math.PI / 4)), 15);
    expect(lr(110)).toBeCloseTo(1e-5, 15);
    expect(lr(500)).toBeCloseTo(1e-5, 15);
  });

  it("has a decreasing decay phase and no warm-up when warmupSteps is 0", () => {
    const values = Array.from({ length: 100 }, (_, s) => lr(10 + s));
    values.slice(1).forEach((v, i) => expect(v).toBeLessThan(values[i]!));
    const cold = warmupCosine({ baseLr: 2, warmupSteps: 0, totalSteps: 4 });
    expect([0, 1, 2, 3, 4].map(cold)).toEqual(
      [2, 1 + Math.SQRT1_2, 1 + Math.cos(Math.PI / 2), 1 - Math.SQRT1_2, 0].map((v) => expect.closeTo(v, 14)),
    );
  });

  it("computes the same values in a graph (float64 to 1e-15, float32 to 1e-6 relative)", async () => {
    for (const [precision, tol] of [
      ["f64", 1e-15],
      ["f32", 1e-6],
    ] as const) {
      for (const s of [lr, warmupCosine({ baseLr: 0.5, warmupSteps: 0, totalSteps: 50 }), constantSchedule(0.25)]) {
        const f = await jit(({ step }) => s.tensor(step), { step: spec([] as const) }, reference({ precision }));
        for (const step of [0, 1, 5, 9, 10, 11, 37, 60, 109, 110, 111, 1000]) {
          const v = (await f({ step: fromData([step], [] as const) })).data[0]!;
          expect(Math.abs(v - s(step))).toBeLessThanOrEqual(tol * Math.max(1e-3, Math.abs(s(step))));
        }
      }
    }
  });

  it("refuses a decay phase of zero steps", () => {
    expect(() => warmupCosine({ baseLr: 1, warmupSteps: 10, totalSteps: 10 })).toThrow(/totalSteps \(10\) must exceed warmupSteps \(10\)/);
  });
});

describe("scaleLearningRate", () => {
  it("is base × batch / 256", () => {
    expect(scaleLearningRate(1.5e-4, 256)).toBe(1.5e-4);
    expect(scaleLearningRate(1.5e-4, 1024)).toBeCloseTo(6e-4, 18);
    expect(scaleLearningRate(1.5e-5, 32)).toBeCloseTo(1.875e-6, 18);
  });
});
