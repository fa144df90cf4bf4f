/**
 * @file The built-in corpus: a deterministic, seeded synthesiser of labelled audio, so pre-training and
 * the downstream probe need no download. A clip is a function of its key alone (`fold(key, index)`),
 * so a pool can be generated lazily, in any order, in parallel, and always gives the same bytes.
 *
 * - `synthClip(k, class)`: one event of a class (see `soundClasses`) placed at a random onset in the
 *   clip, over a −60 dB white-noise floor (never silent), peak-normalised to a random level.
 * - `poolClip(k, i)` / `pretrainingPool(k, n)`: unlabelled clips mixing one to three events of random
 *   classes, for pre-training.
 * - `labelledTask(k, sizes)`: a balanced classification task with train/valid/test splits.
 */

import { bits, fold, type Key } from "../random/index.js";
import { generate, soundClasses, type SoundClass, type Voice } from "./synth-sounds.js";

export { soundClasses, type SoundClass } from "./synth-sounds.js";

/** Clip format of the corpus. */
export interface SynthOptions {
  /** Hz; default 16000. */
  readonly sampleRate?: number;
  /** Clip length; default 2 s (one 200-frame pre-training crop). */
  readonly seconds?: number;
}

const defaults = { sampleRate: 16000, seconds: 2 } as const;

/** Uniform numbers in [0, 1), one 32-bit word each (exactly representable in float64). */
const uniforms = (k: Key, n: number): Float64Array => Float64Array.from(bits(k, n), (w) => w / 2 ** 32);

/** More parameters than any generator draws; running out is a bug in a generator, reported as such. */
const parameterBudget = 96;

/** A parameter stream (`fold(k, 0)`) and white noise (`fold(k, 1)`) for one event of `length` samples. */
const voiceOf = (k: Key, length: number, sampleRate: number): Voice => {
  const params = uniforms(fold(k, 0), parameterBudget);
  let cursor = 0;
  const next = (): number => {
    if (cursor >= params.length) throw new RangeError(`synth: a generator drew more than ${parameterBudget} parameters`);
    return params[cursor++]!;
  };
  const noise = uniforms(fold(k, 1), length).map((u) => 2 * u - 1);
  return { sampleRate, length, next, noise };
};

/** Adds one event of class `c` (key `k`) into `clip` at a random onset, scaled to peak `gain`. */
const addEvent = (clip: Float64Array, k: Key, c: SoundClass, gain: number, sampleRate: number): void => {
  const u = uniforms(fold(k, 2), 2);
  const length = Math.max(1, Math.floor(clip.length * (0.4 + 0.6 * u[0]!)));
  const onset = Math.floor((clip.length - length) * u[1]!);
  const event = generate(c, voiceOf(k, length, sampleRate));
  let peak = 0;
  for (const x of event) peak = Math.max(peak, Math.abs(x));
  const scale = peak > 0 ? gain / peak : 0;
  for (let i = 0; i < length; i++) clip[onset + i] = clip[onset + i]! + event[i]! * scale;
};

/** The −60 dB noise floor under every clip, then peak normalisation to `level`, as float32. */
const finish = (clip: Float64Array, k: Key, level: number): Float32Array => {
  const floor = uniforms(fold(k, 3), clip.length);
  let peak = 0;
  for (let i = 0; i < clip.length; i++) {
    clip[i] = clip[i]! + 1e-3 * (2 * floor[i]! - 1);
    peak = Math.max(peak, Math.abs(clip[i]!));
  }
  return Float32Array.from(clip, (x) => (x * level) / peak);
};

const lengthOf = (opts: SynthOptions): { readonly n: number; readonly rate: number } => {
  const rate = opts.sampleRate ?? defaults.sampleRate;
  const seconds = opts.seconds ?? defaults.seconds;
  if (!(rate > 0 && seconds > 0)) throw new RangeError(`synth: sample rate and seconds must be positive, got ${rate} Hz, ${seconds} s`);
  return { n: Math.round(rate * seconds), rate };
};

/** Peak level of a finished clip: uniform in [0.3, 0.9]. */
const levelOf = (k: Key): number => 0.3 + 0.6 * uniforms(fold(k, 4), 1)[0]!;

/**
 * One clip holding one event of class `c`.
 * @example
 * const bellClip = synthClip(key(1), "bell", { seconds: 1 });
 */
export const synthClip = (k: Key, c: SoundClass, opts: SynthOptions = {}): Float32Array => {
  const { n, rate } = lengthOf(opts);
  const clip = new Float64Array(n);
  addEvent(clip, fold(k, 10), c, 1, rate);
  return finish(clip, k, levelOf(k));
};

/**
 * Clip `index` of an unlabelled pre-training pool: one to three events of random classes at random
 * onsets and relative levels (0 to −12 dB), mixed. Any clip can be made without the others.
 * @example
 * const batch = [0, 1, 2, 3].map((i) => poolClip(poolKey, step * 4 + i));
 */
export const poolClip = (k: Key, index: number, opts: SynthOptions = {}): Float32Array => {
  const { n, rate } = lengthOf(opts);
  const ck = fold(k, index);
  const u = uniforms(fold(ck, 5), 7);
  const events = 1 + Math.floor(3 * u[0]!);
  const clip = new Float64Array(n);
  for (let e = 0; e < events; e++) {
    const c = soundClasses[Math.floor(soundClasses.length * u[1 + 2 * e]!)]!;
    addEvent(clip, fold(ck, 10 + e), c, 10 ** ((-12 * u[2 + 2 * e]!) / 20), rate);
  }
  return finish(clip, ck, levelOf(ck));
};

/**
 * `clips` clips of the pre-training pool (`poolClip(k, 0 … clips−1)`).
 * @example
 * const pool = pretrainingPool(key(0), 256, { seconds: 2 });
 */
export const pretrainingPool = (k: Key, clips: number, opts: SynthOptions = {}): Float32Array[] =>
  Array.from({ length: clips }, (_, i) => poolClip(k, i, opts));

/** A labelled clip of the synthetic task. */
export interface LabelledClip {
  /** `split/class/index`, unique within a task. */
  readonly id: string;
  readonly samples: Float32Array;
  /** Index into the task's `classes`. */
  readonly label: number;
}

/** A balanced classification task over the sound classes. */
export interface SynthTask {
  readonly classes: ReadonlyArray<SoundClass>;
  readonly sampleRate: number;
  readonly train: ReadonlyArray<LabelledClip>;
  readonly valid: ReadonlyArray<LabelledClip>;
  readonly test: ReadonlyArray<LabelledClip>;
}

/** Clips per class in each split. */
export interface SplitSizes {
  readonly train: number;
  readonly valid: number;
  readonly test: number;
}

/**
 * A balanced task: `sizes[split]` clips of every class in each split, classes interleaved
 * (clip j of every class, then clip j + 1, …). Splits use disjoint keys, so no clip repeats.
 * @example
 * const task = labelledTask(key(1), { train: 20, valid: 5, test: 10 }, { seconds: 1 });
 */
export const labelledTask = (
  k: Key,
  sizes: SplitSizes,
  opts: SynthOptions & { readonly classes?: ReadonlyArray<SoundClass> } = {},
): SynthTask => {
  const classes = opts.classes ?? soundClasses;
  const split = (name: keyof SplitSizes, s: number): LabelledClip[] =>
    Array.from({ length: sizes[name] }, (_, j) =>
      classes.map((c, label) => ({ id: `${name}/${c}/${j}`, label, samples: synthClip(fold(fold(fold(k, s), label), j), c, opts) })),
    ).flat();
  return { classes, sampleRate: lengthOf(opts).rate, train: split("train", 0), valid: split("valid", 1), test: split("test", 2) };
};
