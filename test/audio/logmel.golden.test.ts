/**
 * @file The log-mel front-end against test/golden/logmel.json (torchaudio's MelSpectrogram in float32,
 * from an independent PyTorch implementation), run on the reference backend in float32 and float64.
 *
 * Tolerances, from measurement (docs/audio.md): the golden log-mels carry float32 FFT rounding, which
 * matters only where a bin's energy is tiny. At an energy of ~1e-6 (log-mel ≈ −14) a float32 FFT of a
 * frame with energy ~10 is off by ~1e-3 relative, so the log is off by ~5e-4: our float64 run differs
 * from the golden by 4.5e-4 there, our float32 run by 4.6e-4. Above log-mel −10 both stay under 1.8e-4,
 * and the mean error is under 1e-5. The filterbank differs by ≤ 7.8e-6 because torchaudio builds it in
 * float32 (mel points near 8 kHz carry ~5e-4 Hz of rounding over ~100 Hz wide filters).
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { jit, reference, spec, fromData, type HostTensor, type Tensor } from "../../src";
import { clipStats, decodeWav, hannWindow, logMel, logMelDefaults, melFilterbank, standardize } from "../../src/audio";
import { GoldenArray, maxAbsDiff, readGolden } from "../support/golden";

const LogMelGolden = t.type({
  params: t.type({
    sample_rate: t.number,
    n_fft: t.number,
    hop_length: t.number,
    n_mels: t.number,
    f_min: t.number,
    f_max: t.number,
    eps: t.number,
  }),
  mel_fbanks: GoldenArray,
  hann_window: GoldenArray,
  clips: t.array(
    t.type({
      wav: t.string,
      num_samples: t.number,
      num_frames: t.number,
      logmel: GoldenArray,
      mean: t.number,
      std_unbiased: t.number,
      logmel_standardized: GoldenArray,
    }),
  ),
});
const golden = readGolden("logmel.json", LogMelGolden);

const samplesOf = (wav: string): Float32Array => {
  const decoded = decodeWav(readFileSync(join(__dirname, "../golden", wav)), wav);
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  return decoded.right.samples;
};

const frontEnd = (x: Tensor<readonly [number]>) => {
  const lm = logMel(x);
  const { mean, std } = clipStats(lm);
  return { lm, standardized: standardize(lm), mean, std };
};

/** Largest error where the golden log-mel exceeds `floor`. */
const maxAbsDiffAbove = (ours: ArrayLike<number>, ref: ArrayLike<number>, floor: number): number => {
  let m = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i]! > floor) m = Math.max(m, Math.abs(ours[i]! - ref[i]!));
  return m;
};
const meanAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

describe("log-mel tables", () => {
  it("uses the golden's configuration", () => {
    const p = golden.params;
    const d = logMelDefaults;
    expect([p.sample_rate, p.n_fft, p.hop_length, p.n_mels, p.f_min, p.f_max, p.eps]).toEqual([
      d.sampleRate,
      d.nFft,
      d.hopLength,
      d.nMels,
      d.fMin,
      d.fMax,
      d.logEps,
    ]);
  });

  it("matches torchaudio's mel filterbank [201, 80] within 1e-5 and the periodic Hann window within 5e-7", () => {
    expect(golden.mel_fbanks.shape).toEqual([201, 80]);
    expect(maxAbsDiff(melFilterbank(logMelDefaults), golden.mel_fbanks.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(hannWindow(400), golden.hann_window.data)).toBeLessThan(5e-7);
  });
});

describe.each(["f32", "f64"] as const)("log-mel golden clips, reference backend in %s", (precision) => {
  it.each(golden.clips.map((c) => [c.wav, c] as const))("%s", async (_, clip) => {
    const samples = samplesOf(clip.wav);
    expect(samples.length).toBe(clip.num_samples);
    const f = await jit(({ x }) => frontEnd(x), { x: spec([samples.length] as [number]) }, reference({ precision }));
    const out = await f({ x: fromData(samples, [samples.length] as [number]) });
    const lm: HostTensor = out.lm;
    expect(lm.shape).toEqual([clip.num_frames, 80]);
    expect(clip.num_frames).toBe(1 + Math.floor(clip.num_samples / 160));
    expect(maxAbsDiff(lm.data, clip.logmel.data)).toBeLessThan(6e-4);
    expect(maxAbsDiffAbove(lm.data, clip.logmel.data, -10)).toBeLessThan(2.5e-4);
    expect(meanAbsDiff(lm.data, clip.logmel.data)).toBeLessThan(2e-5);
    expect(Math.abs(out.mean.data[0]! - clip.mean)).toBeLessThan(2e-6);
    expect(Math.abs(out.std.data[0]! - clip.std_unbiased)).toBeLessThan(5e-6);
    expect(maxAbsDiff(out.standardized.data, clip.logmel_standardized.data)).toBeLessThan(1.5e-4);
  });
});
