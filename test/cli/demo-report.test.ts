/**
 * @file The demo's report pieces (src/report): the reconstruction views follow `patchify`'s layout
 * exactly (a property over patch sizes, grids and masks), the tables align and format, the page
 * escapes what it shows and carries every section, and the report is written atomically.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { realize } from "../../src/backends";
import { fromData, lift } from "../../src/ir";
import { patchify } from "../../src/models/mwmae";
import {
  demoReportHtml,
  demoSectionIds,
  escapeHtml,
  phaseTableText,
  probeTableText,
  reconstructionViews,
  writeReport,
  type DemoReport,
  type ProbeSummary,
} from "../../src/report";

const dir = mkdtempSync(join(tmpdir(), "demo-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reconstructionViews", () => {
  it("puts the prediction exactly where patchify took the masked patches from", async () => {
    const grid = fc.record({
      time: fc.integer({ min: 1, max: 3 }),
      freq: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 3 }),
      w: fc.integer({ min: 1, max: 3 }),
    });
    const cases = fc.sample(
      grid.chain((g) => fc.record({ g: fc.constant(g), mask: fc.array(fc.boolean(), { minLength: g.h * g.w, maxLength: g.h * g.w }) })),
      { numRuns: 25, seed: 11 },
    );
    for (const { g, mask } of cases) {
      const [frames, mels] = [g.time * g.h, g.freq * g.w];
      const x = Float32Array.from({ length: frames * mels }, (_, i) => i); // every cell distinct
      // The prediction is the true patches plus 1000: each masked cell must show its own value + 1000.
      const patches = await realize(patchify(lift(fromData(x, [1, frames, mels] as const)), { time: g.time, freq: g.freq }));
      const pred = Float32Array.from(patches.data, (v) => v + 1000);
      const v = reconstructionViews(x, pred, mask.map(Number), frames, mels, { time: g.time, freq: g.freq });
      for (let t = 0; t < frames; t++) {
        for (let m = 0; m < mels; m++) {
          const hidden = mask[Math.floor(t / g.time) * g.w + Math.floor(m / g.freq)]!;
          expect(v.masked(m, t)).toBe(hidden);
          expect(v.original[m * frames + t]).toBe(x[t * mels + m]);
          expect(v.reconstruction[m * frames + t]).toBe(x[t * mels + m]! + (hidden ? 1000 : 0));
        }
      }
      expect(v.maskedPatches).toBe(mask.filter(Boolean).length);
      // Every masked cell is off by exactly 1000; NaN when nothing is masked.
      expect(v.maskedMse).toBe(mask.some(Boolean) ? 1e6 : Number.NaN);
    }
  });

  it("refuses arrays of the wrong size, naming the sizes", () => {
    expect(() => reconstructionViews(new Float32Array(8), new Float32Array(8), [1], 4, 2, { time: 2, freq: 2 })).toThrow(
      /expected 8 input values, 8 predicted values and 2 mask entries; got 8, 8, 1/,
    );
  });
});

const summary: ProbeSummary = {
  classes: 10,
  sizes: { train: 160, valid: 40, test: 80 },
  rows: [
    { model: "MW-MAE", dim: 320, trainAccuracy: 1, validAccuracy: 0.925, testAccuracy: 0.9125, bestEpoch: 84 },
    { model: "random init", dim: 320, trainAccuracy: 0.99375, validAccuracy: 0.8, testAccuracy: Number.NaN, bestEpoch: 7 },
  ],
};

describe("tables", () => {
  it("aligns the probe table: model left, numbers right, three decimals", () => {
    expect(probeTableText(summary)).toEqual([
      "linear probe on scene embeddings: 10 classes; clips train 160, valid 40, test 80",
      "model        dim  train acc  valid acc  test acc  best epoch",
      "MW-MAE       320      1.000      0.925     0.912          84",
      "random init  320      0.994      0.800       n/a           7",
    ]);
  });

  it("adds a total to the phase table", () => {
    expect(
      phaseTableText([
        { name: "pre-train", seconds: 100.04 },
        { name: "probe", seconds: 2.5 },
      ]),
    ).toEqual(["phase      wall time (s)", "pre-train          100.0", "probe                2.5", "total              102.5"]);
  });
});

const report = (title: string): DemoReport => ({
  title,
  subtitle: "a & b",
  probe: summary,
  phases: [{ name: "report <1>", seconds: 1 }],
  lossCurves: [{ markup: '<svg xmlns="http://www.w3.org/2000/svg"></svg>', caption: "loss" }],
  reconstruction: [{ markup: "data:image/png;base64,AAAA", caption: "input" }],
  reconstructionNote: "grey: masked",
  windows: [{ markup: '<svg xmlns="http://www.w3.org/2000/svg"><text>head 0: w = 2</text></svg>', caption: "windows" }],
  config: { note: "</pre><script>" },
});

describe("the demo report page", () => {
  it("has every section in order, the pictures inline, and escapes text", () => {
    const html = demoReportHtml(report("demo <b>"));
    const at = demoSectionIds.map((id) => html.indexOf(`<section id="${id}">`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(html).toContain("<title>demo &lt;b&gt;</title>");
    expect(html).toContain('<img src="data:image/png;base64,AAAA" alt="input" class="spectrogram">');
    expect(html).toContain("<text>head 0: w = 2</text>"); // SVG markup is kept, not escaped
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain("report &lt;1&gt;");
    expect(escapeHtml(`"'<&>`)).toBe("&quot;'&lt;&amp;&gt;");
  });

  it("writes atomically, leaving no temporary file; a missing folder is a Left naming the file", () => {
    const path = join(dir, "report.html");
    expect(writeReport(path, demoReportHtml(report("one")))).toEqual(E.right(undefined));
    expect(writeReport(path, demoReportHtml(report("two")))).toEqual(E.right(undefined));
    expect(readFileSync(path, "utf8")).toContain("<title>two</title>");
    expect(readdirSync(dir)).toEqual(["report.html"]);
    const bad = writeReport(join(dir, "missing", "report.html"), "x");
    expect(E.isLeft(bad) && bad.left.startsWith(join(dir, "missing", "report.html"))).toBe(true);
  });
});
