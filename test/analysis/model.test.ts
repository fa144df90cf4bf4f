/**
 * @file The analysis on the tiny golden models (tiny_mwmae.json: windows [2, 4, 8, 0] on n = 16;
 * tiny_mae_cls.json: plain MAE with a class token), on the float64 reference backend: the captured
 * maps are the forward's (the encoder's last block output gives `encodeAll`, a window head's
 * probabilities times v give `mwmhaHeads`), window heads put exactly 0 outside their windows, and
 * `analyzeModel` labels, averages and bounds every head.
 */

import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { analyzeModel, compareLayers, decoderAttention, encoderCapture, massOutsideWindows } from "../../src/analysis";
import { jit, matmul, reference, spec, type HostTensor, type Tensor } from "../../src";
import { encodeAll, geometry, type MwmaeParams } from "../../src/models/mwmae";
import { layerNormLayer, mwmhaHeads, splitHeads, dense, mwmhaAttentionWeights, type MultiWindowAttention } from "../../src/nn";
import { ArrayRecord, GoldenArray, hostOf, maxAbsDiff, readGolden } from "../support/golden";
import { tinyModel } from "../support/tiny-model";

const Tiny = t.type({ config: t.unknown, weights: ArrayRecord, input: GoldenArray, noise: GoldenArray });
const backend = reference({ precision: "f64" });

const load = (file: string) => {
  const golden = readGolden(file, Tiny);
  const m = tinyModel(file, golden);
  const input = hostOf(golden.input); // [2, 16, 16, 1]: the official NHWC layout, one channel
  return { ...m, input: { ...input, shape: [2, 16, 16] } as HostTensor, noiseHost: hostOf(golden.noise) };
};
const mw = load("tiny_mwmae.json");
const mae = load("tiny_mae_cls.json");

describe("encoderCapture", () => {
  it("ends, after the final LayerNorm, exactly where encodeAll does (float64)", async () => {
    for (const m of [mw, mae]) {
      const run = await jit(
        ({ p, x }: { p: MwmaeParams; x: Tensor<readonly [number, number, number]> }) => {
          const c = encoderCapture(p, m.cfg)(x);
          const last = c.hidden[c.hidden.length - 1]! as Tensor<readonly [number, number, number]>;
          return { captured: layerNormLayer(p.encoder_norm)(last), direct: encodeAll(p, m.cfg)(x), rows: c.attention };
        },
        { p: m.params, x: spec([2, 16, 16] as const) } as never,
        backend,
      );
      const out = (await run({ p: m.params, x: m.input } as never)) as unknown as {
        captured: HostTensor;
        direct: HostTensor;
        rows: HostTensor[];
      };
      expect(maxAbsDiff(out.captured.data, out.direct.data)).toBe(0);
      const tokens = geometry(m.cfg).tokens;
      for (const maps of out.rows) {
        expect(maps.shape).toEqual([2, m.cfg.encoder.heads, tokens, tokens]);
        for (let r = 0; r < maps.data.length / tokens; r++) {
          const s = Array.from(maps.data.subarray(r * tokens, (r + 1) * tokens)).reduce((a, v) => a + v, 0);
          expect(Math.abs(s - 1)).toBeLessThan(1e-12);
        }
      }
    }
  });
});

describe("decoderAttention", () => {
  it("gives window heads exactly 0 outside their windows", async () => {
    const run = await jit(
      ({ p, x, noise }: { p: MwmaeParams; x: Tensor<readonly [number, number, number]>; noise: Tensor<readonly [number, number]> }) =>
        decoderAttention(p, mw.cfg)(x, noise),
      { p: mw.params, x: spec([2, 16, 16] as const), noise: spec([2, 16] as const) } as never,
      backend,
    );
    const maps = (await run({ p: mw.params, x: mw.input, noise: mw.noiseHost } as never)) as unknown as HostTensor[];
    expect(maps.length).toBe(2);
    for (const m of maps) {
      expect(m.shape).toEqual([2, 4, 16, 16]);
      expect(massOutsideWindows(m, [2, 4, 8, 0])).toEqual([0, 0, 0, 0]);
    }
  });

  it("are the probabilities the forward uses: maps · v equals mwmhaHeads' per-head outputs", async () => {
    const p = (mw.params as unknown as { decoder_block_00: { wmha_block: MultiWindowAttention } }).decoder_block_00.wmha_block;
    const windows = [2, 4, 8, 0];
    const run = await jit(
      ({ w, x }: { w: MultiWindowAttention; x: Tensor<readonly [number, number, number]> }) => {
        const { v } = splitHeads(dense(w.qkv)(x) as Tensor<readonly [number, number, number]>, 4);
        return { viaMaps: matmul(mwmhaAttentionWeights(w, { windows })(x), v as Tensor), direct: mwmhaHeads(w, { windows })(x) };
      },
      { w: p, x: spec([2, 16, 16] as const) } as never,
      backend,
    );
    const x = { shape: [2, 16, 16], dtype: "f32", data: Float64Array.from({ length: 512 }, (_, i) => Math.sin(i * 0.37)) } as const;
    const out = (await run({ w: p, x } as never)) as unknown as { viaMaps: HostTensor; direct: HostTensor };
    expect(maxAbsDiff(out.viaMaps.data, out.direct.data)).toBeLessThan(1e-12);
  });
});

describe("analyzeModel", () => {
  it("labels every head of MW-MAE by part, layer and window, and bounds each measure", async () => {
    const a = await analyzeModel({ config: mw.cfg, params: mw.params, backend }, mw.input);
    expect(a.chunks).toBe(2);
    expect(a.heads.map((h) => `${h.part[0]}${h.layer}.${h.head}:${h.window}`)).toEqual([
      ...["e0.0:0", "e0.1:0", "e1.0:0", "e1.1:0"],
      ...["d0.0:2", "d0.1:4", "d0.2:8", "d0.3:0", "d1.0:2", "d1.1:4", "d1.2:8", "d1.3:0"],
    ]);
    for (const h of a.heads) {
      expect(h.entropy).toBeGreaterThanOrEqual(0);
      expect(h.entropy).toBeLessThanOrEqual(Math.log(h.window === 0 ? 16 : h.window) + 1e-12);
      if (h.window > 0) expect(h.distance).toBeLessThan(h.window);
      expect(h.distanceMs).toBeCloseTo(h.distanceTime * 4 * 10, 12); // 4-frame patches, 10 ms hop
      expect(h.distanceMel).toBeCloseTo(h.distanceFreq * 4, 12);
      expect(h.clsMass).toBe(0);
    }
    expect(a.representations.map((r) => r.shape)).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });

  it("leaves the class token out of the grid measures and reports the mass it takes", async () => {
    const a = await analyzeModel({ config: mae.cfg, params: mae.params, backend }, mae.input, { seed: 3 });
    expect(a.heads.filter((h) => h.part === "decoder").map((h) => h.window)).toEqual([0, 0, 0, 0]);
    for (const h of a.heads) {
      expect(h.clsMass).toBeGreaterThan(0);
      expect(h.clsMass).toBeLessThan(1);
    }
  });

  it("refuses PWCCA with fewer datapoints than neurons, and encoders of different depth", async () => {
    const a = await analyzeModel({ config: mw.cfg, params: mw.params, backend }, mw.input);
    expect(() => compareLayers(a.representations, a.representations)).toThrow(
      /32 datapoints for 32 neurons .*more datapoints than neurons/,
    );
    expect(() => compareLayers(a.representations, a.representations.slice(0, 1))).toThrow(/same depth, got 2 and 1 layers/);
  });
});
