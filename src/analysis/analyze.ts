/**
 * @file The analysis of one model on a set of log-mel chunks: per layer and head, attention entropy
 * and mean attention distance (tokens, time and frequency patches, ms and mel bins), averaged over the
 * chunks, for the encoder and the decoder; and each encoder layer's representation (patch tokens of
 * every chunk stacked: `[chunks·n, dim]`) for PWCCA and CKA (`compareLayers`). Browser-safe: it runs
 * the captured graphs on whatever backend it is given, one chunk at a time.
 */

import { logMelDefaults } from "../audio/index.js";
import { jit, type Backend } from "../backends/index.js";
import type { HostTensor } from "../ir/index.js";
import { geometry, maskingNoise, type HostParams, type MwmaeConfig, type MwmaeParams } from "../models/mwmae/index.js";
import { key } from "../random/index.js";
import { spec } from "../trace/index.js";
import { attentionStats, type HeadStats } from "./attention-stats.js";
import { decoderAttention, encoderCapture } from "./capture.js";

/** One head's statistics, averaged over queries and chunks. */
export interface HeadEntry {
  readonly part: "encoder" | "decoder";
  /** Block index, from 0. */
  readonly layer: number;
  readonly head: number;
  /** Window in tokens; 0 for a global head (every encoder head, the plain MAE's decoder heads). */
  readonly window: number;
  /** Attention entropy in nats. */
  readonly entropy: number;
  /** Mean attention distance in tokens of the sequence the head attends over (flattened, time-major). */
  readonly distance: number;
  /** Mean distance along time, in patches. */
  readonly distanceTime: number;
  /** Mean distance along frequency, in patches. */
  readonly distanceFreq: number;
  /** Mean Euclidean distance on the patch grid, in patches. */
  readonly distanceGrid: number;
  /** Mean distance along time in milliseconds (time patches × patch frames × hop). */
  readonly distanceMs: number;
  /** Mean distance along frequency in mel bins (frequency patches × patch mel bins). */
  readonly distanceMel: number;
  /** Mean attention mass on the class token (0 without one); the other measures leave it out. */
  readonly clsMass: number;
}

/** A model to analyse: its configuration, parameters and where its graphs run. */
export interface AnalysisModel {
  readonly config: MwmaeConfig;
  readonly params: HostParams;
  readonly backend: Backend;
}

/** Options of `analyzeModel`. */
export interface AnalyzeOptions {
  /** Seed of the decoder's masking noise (one draw per chunk; default 0). */
  readonly seed?: number;
}

/** What `analyzeModel` measures. */
export interface ModelAnalysis {
  /** Encoder heads (layer by layer), then decoder heads. */
  readonly heads: ReadonlyArray<HeadEntry>;
  /** Per encoder layer, its patch tokens over every chunk, `[chunks·n, dim]`, float64. */
  readonly representations: ReadonlyArray<HostTensor>;
  /** How many chunks were averaged. */
  readonly chunks: number;
}

/** Running sums of `HeadStats` over chunks, per layer. */
const addStats = (into: number[][] | undefined, s: HeadStats): number[][] => {
  const rows = [s.entropy, s.distanceTokens, s.distanceTime!, s.distanceFreq!, s.distanceGrid!, s.skippedMass];
  return rows.map((r, k) => r.map((v, h) => v + (into?.[k]?.[h] ?? 0)));
};

/**
 * Attention statistics per head and layer representations of a model on log-mel chunks
 * `[chunks, frames, mels]` (each exactly the configured input size).
 * @example
 * const { heads, representations } = await analyzeModel({ config, params, backend }, chunks);
 */
export const analyzeModel = async (model: AnalysisModel, chunks: HostTensor, options: AnalyzeOptions = {}): Promise<ModelAnalysis> => {
  const { config: cfg, params, backend } = model;
  const g = geometry(cfg);
  const [count, frames, mels] = chunks.shape as readonly [number, number, number];
  if (chunks.shape.length !== 3 || frames !== cfg.input.frames || mels !== cfg.input.mels)
    throw new RangeError(`analyzeModel: chunks must be [count, ${cfg.input.frames}, ${cfg.input.mels}], got [${chunks.shape.join(", ")}]`);
  if (count < 1) throw new RangeError("analyzeModel: no chunks to analyse");
  // One cast: host parameters stand where the traced function expects tensors of the same tree.
  const p = params as unknown as MwmaeParams;
  const specs = { p, x: spec([1, frames, mels] as const), noise: spec([1, g.patches] as const) };
  const run = await jit(
    (a) => ({ encoder: encoderCapture(a.p, cfg)(a.x), decoder: decoderAttention(a.p, cfg)(a.x, a.noise) }),
    specs,
    backend,
  );
  const noise = await (await jit(() => maskingNoise(key(options.seed ?? 0), count, g.patches), {}, backend))({});
  const skip = g.tokens - g.patches;
  const encoderSums: Array<number[][] | undefined> = [];
  const decoderSums: Array<number[][] | undefined> = [];
  const tokens = Array.from({ length: cfg.encoder.depth }, () => new Float64Array(count * g.patches * cfg.encoder.dim));
  const inner = frames * mels;
  for (let c = 0; c < count; c++) {
    const chunk = { shape: [1, frames, mels] as const, dtype: chunks.dtype, data: chunks.data.subarray(c * inner, (c + 1) * inner) };
    const rowNoise = { shape: [1, g.patches] as const, dtype: noise.dtype, data: noise.data.subarray(c * g.patches, (c + 1) * g.patches) };
    const { encoder: enc, decoder: dec } = await run({ p, x: chunk, noise: rowNoise });
    enc.attention.forEach((maps, l) => {
      encoderSums[l] = addStats(encoderSums[l], attentionStats(maps, { grid: g.grid, skip }));
    });
    enc.hidden.forEach((h, l) => {
      // Patch tokens only: the class token has no place on the grid and is not a datapoint of the clip.
      tokens[l]!.set(h.data.subarray(skip * cfg.encoder.dim), c * g.patches * cfg.encoder.dim);
    });
    dec.forEach((maps, l) => {
      decoderSums[l] = addStats(decoderSums[l], attentionStats(maps, { grid: g.grid, skip }));
    });
  }
  const frameMs = (1000 * logMelDefaults.hopLength) / logMelDefaults.sampleRate;
  const entries = (part: HeadEntry["part"], sums: ReadonlyArray<number[][] | undefined>, windows: (h: number) => number): HeadEntry[] =>
    sums.flatMap((s, layer) =>
      s![0]!.map((_, head) => {
        const [entropy, distance, time, freq, grid, cls] = s!.map((row) => row[head]! / count) as [
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        return {
          part,
          layer,
          head,
          window: windows(head),
          entropy,
          distance,
          distanceTime: time,
          distanceFreq: freq,
          distanceGrid: grid,
          distanceMs: time * cfg.patch.time * frameMs,
          distanceMel: freq * cfg.patch.freq,
          clsMass: cls,
        };
      }),
    );
  return {
    heads: [...entries("encoder", encoderSums, () => 0), ...entries("decoder", decoderSums, (h) => g.windows[h] ?? 0)],
    representations: tokens.map((data) => ({ shape: [count * g.patches, cfg.encoder.dim], dtype: "f32", data }) as HostTensor),
    chunks: count,
  };
};
