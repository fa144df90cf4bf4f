/**
 * @file The default window rule (src/nn/windows.ts): every proper non-unary factor of n, then global
 * heads; at least one global head; evenly spread factors when there are more than heads − 1.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { properFactors, realize, relativePositionIndex, windowSizesAuto } from "../../src";

describe("windowSizesAuto", () => {
  it("gives the paper's windows for n = 250 patches (4×16 on 200×80) and 8 heads", () => {
    expect(windowSizesAuto(250, 8)).toEqual([2, 5, 10, 25, 50, 125, 0, 0]);
  });

  it("gives the tiny golden model's windows for n = 16 and 4 heads", () => {
    expect(windowSizesAuto(16, 4)).toEqual([2, 4, 8, 0]);
  });

  it("spreads 7 of the 14 factors of n = 640 (4×16 patches on 512×80) over 8 heads, keeping one global", () => {
    expect(properFactors(640)).toEqual([2, 4, 5, 8, 10, 16, 20, 32, 40, 64, 80, 128, 160, 320]);
    expect(windowSizesAuto(640, 8)).toEqual([2, 5, 10, 32, 64, 128, 320, 0]);
  });

  it("keeps one global head when factors and window heads are as many (n = 250, 7 heads) or fewer", () => {
    expect(windowSizesAuto(250, 7)).toEqual([2, 5, 10, 25, 50, 125, 0]);
    expect(windowSizesAuto(250, 6)).toEqual([2, 5, 25, 50, 125, 0]);
    expect(windowSizesAuto(250, 2)).toEqual([2, 0]);
    expect(windowSizesAuto(250, 1)).toEqual([0]);
  });

  it("makes every head global when n has no proper factor (n prime or 1)", () => {
    expect(windowSizesAuto(13, 4)).toEqual([0, 0, 0, 0]);
    expect(windowSizesAuto(1, 2)).toEqual([0, 0]);
  });

  it("always yields `heads` entries: distinct ascending divisors of n below n, then at least one 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 16 }), (n, heads) => {
        const ws = windowSizesAuto(n, heads);
        const windows = ws.filter((w) => w > 0);
        expect(ws).toHaveLength(heads);
        expect(ws[ws.length - 1]).toBe(0);
        expect(ws.slice(windows.length).every((w) => w === 0)).toBe(true);
        windows.forEach((w, i) => {
          expect(n % w).toBe(0);
          expect(w > 1 && w < n).toBe(true);
          if (i > 0) expect(w).toBeGreaterThan(windows[i - 1]!);
        });
        const factors = properFactors(n);
        expect(windows.length).toBe(Math.min(factors.length, heads - 1));
        if (windows.length >= 2) expect([windows[0], windows[windows.length - 1]]).toEqual([factors[0], factors[factors.length - 1]]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("relativePositionIndex", () => {
  it("is i − j + w − 1, from 0 (i = 0, j = w − 1) to 2w − 2", async () => {
    const index = await realize(relativePositionIndex(3));
    expect(Array.from(index.data)).toEqual([2, 1, 0, 3, 2, 1, 4, 3, 2]);
    expect(index.dtype).toBe("i32");
  });
});
