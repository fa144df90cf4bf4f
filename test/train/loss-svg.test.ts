/**
 * @file The loss-curve SVG: one point per logged step in the raw line and in the smoothed one, round
 * ticks, a readable document for no steps, and no markup injected through the title.
 */

import { describe, expect, it } from "vitest";
import { lossCurveSvg, niceTicks } from "../../src/train";

const pointsOf = (svg: string): string[][] => [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1]!.split(" "));

describe("loss curve", () => {
  it("plots every step, raw and smoothed, inside the plot area", () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ step: i + 1, loss: 2 * Math.exp(-i / 10) + 0.1 * Math.sin(i) }));
    const svg = lossCurveSvg(records, "MW-MAE");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="360"/);
    const [raw, smooth] = pointsOf(svg);
    expect(raw).toHaveLength(40);
    expect(smooth).toHaveLength(40);
    for (const p of [...raw!, ...smooth!]) {
      const [x, y] = p.split(",").map(Number);
      expect(x! >= 64 && x! <= 624 && y! >= 36 && y! <= 316).toBe(true);
    }
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("skips non-finite losses, says when there is nothing, and escapes the title", () => {
    const svg = lossCurveSvg(
      [
        { step: 1, loss: 1 },
        { step: 2, loss: Number.NaN },
        { step: 3, loss: 0.5 },
      ],
      "a < b & c",
    );
    expect(pointsOf(svg)[0]).toHaveLength(2);
    expect(svg).toContain("a &lt; b &amp; c");
    expect(lossCurveSvg([], "empty")).toContain("no steps logged yet");
  });

  it("chooses round ticks", () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.13, 0.61)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(niceTicks(1, 1)).toEqual([1]);
  });
});
