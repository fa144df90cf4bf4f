/**
 * @file The hand-tuned matmul kernels on gpu.js's Node modes (cpu, webasm, async) against a float64
 * reference; the browser modes are in test/browser/kernels.test.ts.
 */

import { GPU } from "gpu.js";
import { afterAll, describe, expect, it } from "vitest";
import { buildMatmulKernel, matmulVariants } from "../../../src/backends/gpujs/matmul-kernels";
import { errorInBounds, matmulCases, operands, referenceMatmul } from "../../support/matmul-cases";

const gpus = { cpu: new GPU({ mode: "cpu" }), webasm: new GPU({ mode: "webasm" }), async: new GPU({ mode: "async" }) };
afterAll(async () => {
  await Promise.all(Object.values(gpus).map((g) => g.destroy()));
});

describe.each(Object.keys(gpus) as Array<keyof typeof gpus>)("matmul kernels on %s", (mode) => {
  describe.each(matmulCases.map((c, i) => ({ ...c, seed: 100 * i + 1 })))("$name", (c) => {
    const { a, b } = operands(c, c.seed);
    const want = referenceMatmul(c, a, b);
    it.each([...matmulVariants])("%s matches float64 within 4 f32 dot-product bounds", async (variant) => {
      const mm = buildMatmulKernel(gpus[mode], { ...c, variant });
      expect(errorInBounds(c, want, await mm.matmul(a, b))).toBeLessThanOrEqual(4);
    });
  });
});

describe("buildMatmulKernel", () => {
  it("lays out naive results as rows, flat ones flat, and multi-row results as 4-vectors of padded row groups", () => {
    const gpu = gpus.cpu;
    expect(buildMatmulKernel(gpu, { m: 6, k: 3, n: 5, batch: 2, variant: "naive" })).toMatchObject({
      layout: "rows",
      output: [5, 12],
      flops: 360,
    });
    expect(buildMatmulKernel(gpu, { m: 6, k: 3, n: 5, batch: 2, variant: "flat" })).toMatchObject({ layout: "flat", output: [60] });
    expect(buildMatmulKernel(gpu, { m: 6, k: 3, n: 5, batch: 2, variant: "rows4u4" })).toMatchObject({ layout: "rows4", output: [5, 4] });
  });

  it("writes every size into the source as a literal, so no loop is cut at loopMaxIterations", () => {
    const { source } = buildMatmulKernel(gpus.cpu, { m: 8, k: 2000, n: 4, variant: "rows4u4" });
    expect(source).toContain("p < 2000");
    expect(source).not.toContain("this.constants");
  });

  it("rejects sizes that are not positive integers, naming the size", () => {
    expect(() => buildMatmulKernel(gpus.cpu, { m: 4, k: 0, n: 4, variant: "naive" })).toThrow("k must be a positive integer, got 0");
    expect(() => buildMatmulKernel(gpus.cpu, { m: 4, k: 4, n: 4, batch: 1.5, variant: "naive" })).toThrow(
      "batch must be a positive integer",
    );
  });
});
