/**
 * HEAR embeddings (hear_embed.json): the official runtime on a 3.3 s clip with a small 200×80, 4×16
 * MW-MAE. The file gives the standardised log-mel (`features`, 331×80), so this starts there; the
 * audio front-end is tested on its own (logmel.json).
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { beforeAll, describe, expect, it } from "vitest";
import { reference } from "../../../src";
import { decodeOfficialConfig, hearEmbeddings, loadParams, type HearEmbeddings, type MwmaeConfig } from "../../../src/models/mwmae";
import { ArrayRecord, GoldenArray, hostOf, hostRecord, maxAbs, maxAbsDiff, readGolden } from "../../support/golden";

const Hear = t.type({
  config: t.unknown,
  weights: ArrayRecord,
  num_samples: t.number,
  num_frames: t.number,
  pad_frames: t.number,
  num_chunks: t.number,
  pad_emb_frames: t.number,
  features: GoldenArray,
  chunk_outputs: t.array(GoldenArray),
  timestamp_embeddings: GoldenArray,
  timestamp_embeddings_f64_model: GoldenArray,
  timestamps_ms: GoldenArray,
  scene_embedding: GoldenArray,
});
const golden = readGolden("hear_embed.json", Hear);
const cfg: MwmaeConfig = E.getOrElseW(() => {
  throw new Error("config");
})(decodeOfficialConfig("hear_embed.json")(golden.config));
const params = E.getOrElseW((e: { message: string }) => {
  throw new Error(e.message);
})(loadParams(cfg, hostRecord(golden.weights)));

describe("HEAR embeddings (hear_embed.json)", () => {
  let f32: HearEmbeddings;
  let f64: HearEmbeddings;
  beforeAll(async () => {
    const logmel = hostOf(golden.features);
    [f32, f64] = await Promise.all([
      hearEmbeddings(params, cfg, logmel, golden.num_samples, reference({ precision: "f32" })),
      hearEmbeddings(params, cfg, logmel, golden.num_samples, reference({ precision: "f64" })),
    ]);
  });

  it("chunks, pads and trims as the runtime", () => {
    expect(golden.features.shape).toEqual([golden.num_frames, 80]);
    expect(f32.padFrames).toBe(golden.pad_frames);
    expect(f32.chunkFeatures.shape).toEqual([golden.num_chunks, 50, 160]);
    expect(f32.timestamps.shape).toEqual([2 * 50 - golden.pad_emb_frames, 160]);
    expect(f32.timestamps.shape).toEqual(golden.timestamp_embeddings.shape);
  });

  // Times: float64 here, float32 in the file: 1 float32 ulp at 3260 ms is 2.4e-4.
  it("gives the runtime's timestamps in ms", () => {
    expect(maxAbsDiff(f32.timesMs, golden.timestamps_ms.data)).toBeLessThan(2.5e-4);
  });

  // The file's model ran in float64 (stored as float32): our float64 run must match it to float32
  // storage rounding, 2⁻²⁴ relative of values up to ~3.5 → 3e-7.
  it("matches the float64 model's embeddings to float32 storage rounding", () => {
    expect(maxAbsDiff(f64.timestamps.data, golden.timestamp_embeddings_f64_model.data)).toBeLessThan(3e-7);
  });

  // float32: the file's own float32 run differs from its float64 run by 1.25e-6 at most; bound 4×.
  it("matches the float32 runtime within 4× its own float32 error", () => {
    const scale = maxAbsDiff(golden.timestamp_embeddings.data, golden.timestamp_embeddings_f64_model.data);
    golden.chunk_outputs.forEach((c, i) => {
      expect(maxAbsDiff(f32.chunkFeatures.data.subarray(i * 8000, (i + 1) * 8000), c.data)).toBeLessThan(4 * scale);
    });
    expect(maxAbsDiff(f32.timestamps.data, golden.timestamp_embeddings.data)).toBeLessThan(4 * scale);
    expect(maxAbsDiff(f32.scene, golden.scene_embedding.data)).toBeLessThan(4 * scale);
    expect(maxAbs(f32.scene)).toBeGreaterThan(0.1);
  });
});
