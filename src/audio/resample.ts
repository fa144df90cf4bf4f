/**
 * @file Band-limited resampling by windowed sinc (Smith's bandlimited interpolation, as in resampy).
 * Each output sample is the input convolved with a low-pass sinc at the output time; the sinc is cut to
 * `zeroCrossings` lobes each side (counted at the lower of the two rates) and tapered by a Kaiser
 * window whose β gives `attenuationDb` of stopband rejection. The cutoff sits at `rolloff` times the
 * lower Nyquist frequency, so downsampling removes what would alias and upsampling removes images.
 *
 * The windowed sinc is tabulated once per quality (`density` points per zero crossing) and read with
 * linear interpolation; at 512 points the interpolation error is far below the window's sidelobes.
 * This is host-side preprocessing in float64 arithmetic, not part of any graph. Measured quality
 * (44.1 kHz → 16 kHz and others) is in docs/audio.md and pinned by test/audio/resample.test.ts.
 */

/** Filter design of the resampler. */
export interface ResamplerQuality {
  /** Sinc lobes kept on each side, counted at the lower rate: longer filters, sharper transition. */
  readonly zeroCrossings: number;
  /** Cutoff as a fraction of the lower rate's Nyquist frequency. */
  readonly rolloff: number;
  /** Stopband attenuation the Kaiser window is designed for (Kaiser's formula for β). */
  readonly attenuationDb: number;
  /** Table points per zero crossing. */
  readonly density: number;
}

/** The default: passband to ≈ 7.1 kHz and stopband from ≈ 7.9 kHz when the lower rate is 16 kHz. */
export const defaultResampler: ResamplerQuality = { zeroCrossings: 64, rolloff: 0.94, attenuationDb: 90, density: 512 };

/** Modified Bessel function of the first kind, order 0, by its power series (converges for all x). */
const besselI0 = (x: number): number => {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > 1e-17 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
};

/** Kaiser's β for a stopband attenuation in dB (Kaiser 1974; Oppenheim & Schafer eq. 7.62). */
export const kaiserBeta = (attenuationDb: number): number =>
  attenuationDb > 50
    ? 0.1102 * (attenuationDb - 8.7)
    : attenuationDb >= 21
      ? 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21)
      : 0;

const sinc = (x: number): number => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** The windowed sinc at `density` points per zero crossing, from 0 to `zeroCrossings` (plus a zero guard). */
const tabulate = (q: ResamplerQuality): Float64Array => {
  const n = q.zeroCrossings * q.density;
  const beta = kaiserBeta(q.attenuationDb);
  const norm = besselI0(beta);
  const table = new Float64Array(n + 2);
  for (let i = 0; i <= n; i++) {
    const u = i / n;
    table[i] = q.rolloff * sinc((q.rolloff * i) / q.density) * (besselI0(beta * Math.sqrt(Math.max(0, 1 - u * u))) / norm);
  }
  return table;
};

const tables = new Map<string, Float64Array>();
const tableFor = (q: ResamplerQuality): Float64Array => {
  const id = `${q.zeroCrossings}/${q.rolloff}/${q.attenuationDb}/${q.density}`;
  const hit = tables.get(id);
  if (hit !== undefined) return hit;
  const t = tabulate(q);
  tables.set(id, t);
  return t;
};

/** Output length for `n` input samples: ⌈n · to/from⌉ (resampy's and librosa's convention). */
export const resampledLength = (n: number, from: number, to: number): number => Math.ceil((n * to) / from - 1e-9);

/**
 * `samples` at rate `from` resampled to rate `to` (Hz). Equal rates return a copy. Samples beyond the
 * ends count as zero, so the first and last ~`zeroCrossings` output samples see a partial filter.
 * @example
 * const at16k = resample(samples, 44100, 16000);
 */
export const resample = (samples: Float32Array, from: number, to: number, quality: ResamplerQuality = defaultResampler): Float32Array => {
  if (!(from > 0 && to > 0 && Number.isFinite(from) && Number.isFinite(to)))
    throw new RangeError(`resample: rates must be positive, got ${from} → ${to}`);
  if (from === to) return samples.slice();
  const table = tableFor(quality);
  const scale = Math.min(1, to / from); // filter time scale: the lower rate's sample period, in input samples
  const halfWidth = quality.zeroCrossings / scale;
  const step = scale * quality.density; // table points per input sample
  const limit = quality.zeroCrossings * quality.density;
  const n = samples.length;
  const out = new Float32Array(resampledLength(n, from, to));
  for (let j = 0; j < out.length; j++) {
    const t = (j * from) / to; // output time in input samples
    const first = Math.max(0, Math.ceil(t - halfWidth));
    const last = Math.min(n - 1, Math.floor(t + halfWidth));
    let acc = 0;
    for (let k = first; k <= last; k++) {
      const pos = Math.abs(t - k) * step;
      const i = Math.floor(pos);
      if (i > limit) continue;
      const frac = pos - i;
      acc += samples[k]! * (table[i]! + frac * (table[i + 1]! - table[i]!));
    }
    out[j] = acc * scale;
  }
  return out;
};

/** The rate every model here expects (DESIGN.md §2). */
export const modelSampleRate = 16000;

/**
 * A clip at 16 kHz: resampled when it is at another rate, unchanged otherwise.
 * @example
 * const clip = to16k({ sampleRate: 44100, samples });
 */
export const to16k = <A extends { readonly sampleRate: number; readonly samples: Float32Array }>(
  audio: A,
  quality = defaultResampler,
): A =>
  audio.sampleRate === modelSampleRate
    ? audio
    : { ...audio, sampleRate: modelSampleRate, samples: resample(audio.samples, audio.sampleRate, modelSampleRate, quality) };
