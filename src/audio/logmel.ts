/**
 * @file The log-mel front-end as DSL expressions, so it traces, differentiates and compiles like the
 * model: centre padding and framing are one `gather` whose indices are integer arithmetic on `iota`
 * (no index tables), the windowed DFT is one `matmul` with a constant basis, the power spectrum is
 * squares of its real and imaginary halves, and the mel filterbank is a second `matmul`. Leading axes
 * of the signal are batch axes. Semantics: DESIGN.md §2 (torchaudio's MelSpectrogram, centre=True,
 * pad_mode="reflect", power 2, then log(x + 2⁻²³)); pinned by test/golden/logmel.json.
 */

import {
  add,
  broadcastTo,
  constant,
  div,
  gather,
  iota,
  log,
  matmul,
  maximum,
  mul,
  reshape,
  sliceAll,
  sqrt,
  sub,
  sumKeep,
  type Tensor,
} from "../ir/index.js";
import { ShapeError, type DropLast } from "../shape/index.js";
import { checkLogMelConfig, dftBasis, frameCount, frequencyBins, logMelDefaults, melFilterbank, type LogMelConfig } from "./mel.js";

/** Batch dims of a signal or spectrogram: all but the last `k` axes. */
const batchOf = (x: Tensor, k: number, op: string): number[] => {
  if (x.shape.length < k) throw new ShapeError(op, `needs rank >= ${k}`, [x.shape]);
  return x.shape.slice(0, x.shape.length - k);
};

/**
 * Position in the signal of every sample of every frame, `[frames, nFft]` (i32): frame f, tap k reads
 * padded sample f·hop + k, i.e. signal sample t = f·hop + k − nFft/2, reflected at both ends
 * (−t before 0, 2(n−1) − t past n−1), written as last − |last − |t|| with |x| = max(x, −x). One
 * reflection suffices because the pad (nFft/2) is shorter than the signal, which is checked.
 */
export const frameIndices = (samples: number, cfg: LogMelConfig = logMelDefaults): Tensor<readonly [number, number]> => {
  const half = Math.floor(cfg.nFft / 2);
  if (samples <= half) {
    throw new ShapeError("logMel", `a clip of ${samples} samples is too short to reflect-pad by ${half}: it needs at least ${half + 1}`, [
      [samples],
    ]);
  }
  const shape = [frameCount(samples, cfg.hopLength), cfg.nFft];
  const t = add(mul(iota(shape, 0), cfg.hopLength), sub(iota(shape, 1), half));
  const magnitude = (x: Tensor): Tensor => maximum(x, sub(0, x));
  const last = samples - 1;
  return sub(last, magnitude(sub(last, magnitude(t)))) as Tensor<readonly [number, number]>;
};

/**
 * Centred, reflect-padded frames of a signal: `[..., samples] → [..., frames, nFft]`, frames =
 * 1 + ⌊samples/hop⌋. One gather along the time axis.
 */
export const frames = <S extends readonly [...number[], number]>(
  signal: Tensor<S>,
  cfg: LogMelConfig = logMelDefaults,
): Tensor<readonly [...DropLast<S>, number, number]> => {
  const x: Tensor = signal;
  const batch = batchOf(x, 1, "frames");
  const n = x.shape[x.shape.length - 1]!;
  const idx = frameIndices(n, cfg);
  const [f, k] = idx.shape;
  const flat = broadcastTo(reshape(idx, [...batch.map(() => 1), f * k]), [...batch, f * k]);
  return reshape(gather(x, flat, -1), [...batch, f, k]) as never;
};

/**
 * Power spectrum |STFT|² of windowed frames: `[..., frames, nFft] → [..., frames, nFft/2 + 1]`. One
 * matmul with the windowed cos/−sin basis, then re² + im².
 */
export const powerSpectrum = <S extends readonly [...number[], number, number]>(
  framed: Tensor<S>,
  cfg: LogMelConfig = logMelDefaults,
): Tensor<readonly [...DropLast<DropLast<S>>, number, number]> => {
  const x: Tensor = framed;
  const batch = batchOf(x, 2, "powerSpectrum");
  const bins = frequencyBins(cfg.nFft);
  const basis = constant(dftBasis(cfg), [cfg.nFft, 2 * bins]);
  const spec = matmul(x, basis);
  const f = x.shape[x.shape.length - 2]!;
  const starts = [...batch.map(() => 0), 0];
  const re = sliceAll(spec, [...starts, 0], [...batch, f, bins]);
  const im = sliceAll(spec, [...starts, bins], [...batch, f, 2 * bins]);
  return add(mul(re, re), mul(im, im)) as never;
};

/** Mel energies of a power spectrum: `[..., frames, bins] @ filterbank[bins, nMels]`. */
export const melEnergies = <S extends readonly [...number[], number, number], M extends number = 80>(
  power: Tensor<S>,
  cfg: LogMelConfig<M> = logMelDefaults as LogMelConfig<M>,
): Tensor<readonly [...DropLast<S>, M]> => {
  const bins = frequencyBins(cfg.nFft);
  const fb = constant(melFilterbank(cfg), [bins, cfg.nMels]);
  return matmul(power as Tensor, fb) as never;
};

/**
 * Log-mel spectrogram, DESIGN.md §2: `[..., samples] → [..., frames, nMels]` with frames =
 * 1 + ⌊samples/160⌋ and nMels = 80 by default. Not standardised (see `standardize`).
 * @example
 * const lm = logMel(input("audio", [32000] as const)); // Tensor<readonly [number, 80]>, 201 frames
 */
export const logMel = <S extends readonly [...number[], number], M extends number = 80>(
  signal: Tensor<S>,
  cfg: LogMelConfig<M> = logMelDefaults as LogMelConfig<M>,
): Tensor<readonly [...DropLast<S>, number, M]> => {
  checkLogMelConfig(cfg);
  const framed: Tensor = frames(signal, cfg);
  const mel = melEnergies(powerSpectrum(framed as Tensor<readonly [number, number]>, cfg), cfg);
  return log(add(mel as Tensor, cfg.logEps)) as never;
};

/** Added to the standard deviation before dividing, as the official pipeline does. */
export const stdEps = 1e-8;

/**
 * Mean over the last two axes, `[..., 1, 1]`, as a mean of per-frame means: the same number, but two
 * short sums instead of one long one, which keeps float32 accumulation error near the pairwise sums
 * PyTorch uses (one sequential sum of 17 000 log-mels loses ~5e-5 relative in float32).
 */
const meanTimeMel = (x: Tensor): Tensor => {
  const [frames, mels] = x.shape.slice(-2) as [number, number];
  return div(sumKeep(div(sumKeep(x, [-1]), mels), [-2]), frames);
};

/** Mean, unbiased std (`[..., 1, 1]`) and the centred values, shared by `clipStats` and `standardize`. */
const moments = (x: Tensor): { readonly mean: Tensor; readonly std: Tensor; readonly centred: Tensor } => {
  batchOf(x, 2, "standardize");
  const mu = meanTimeMel(x);
  const centred = sub(x, broadcastTo(mu, x.shape));
  const count = x.shape[x.shape.length - 1]! * x.shape[x.shape.length - 2]!;
  // Unbiased: Σ(x − μ)² / (n − 1), torch.std's default.
  const sq = sumKeep(sumKeep(mul(centred, centred), [-1]), [-2]);
  return { mean: mu, std: sqrt(div(sq, count - 1)), centred };
};

/**
 * The statistics `standardize` uses, `[..., 1, 1]` each: the mean and the unbiased standard deviation
 * over time and mel of each clip.
 */
export const clipStats = (x: Tensor): { readonly mean: Tensor; readonly std: Tensor } => {
  const { mean: mu, std } = moments(x);
  return { mean: mu, std };
};

/**
 * Per-instance standardisation over the last two axes (time and mel): (x − mean) / (std + 1e-8) with
 * the unbiased std (torch's default), so each clip has zero mean and unit variance.
 * @example
 * const input = standardize(logMel(audio)); // what the encoder sees
 */
export const standardize = <S extends readonly [...number[], number, number]>(x: Tensor<S>): Tensor<S> => {
  const v: Tensor = x;
  const { std, centred } = moments(v);
  return div(centred, broadcastTo(add(std, stdEps), v.shape)) as never;
};
