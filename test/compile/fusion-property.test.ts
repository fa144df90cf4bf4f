/**
 * @file Fusion and code generation on random graphs: the compiled program (optimised, fused, lowered
 * to gpu.js on `cpu`) computes what the float64 reference computes. Tolerance per output:
 * |got − want| ≤ 1e-4·(|want| + max|want|): gpu.js stores every intermediate in float32 (~6e-8
 * relative each), the graphs chain up to 12 ops whose values reach ~3⁶, and subtractions of nearby
 * values turn relative errors into absolute ones at the scale of the largest value; 1e-30 absolute
 * covers float64 results below the float32 range (products of tiny values flush to 0). The seed is fixed
 * so CI sees the same 60 graphs.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromData, interpret, type Node } from "../../src";
import { gpujs } from "../../src/backends/gpujs";
import { randomGraph } from "./random-graphs";

describe("fused programs", () => {
  it("agree with the reference on random graphs (gpujs cpu)", async () => {
    const backend = gpujs({ mode: "cpu" });
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
        const run = await backend.prepare(graph);
        const got = await run([fromData(xs, [2, 3]), fromData(ys, [2, 3])]);
        got.forEach((t, k) => {
          const w = want[k]!;
          const scale = Math.max(...Array.from(w, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
          Array.from(w).forEach((v, i) => {
            const g = t.data[i]!;
            if (!Number.isFinite(v)) expect(Object.is(g, v) || (Number.isNaN(g) && Number.isNaN(v)), `output ${k}[${i}]`).toBe(true);
            else
              expect(Math.abs(g - v), `output ${k}[${i}]: got ${g}, want ${v}`).toBeLessThanOrEqual(1e-4 * (Math.abs(v) + scale) + 1e-30);
          });
        });
      }),
      { numRuns: 60, seed: 4242 },
    );
  });
});
