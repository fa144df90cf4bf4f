/**
 * @file The pre-run estimate of `mwmae pretrain`: matmul FLOPs counted on traced graphs (hand
 * arithmetic), the checkpoint size, and the warning when the official scaling rule gives a tiny peak
 * learning rate.
 */

import { describe, expect, it } from "vitest";
import { valueAndGrad } from "../../src/autodiff/index.js";
import { reference } from "../../src/backends/index.js";
import { matmul, sum, type Tensor } from "../../src/ir/index.js";
import { preset } from "../../src/models/mwmae/index.js";
import { spec, trace } from "../../src/trace/index.js";
import { estimateRun, formatEstimate, matmulFlops, trainDefaults } from "../../src/train/index.js";

describe("matmulFlops", () => {
  it("counts 2·m·n·k per batch element", () => {
    expect(matmulFlops(trace(({ a, b }) => matmul(a, b), { a: spec([2, 3]), b: spec([3, 4]) }))).toBe(2 * 2 * 4 * 3);
    expect(matmulFlops(trace(({ a, b }) => matmul(a, b), { a: spec([5, 2, 3]), b: spec([5, 3, 4]) }))).toBe(5 * 2 * 2 * 4 * 3);
  });

  it("counts the backward matmuls of a gradient graph too", () => {
    // d/dw Σ x·w = xᵀ·1 and d/dx = 1·wᵀ: the forward [2,3]@[3,4] and two more of the same size.
    const g = trace(
      ({ x, w }) => valueAndGrad((p: { x: Tensor<readonly [2, 3]>; w: Tensor<readonly [3, 4]> }) => sum(matmul(p.x, p.w)))({ x, w }),
      {
        x: spec([2, 3]),
        w: spec([3, 4]),
      },
    );
    expect(matmulFlops(g)).toBe(3 * 2 * 2 * 4 * 3);
  });
});

describe("estimateRun", () => {
  it("gives the parameter count, a checkpoint of three float32 copies and the peak learning rate", async () => {
    const cfg = preset();
    const train = { ...trainDefaults, batch: 8 };
    const e = await estimateRun(
      cfg,
      train,
      trace(({ a, b }) => matmul(a, b), { a: spec([64, 64]), b: spec([64, 64]) }),
      reference(),
    );
    expect(e.checkpointBytes).toBe(e.params * 12);
    expect(e.params).toBeGreaterThan(90e6);
    expect(e.peakLr).toBeCloseTo((1.5e-5 * 8) / 256, 12);
    expect(e.stepFlops).toBe(2 * 64 ** 3);
    expect(Number.isFinite(e.secondsPerStep) && e.secondsPerStep > 0).toBe(true);
    const lines = formatEstimate(e, 100);
    expect(lines[0]).toMatch(/^9\d\.\dM parameters; a checkpoint holds them and both AdamW moments: 1\.\d\d GB$/);
    expect(lines[2]).toMatch(/peak learning rate 4\.69e-7 .*raise --base-lr/);
    expect(formatEstimate({ ...e, peakLr: 1e-4 }, 100)[2]).not.toMatch(/raise/);
  });
});
