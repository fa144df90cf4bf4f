/**
 * @file Random graphs over the primitive set (test/compile/random-graphs.ts), optimised, fused and
 * compiled to WebAssembly: each computes what the float64 reference computes. Tolerance per output, as
 * for gpu.js (test/compile/fusion-property.test.ts): |got − want| ≤ 1e-4·(|want| + max|want|) + 1e-30,
 * since every intermediate is stored in float32, the graphs chain up to 12 ops whose values reach ~3⁶,
 * and subtractions of nearby values turn relative errors into absolute ones at the largest value's scale.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromData, interpret, type Node } from "../../src";
import { wasm } from "../../src/backends/wasm";
import { randomGraph } from "../compile/random-graphs";

describe("wasm on random graphs", () => {
  it("agrees with the float64 reference", async () => {
    const backend = wasm();
    await fc.assert(
      fc.asyncProperty(randomGraph, async ({ graph, values }) => {
        const [x, y] = graph.inputs;
        const xs = values.slice(0, 6).map(Math.fround);
        const ys = values.slice(6, 12).map(Math.fround);
        const want = interpret(
          graph.outputs,
          new Map<Node, Float64Array>([
            [x!, Float64Array.from(xs)],
            [y!, Float64Array.from(ys)],
          ]),
          { precision: "f64" },
        );
        const got = await (await backend.prepare(graph))([fromData(xs, [2, 3]), fromData(ys, [2, 3])]);
        got.forEach((t, k) => {
          const w = want[k]!;
          const scale = Math.max(...Array.from(w, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
          Array.from(w).forEach((v, i) => {
            const g = t.data[i]!;
            if (!Number.isFinite(v))
              expect(Object.is(g, v) || (Number.isNaN(g) && Number.isNaN(v)), `output ${k}[${i}]: got ${g}, want ${v}`).toBe(true);
            else
              expect(Math.abs(g - v), `output ${k}[${i}]: got ${g}, want ${v}`).toBeLessThanOrEqual(1e-4 * (Math.abs(v) + scale) + 1e-30);
          });
        });
      }),
      { numRuns: 100, seed: 4242 },
    );
  });
});
