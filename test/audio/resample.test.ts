/**
 * @file Resampler quality, measured with pure tones: the gain of a tone is its least-squares amplitude
 * in the middle half of the output (the ends see a partial filter), so these numbers are the frequency
 * response itself. Thresholds sit a few dB inside what the default design achieves; docs/audio.md
 * lists the measured values.
 */

import { describe, expect, it } from "vitest";
import { kaiserBeta, resample, resampledLength, to16k } from "../../src/audio";

const tone = (hz: number, rate: number, seconds: number): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));

/** Amplitude of the `hz` component of `y` (sampled at `rate`), fitted over the middle half. */
const amplitudeAt = (y: Float32Array, hz: number, rate: number): number => {
  const a = Math.floor(y.length / 4);
  const b = Math.floor((3 * y.length) / 4);
  let c = 0;
  let s = 0;
  for (let i = a; i < b; i++) {
    c += y[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    s += y[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(c, s)) / (b - a);
};

/** Peak-equivalent level of everything in the middle half (√2 · RMS), for aliases of unknown frequency. */
const level = (y: Float32Array): number => {
  const a = Math.floor(y.length / 4);
  const b = Math.floor((3 * y.length) / 4);
  let e = 0;
  for (let i = a; i < b; i++) e += y[i]! * y[i]!;
  return Math.SQRT2 * Math.sqrt(e / (b - a));
};

const db = (x: number): number => 20 * Math.log10(x);

describe("resample", () => {
  it.each([44100, 48000, 22050, 8000])("keeps a 1 kHz tone within 0.001 dB from %i Hz to 16 kHz", (rate) => {
    const y = resample(tone(1000, rate, 0.5), rate, 16000);
    expect(Math.abs(db(amplitudeAt(y, 1000, 16000)))).toBeLessThan(0.001);
  });

  it("has a flat passband up to 7 kHz (44.1 kHz → 16 kHz): within 0.001 dB", () => {
    const gains = [50, 500, 2000, 4000, 5500, 6500, 7000].map((hz) =>
      db(amplitudeAt(resample(tone(hz, 44100, 0.5), 44100, 16000), hz, 16000)),
    );
    expect(Math.max(...gains.map(Math.abs))).toBeLessThan(0.001);
  });

  it("rejects everything from 8 kHz to 22 kHz by at least 90 dB (44.1 kHz → 16 kHz), 9 kHz by 110 dB", () => {
    const levels: number[] = [];
    for (let hz = 8000; hz < 22050; hz += 250) levels.push(db(level(resample(tone(hz, 44100, 0.25), 44100, 16000))));
    expect(Math.max(...levels)).toBeLessThan(-90);
    expect(db(level(resample(tone(9000, 44100, 0.5), 44100, 16000)))).toBeLessThan(-110);
  });

  it("removes the images of upsampling (8 kHz → 16 kHz): a 3 kHz tone's 5 kHz image is below -100 dB", () => {
    const y = resample(tone(3000, 8000, 0.5), 8000, 16000);
    expect(Math.abs(db(amplitudeAt(y, 3000, 16000)))).toBeLessThan(0.001);
    expect(db(amplitudeAt(y, 5000, 16000))).toBeLessThan(-100);
  });

  it("gives ⌈n·to/from⌉ samples, copies at equal rates, and passes 16 kHz clips through to16k", () => {
    expect(resample(new Float32Array(44100), 44100, 16000).length).toBe(16000);
    expect(resampledLength(1001, 44100, 16000)).toBe(Math.ceil((1001 * 16000) / 44100));
    const x = tone(440, 16000, 0.01);
    const copy = resample(x, 16000, 16000);
    expect(copy).toEqual(x);
    expect(copy).not.toBe(x);
    const clip = { sampleRate: 16000, samples: x };
    expect(to16k(clip)).toBe(clip);
    expect(to16k({ sampleRate: 32000, samples: tone(440, 32000, 0.01) }).samples.length).toBe(160);
  });

  it("uses Kaiser's β: 0.1102·(A − 8.7) above 50 dB", () => {
    expect(kaiserBeta(90)).toBeCloseTo(0.1102 * 81.3, 12);
    expect(kaiserBeta(10)).toBe(0);
    expect(() => resample(new Float32Array(4), 0, 16000)).toThrow(/rates must be positive/);
  });
});
