/**
 * @file The front-end's fixed tables, computed on the host in float64 and baked into graphs as
 * constants: the periodic Hann window, the HTK mel filterbank (torchaudio's `melscale_fbanks` with
 * `norm=None`, `mel_scale="htk"`) and the real-DFT basis with the window folded in. The numbers follow
 * DESIGN.md §2; `logMelDefaults` is that configuration.
 */

/** What the log-mel front-end computes. Every field is DESIGN.md §2's default in `logMelDefaults`. */
export interface LogMelConfig<M extends number = number> {
  readonly sampleRate: number;
  /** DFT size; the spectrum has nFft/2 + 1 bins. */
  readonly nFft: number;
  /** Window length (≤ nFft; centred in the DFT frame when shorter, as torch.stft). */
  readonly winLength: number;
  readonly hopLength: number;
  readonly nMels: M;
  readonly fMin: number;
  readonly fMax: number;
  /** Added before the log: float32 machine epsilon. */
  readonly logEps: number;
}

/** 16 kHz, 25 ms periodic Hann window, 10 ms hop, n_fft 400, 80 HTK mels over 50–8000 Hz, log(x + 2⁻²³). */
export const logMelDefaults = {
  sampleRate: 16000,
  nFft: 400,
  winLength: 400,
  hopLength: 160,
  nMels: 80,
  fMin: 50,
  fMax: 8000,
  logEps: 2 ** -23, // 1.1920929e-07, torch.finfo(torch.float32).eps
} as const satisfies LogMelConfig<80>;

/** Spectrum bins of a real DFT of size `nFft`: nFft/2 + 1 (201 for 400). */
export const frequencyBins = (nFft: number): number => Math.floor(nFft / 2) + 1;

/** Frames of a centred STFT: 1 + ⌊samples / hop⌋ (the signal is reflect-padded by nFft/2 each side). */
export const frameCount = (samples: number, hopLength: number): number => 1 + Math.floor(samples / hopLength);

/** The periodic Hann window of length n (torch.hann_window(n)): 0.5 − 0.5·cos(2πk/n). */
export const hannWindow = (n: number): Float64Array =>
  Float64Array.from({ length: n }, (_, k) => 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n));

/** HTK mel scale: 2595·log10(1 + f/700). */
export const hzToMel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
/** Inverse of `hzToMel`. */
export const melToHz = (mel: number): number => 700 * (10 ** (mel / 2595) - 1);

/**
 * Triangular mel filters, row-major [nFft/2 + 1, nMels], unnormalised (each peaks at 1): filter m
 * rises from mel point m to m+1 and falls to m+2, with nMels + 2 points evenly spaced in mel between
 * fMin and fMax. Bin i is at frequency i·(sampleRate/2)/(bins − 1), as torchaudio's linspace.
 */
export const melFilterbank = (cfg: LogMelConfig): Float64Array => {
  const bins = frequencyBins(cfg.nFft);
  const lo = hzToMel(cfg.fMin);
  const hi = hzToMel(cfg.fMax);
  const points = Array.from({ length: cfg.nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (cfg.nMels + 1)));
  const fb = new Float64Array(bins * cfg.nMels);
  for (let i = 0; i < bins; i++) {
    const f = (i * (cfg.sampleRate / 2)) / (bins - 1);
    for (let m = 0; m < cfg.nMels; m++) {
      const [left, centre, right] = [points[m]!, points[m + 1]!, points[m + 2]!];
      const up = (f - left) / (centre - left);
      const down = (right - f) / (right - centre);
      fb[i * cfg.nMels + m] = Math.max(0, Math.min(up, down));
    }
  }
  return fb;
};

/**
 * The windowed real-DFT basis, row-major [nFft, 2·bins]: column b is w[k]·cos(2πkb/nFft) and column
 * bins + b is −w[k]·sin(2πkb/nFft), so `frames @ basis` gives the real parts then the imaginary parts
 * of the windowed spectrum ((x∘w)·C = x·(diag(w)·C): the window costs nothing at run time). The
 * phase is reduced exactly (kb mod nFft) before the cosine, so large k·b lose no precision.
 */
export const dftBasis = (cfg: LogMelConfig): Float64Array => {
  const bins = frequencyBins(cfg.nFft);
  const w = hannWindow(cfg.winLength);
  const offset = Math.floor((cfg.nFft - cfg.winLength) / 2); // torch.stft centres a short window
  const basis = new Float64Array(cfg.nFft * 2 * bins);
  for (let k = 0; k < cfg.nFft; k++) {
    const wk = k >= offset && k < offset + cfg.winLength ? w[k - offset]! : 0;
    for (let b = 0; b < bins; b++) {
      const phase = (2 * Math.PI * ((k * b) % cfg.nFft)) / cfg.nFft;
      basis[k * 2 * bins + b] = wk * Math.cos(phase);
      basis[k * 2 * bins + bins + b] = -wk * Math.sin(phase);
    }
  }
  return basis;
};

/** Checks a configuration's cross-field facts; throws RangeError naming the field. */
export const checkLogMelConfig = (cfg: LogMelConfig): void => {
  const fail = (field: string, why: string): never => {
    throw new RangeError(`log-mel config: ${field} ${why}`);
  };
  for (const k of ["sampleRate", "nFft", "winLength", "hopLength", "nMels"] as const) {
    if (!Number.isSafeInteger(cfg[k]) || cfg[k] <= 0) fail(k, `must be a positive integer, got ${cfg[k]}`);
  }
  if (cfg.winLength > cfg.nFft) fail("winLength", `${cfg.winLength} exceeds nFft ${cfg.nFft}`);
  if (!(cfg.fMin >= 0 && cfg.fMin < cfg.fMax)) fail("fMin", `must be in [0, fMax), got ${cfg.fMin} with fMax ${cfg.fMax}`);
  if (cfg.fMax > cfg.sampleRate / 2) fail("fMax", `${cfg.fMax} exceeds the Nyquist frequency ${cfg.sampleRate / 2}`);
  if (!(cfg.logEps > 0)) fail("logEps", `must be positive, got ${cfg.logEps}`);
};
