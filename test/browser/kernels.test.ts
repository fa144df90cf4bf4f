/**
 * @file The hand-tuned matmul kernels on WebGL2 and WebGPU in headless Chromium (SwiftShader), against
 * a float64 reference. One browser for the file.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matmulVariants } from "../../src/backends/gpujs/matmul-kernels";
import { errorInBounds, matmulCases, operands, referenceMatmul } from "../support/matmul-cases";
import { uniform } from "../support/uniform";
import { chromiumMissing, openPage, requireChromium, type BrowserPage } from "./harness";
import type { KernelsApi, MatmulRun, PageInfo, PageMode } from "./kernels-page";

let browser: BrowserPage;
beforeAll(async () => {
  browser = await openPage(new URL("./kernels-page.ts", import.meta.url).pathname);
});
afterAll(async () => browser?.close());

/** The page's API; only for use inside `page.evaluate` callbacks, which run in the page. */
type Page = { readonly kernels: KernelsApi };

describe("headless Chromium", () => {
  it("is required, and its absence names the command that installs it", () => {
    expect(() => requireChromium("/nonexistent/chromium")).toThrow(chromiumMissing("/nonexistent/chromium"));
    expect(chromiumMissing()).toBe(
      "chromium not found at /usr/bin/chromium: install it with `apt-get update && apt-get install -y chromium`",
    );
  });

  it("offers WebGL2 and WebGPU on SwiftShader", async () => {
    const info: PageInfo = await browser.page.evaluate(() => (globalThis as unknown as Page).kernels.info());
    expect(info.webgl2).toBe(true);
    expect(info.webgpu).toBe(true);
    expect(info.renderer).toContain("SwiftShader");
  });
});

const expectedClass: Readonly<Record<"webgl2" | "webgpu", string>> = { webgl2: "WebGL2Kernel", webgpu: "WebGPUKernel" };

describe.each(["webgl2", "webgpu"] as const)("matmul kernels on %s", (mode: PageMode & keyof typeof expectedClass) => {
  describe.each(matmulCases.map((c, i) => ({ ...c, seed: 100 * i + 1 })))("$name", (c) => {
    const { a, b } = operands(c, c.seed);
    const want = referenceMatmul(c, a, b);
    it.each([...matmulVariants])("%s matches float64 within 4 f32 dot-product bounds", async (variant) => {
      const run: MatmulRun = await browser.page.evaluate(([m, s, x, y]) => (globalThis as unknown as Page).kernels.matmul(m, s, x, y), [
        mode,
        { ...c, variant },
        a,
        b,
      ] as const);
      expect({ kernelClass: run.kernelClass, fallbackReason: run.fallbackReason }).toEqual({
        kernelClass: expectedClass[mode],
        fallbackReason: null,
      });
      expect(errorInBounds(c, want, run.c)).toBeLessThanOrEqual(4);
    });
  });

  it("feeds a device-resident flat result to the next kernel: (A·B)·B matches float64", async () => {
    const [m, n] = [20, 24];
    const a = uniform(m * n, 11);
    const b = uniform(n * n, 12);
    const c: Float32Array = await browser.page.evaluate(
      ([md, mm, nn, x, y]) => (globalThis as unknown as Page).kernels.chain(md, mm, nn, x, y),
      [mode, m, n, a, b] as const,
    );
    const first = referenceMatmul({ name: "", m, k: n, n }, a, b).c;
    const second = referenceMatmul({ name: "", m, k: n, n }, Float32Array.from(first), b);
    // Two chained f32 products: the first's rounding (≤ 4 bounds) propagates through the second; 8 covers both.
    expect(errorInBounds({ name: "", m, k: n, n }, second, c)).toBeLessThanOrEqual(8);
  });

  it("reads back a pipeline result (device-resident texture or buffer) through toRowMajor", async () => {
    const c = matmulCases[0]!;
    const { a, b } = operands(c, 7);
    const run: MatmulRun = await browser.page.evaluate(([m, s, x, y]) => (globalThis as unknown as Page).kernels.matmul(m, s, x, y), [
      mode,
      { ...c, variant: "rows4u4", pipeline: true },
      a,
      b,
    ] as const);
    expect(errorInBounds(c, referenceMatmul(c, a, b), run.c)).toBeLessThanOrEqual(4);
  });
});
