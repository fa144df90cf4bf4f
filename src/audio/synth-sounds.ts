/**
 * @file The sound classes of the built-in corpus, each a pure function from a stream of uniform numbers
 * (the clip's random parameters, drawn from its key) and a white-noise buffer to samples. They are
 * chosen to differ in what a spectrogram model must learn to see: harmonic structure (full or odd
 * series), inharmonic decaying partials, pitch trajectories, noise colour and band, temporal
 * periodicity, and slow amplitude or fast frequency modulation. Plain float64 loops; no graphs.
 */

/** The classes, in label order. */
export const soundClasses = [
  "harmonic", // full harmonic series, ADSR envelope: strings, voices
  "odd-harmonic", // odd harmonics only: clarinet- or square-like
  "bell", // inharmonic partials with exponential decays
  "chirp-up", // exponential upward sweep
  "chirp-down", // exponential downward sweep
  "white-burst", // a burst of white noise with a fast attack
  "pink-band", // pink noise through a band-pass filter
  "clicks", // a periodic click train
  "am-tone", // a tone amplitude-modulated at 2–16 Hz
  "fm-tone", // two-operator FM synthesis
] as const;
/** One class of the built-in synthetic corpus (`"harmonic"`, `"bell"`, `"clicks"`, …); its index in `soundClasses` is its label. */
export type SoundClass = (typeof soundClasses)[number];

/** What a generator gets: rates, length, a parameter source and white noise in [-1, 1). */
export interface Voice {
  readonly sampleRate: number;
  /** Samples of the event (the corpus places it inside the clip). */
  readonly length: number;
  /** The next uniform number in [0, 1) of this clip's parameter stream. */
  readonly next: () => number;
  /** `length` white-noise samples in [-1, 1), independent of `next`. */
  readonly noise: Float64Array;
}

const tau = 2 * Math.PI;
const between = (v: Voice, lo: number, hi: number): number => lo + (hi - lo) * v.next();
/** Log-uniform in [lo, hi]: pitches and rates are perceived on log scales. */
const logBetween = (v: Voice, lo: number, hi: number): number => lo * (hi / lo) ** v.next();

/**
 * Attack–decay–sustain–release gain at sample i of n: linear attack to 1, exponential-ish decay to
 * the sustain level, release to 0 over the last part. Times are fractions of the event.
 */
const adsr = (v: Voice): ((i: number) => number) => {
  const n = v.length;
  const a = Math.max(1, Math.floor(n * between(v, 0.01, 0.15)));
  const d = Math.max(1, Math.floor(n * between(v, 0.05, 0.3)));
  const r = Math.max(1, Math.floor(n * between(v, 0.05, 0.3)));
  const s = between(v, 0.3, 0.9);
  return (i) => {
    if (i < a) return i / a;
    if (i < a + d) return 1 - (1 - s) * ((i - a) / d);
    if (i >= n - r) return (s * (n - i)) / r;
    return s;
  };
};

/** Σ_k amp_k · sin(2π·k·f0·t + φ_k) over harmonics below Nyquist, under an ADSR envelope. */
const harmonicTone = (v: Voice, oddOnly: boolean): Float64Array => {
  const f0 = logBetween(v, 80, 1000);
  const tilt = between(v, 0.6, 2.2); // amplitude 1/k^tilt: low tilt is bright, high is dull
  const vibratoRate = between(v, 3, 7);
  const vibratoDepth = between(v, 0, 0.01);
  const env = adsr(v);
  const ks: number[] = [];
  for (let k = 1; k <= 24 && k * f0 < 0.45 * v.sampleRate; k += oddOnly ? 2 : 1) ks.push(k);
  const amps = ks.map((k) => 1 / k ** tilt);
  // Each harmonic's phase offset as a unit complex number; sin(kφ + φ_k) = Im(e^{ikφ}·e^{iφ_k}).
  const offsets = ks.map(() => between(v, 0, tau));
  const [ore, oim] = [offsets.map(Math.cos), offsets.map(Math.sin)];
  const out = new Float64Array(v.length);
  let phase = 0; // the fundamental's phase, integrated so vibrato bends every harmonic together
  for (let i = 0; i < v.length; i++) {
    const t = i / v.sampleRate;
    phase += (tau * f0 * (1 + vibratoDepth * Math.sin(tau * vibratoRate * t))) / v.sampleRate;
    // e^{ikφ} by repeated multiplication: one cos and sin per sample instead of one per harmonic.
    const [c1, s1] = [Math.cos(phase), Math.sin(phase)];
    const [c2, s2] = [c1 * c1 - s1 * s1, 2 * c1 * s1];
    const [stepC, stepS] = oddOnly ? [c2, s2] : [c1, s1];
    let [zc, zs] = [c1, s1];
    let acc = 0;
    for (let j = 0; j < ks.length; j++) {
      acc += amps[j]! * (zs * ore[j]! + zc * oim[j]!);
      [zc, zs] = [zc * stepC - zs * stepS, zc * stepS + zs * stepC];
    }
    out[i] = acc * env(i);
  }
  return out;
};

/** Partials at non-integer ratios of a base frequency, each decaying exponentially (higher ones faster). */
const bell = (v: Voice): Float64Array => {
  const f0 = logBetween(v, 150, 1200);
  const ratios = [1, between(v, 1.9, 2.2), between(v, 2.6, 3.1), between(v, 3.9, 4.6), between(v, 5.2, 6.3)];
  const decay = between(v, 2, 8); // 1/s for the lowest partial
  const out = new Float64Array(v.length);
  ratios.forEach((r, j) => {
    const f = f0 * r;
    if (f >= 0.45 * v.sampleRate) return;
    const amp = 1 / (1 + j);
    const phi = between(v, 0, tau);
    for (let i = 0; i < v.length; i++) {
      const t = i / v.sampleRate;
      out[i] = out[i]! + amp * Math.exp(-decay * (1 + 0.6 * j) * t) * Math.sin(tau * f * t + phi);
    }
  });
  return out;
};

/** An exponential sweep from f0 to f1: phase 2π·f0·T/ln(f1/f0)·((f1/f0)^(t/T) − 1). */
const chirp = (v: Voice, up: boolean): Float64Array => {
  const lo = logBetween(v, 100, 1000);
  const hi = lo * logBetween(v, 2.5, 7);
  const [f0, f1] = up ? [lo, Math.min(hi, 7000)] : [Math.min(hi, 7000), lo];
  const seconds = v.length / v.sampleRate;
  const k = Math.log(f1 / f0);
  const fade = Math.max(1, Math.floor(0.02 * v.sampleRate));
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = i / v.sampleRate;
    const ramp = Math.min(1, i / fade, (v.length - 1 - i) / fade);
    out[i] = ramp * Math.sin(((tau * f0 * seconds) / k) * (Math.exp((k * t) / seconds) - 1));
  }
  return out;
};

/** White noise with an instant-ish attack and an exponential decay. */
const whiteBurst = (v: Voice): Float64Array => {
  const decay = logBetween(v, 3, 30);
  const attack = Math.max(1, Math.floor(v.sampleRate * 0.003));
  return v.noise.map((x, i) => x * Math.min(1, i / attack) * Math.exp((-decay * i) / v.sampleRate));
};

/**
 * Pink noise (Paul Kellet's economy filter: three one-pole sections, within ±0.5 dB of −3 dB/octave)
 * through an RBJ band-pass biquad with a random centre and Q.
 */
const pinkBand = (v: Voice): Float64Array => {
  const centre = logBetween(v, 200, 5000);
  const q = between(v, 0.7, 4);
  const w = (tau * centre) / v.sampleRate;
  const alpha = Math.sin(w) / (2 * q);
  const a0 = 1 + alpha;
  const [b0, b2, a1, a2] = [alpha / a0, -alpha / a0, (-2 * Math.cos(w)) / a0, (1 - alpha) / a0];
  const env = adsr(v);
  const out = new Float64Array(v.length);
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let [x1, x2, y1, y2] = [0, 0, 0, 0];
  for (let i = 0; i < v.length; i++) {
    const white = v.noise[i]!;
    p0 = 0.99765 * p0 + white * 0.099046;
    p1 = 0.963 * p1 + white * 0.2965164;
    p2 = 0.57 * p2 + white * 1.0526913;
    const pink = (p0 + p1 + p2 + white * 0.1848) * 0.2;
    const y = b0 * pink + b2 * x2 - a1 * y1 - a2 * y2;
    [x2, x1, y2, y1] = [x1, pink, y1, y];
    out[i] = y * env(i);
  }
  return out;
};

/** Clicks (short decaying noise-free pulses) at a steady rate of 4–40 per second. */
const clicks = (v: Voice): Float64Array => {
  const rate = logBetween(v, 4, 40);
  const ring = logBetween(v, 800, 4000); // each click rings briefly at this frequency
  const period = v.sampleRate / rate;
  const width = Math.floor(0.004 * v.sampleRate);
  const out = new Float64Array(v.length);
  for (let start = between(v, 0, period); start < v.length; start += period) {
    const s = Math.floor(start);
    for (let j = 0; j < width && s + j < v.length; j++) out[s + j] = Math.exp(-j / (width / 5)) * Math.cos((tau * ring * j) / v.sampleRate);
  }
  return out;
};

/** A sinusoidal carrier whose amplitude swings at 2–16 Hz with depth 0.5–1. */
const amTone = (v: Voice): Float64Array => {
  const fc = logBetween(v, 150, 3000);
  const fm = logBetween(v, 2, 16);
  const depth = between(v, 0.5, 1);
  const phi = between(v, 0, tau);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = i / v.sampleRate;
    out[i] = (1 - depth * 0.5 * (1 + Math.cos(tau * fm * t + phi))) * Math.sin(tau * fc * t);
  }
  return out;
};

/** sin(2π·fc·t + I(t)·sin(2π·fm·t)) with a modulation index that decays (brass/bell-like FM). */
const fmTone = (v: Voice): Float64Array => {
  const fc = logBetween(v, 150, 1500);
  const fm = fc * [0.5, 1, 1.5, 2, 3.5][Math.floor(v.next() * 5)]!;
  const index = between(v, 1, 6);
  const indexDecay = between(v, 0.5, 4);
  const env = adsr(v);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = i / v.sampleRate;
    out[i] = env(i) * Math.sin(tau * fc * t + index * Math.exp(-indexDecay * t) * Math.sin(tau * fm * t));
  }
  return out;
};

/** One event of class `c`, unnormalised. */
export const generate = (c: SoundClass, v: Voice): Float64Array => {
  switch (c) {
    case "harmonic":
      return harmonicTone(v, false);
    case "odd-harmonic":
      return harmonicTone(v, true);
    case "bell":
      return bell(v);
    case "chirp-up":
      return chirp(v, true);
    case "chirp-down":
      return chirp(v, false);
    case "white-burst":
      return whiteBurst(v);
    case "pink-band":
      return pinkBand(v);
    case "clicks":
      return clicks(v);
    case "am-tone":
      return amTone(v);
    case "fm-tone":
      return fmTone(v);
  }
};
