/**
 * @file What the explorer computes, without the page: the front end (waveform → log-mel → standardised
 * → patch grid), the masked-autoencoder pass of one model (reconstruction, masked-patch loss, every
 * encoder and decoder block's attention maps) and the per-head statistics of the analysis API, all
 * through the library's public entry on any backend. The page draws these values; the browser tests
 * run the same functions in Node on the reference backend and compare.
 */

import {
  attentionStats,
  decoderAttention,
  encoderCapture,
  forwardMae,
  geometry,
  jit,
  key,
  logMel,
  maeLoss,
  realize,
  spec,
  standardize,
  uniform,
  type Backend,
  type Compiled,
  type HostParams,
  type HostTensor,
  type MwmaeConfig,
  type MwmaeParams,
  type Tensor,
} from "mwmae-ts";

/** The sample rate every model here expects. */
export const sampleRate = 16000;
/** Samples between log-mel frames (10 ms). */
export const hop = 160;

/** One step of the front end, each a host array. */
export interface FrontEnd {
  /** The waveform the model sees, `[samples]`: the clip cut or zero-padded to one model input. */
  readonly samples: Float32Array;
  /** The log-mel, `[frames, mels]`. */
  readonly logmel: HostTensor;
  /** The same, standardised over the clip (mean 0, unbiased std 1). */
  readonly standardised: HostTensor;
}

/** Samples that give exactly `frames` log-mel frames with centre padding: (frames − 1)·hop. */
export const samplesFor = (frames: number): number => (frames - 1) * hop;

/** The clip cut or zero-padded to `n` samples. */
export const fitSamples = (audio: Float32Array, n: number): Float32Array => {
  const out = new Float32Array(n);
  out.set(audio.subarray(0, n));
  return out;
};

const frontEnds = new WeakMap<Backend, Map<number, Promise<Compiled<unknown, unknown>>>>();

/**
 * The front end of `cfg` on `backend`: the clip cut to one input (cfg.input.frames frames), its log-mel
 * and the standardised log-mel. The compiled function is cached per backend and input length.
 */
export const runFrontEnd = async (audio: Float32Array, cfg: MwmaeConfig, backend: Backend): Promise<FrontEnd> => {
  const n = samplesFor(cfg.input.frames);
  const samples = fitSamples(audio, n);
  const cache = frontEnds.get(backend) ?? new Map<number, Promise<Compiled<unknown, unknown>>>();
  frontEnds.set(backend, cache);
  const compiled =
    cache.get(n) ??
    (jit(
      ({ x }: { x: Tensor<readonly [number]> }) => {
        const lm = logMel(x) as Tensor<readonly [number, number]>;
        return { logmel: lm, standardised: standardize(lm) };
      },
      { x: spec([n]) },
      backend,
    ) as Promise<Compiled<unknown, unknown>>);
  cache.set(n, compiled);
  const f = await compiled;
  const out = (await f({ x: { shape: [n], dtype: "f32", data: samples } } as never)) as { logmel: HostTensor; standardised: HostTensor };
  return { samples, logmel: out.logmel, standardised: out.standardised };
};

/** The masking noise `[1, n]` of a seed: the same on every backend (counter-based random keys). */
export const noiseFor = async (seed: number, patches: number): Promise<HostTensor> => realize(uniform(key(seed), [1, patches] as const));

/** The configuration with another mask ratio (the geometry's `keep` follows it). */
export const withMaskRatio = (cfg: MwmaeConfig, ratio: number): MwmaeConfig => ({ ...cfg, maskRatio: ratio });

/** Per-head statistics of one block: entropy (nats) and mean distance (tokens, and along the grid). */
export interface BlockStats {
  readonly entropy: ReadonlyArray<number>;
  readonly distance: ReadonlyArray<number>;
  readonly distanceTime: ReadonlyArray<number>;
  readonly distanceFreq: ReadonlyArray<number>;
}

/** Everything the page shows of one model on one clip and one mask. */
export interface MaePass {
  /** The model's prediction for every patch, `[n, patch values]`. */
  readonly pred: HostTensor;
  /** 1 on masked patches, `[n]`. */
  readonly mask: HostTensor;
  /** The model's masked-patch loss (mean squared error over masked patches), computed in the graph. */
  readonly loss: number;
  /** The input with the prediction in the masked patches, `[mels, frames]` (frequency rows). */
  readonly reconstruction: Float32Array;
  /** Masked patches, of n. */
  readonly maskedPatches: number;
  /** Encoder attention per block, `[heads, tokens, tokens]` (all patches, no masking). */
  readonly encoderAttention: ReadonlyArray<HostTensor>;
  /** Decoder attention per block, `[heads, n, n]` (the pre-training pass). */
  readonly decoderAttention: ReadonlyArray<HostTensor>;
  readonly encoderStats: ReadonlyArray<BlockStats>;
  readonly decoderStats: ReadonlyArray<BlockStats>;
  /** Milliseconds of the forward pass (compiled, inputs to host results). */
  readonly forwardMs: number;
}

interface PassOut {
  readonly pred: HostTensor;
  readonly mask: HostTensor;
  readonly loss: HostTensor;
  readonly enc: ReadonlyArray<HostTensor>;
  readonly dec: ReadonlyArray<HostTensor>;
}

const passes = new WeakMap<Backend, Map<string, Promise<Compiled<unknown, unknown>>>>();

/** The traced pass of `cfg` (params as inputs: one compile serves every checkpoint of that config). */
const compilePass = (cfg: MwmaeConfig, params: HostParams, backend: Backend): Promise<Compiled<unknown, unknown>> => {
  const g = geometry(cfg);
  const id = JSON.stringify(cfg);
  const cache = passes.get(backend) ?? new Map<string, Promise<Compiled<unknown, unknown>>>();
  passes.set(backend, cache);
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const compiled = jit(
    ({ p, x, noise }: { p: MwmaeParams; x: Tensor<readonly [1, number, number]>; noise: Tensor<readonly [1, number]> }) => {
      const o = forwardMae(p, cfg)(x, noise);
      return {
        pred: o.pred,
        mask: o.mask,
        loss: maeLoss(o.pred, o.target, o.mask),
        enc: encoderCapture(p, cfg)(x).attention,
        dec: decoderAttention(p, cfg)(x, noise),
      };
    },
    { p: params, x: spec([1, cfg.input.frames, cfg.input.mels]), noise: spec([1, g.patches]) } as never,
    backend,
  ) as Promise<Compiled<unknown, unknown>>;
  cache.set(id, compiled);
  return compiled;
};

/**
 * The input with the prediction in the masked patches, `[mels, frames]` (frequency rows), as the MAE
 * paper shows it; patch layout as `patchify`: token ⌊t/time⌋·(mels/freq) + ⌊m/freq⌋, values frame by frame.
 */
export const reconstruction = (x: ArrayLike<number>, pred: ArrayLike<number>, mask: ArrayLike<number>, cfg: MwmaeConfig): Float32Array => {
  const { frames, mels } = cfg.input;
  const { time, freq } = cfg.patch;
  const out = new Float32Array(frames * mels);
  for (let t = 0; t < frames; t++) {
    for (let m = 0; m < mels; m++) {
      const token = Math.floor(t / time) * (mels / freq) + Math.floor(m / freq);
      const value = pred[token * time * freq + (t % time) * freq + (m % freq)]!;
      out[m * frames + t] = mask[token]! > 0.5 ? value : x[t * mels + m]!;
    }
  }
  return out;
};

/** `[1, H, n, n]` → `[H, n, n]`. */
const dropBatch = (t: HostTensor): HostTensor => ({ ...t, shape: t.shape.slice(1) });

const statsOf = (maps: HostTensor, grid: readonly [number, number], skip: number): BlockStats => {
  const s = attentionStats(maps, { grid, skip });
  return { entropy: s.entropy, distance: s.distanceTokens, distanceTime: s.distanceTime ?? [], distanceFreq: s.distanceFreq ?? [] };
};

/**
 * One model's masked-autoencoder pass on a standardised log-mel `[frames, mels]` with masking noise
 * `[1, n]`: prediction, mask, loss, reconstruction, attention maps and per-head statistics.
 */
export const runPass = async (
  cfg: MwmaeConfig,
  params: HostParams,
  logmel: HostTensor,
  noise: HostTensor,
  backend: Backend,
  now: () => number = () => performance.now(),
): Promise<MaePass> => {
  const g = geometry(cfg);
  const f = await compilePass(cfg, params, backend);
  const x: HostTensor = { shape: [1, cfg.input.frames, cfg.input.mels], dtype: "f32", data: logmel.data };
  const start = now();
  const out = (await f({ p: params, x, noise } as never)) as PassOut;
  const forwardMs = now() - start;
  const skip = cfg.useClsToken ? 1 : 0;
  const encoderAttention = out.enc.map(dropBatch);
  const decoderAttention = out.dec.map(dropBatch);
  return {
    pred: out.pred,
    mask: out.mask,
    loss: out.loss.data[0]!,
    reconstruction: reconstruction(logmel.data, out.pred.data, out.mask.data, cfg),
    maskedPatches: Array.from(out.mask.data).filter((v) => v > 0.5).length,
    encoderAttention,
    decoderAttention,
    encoderStats: encoderAttention.map((m) => statsOf(m, g.grid, skip)),
    decoderStats: decoderAttention.map((m) => statsOf(m, g.grid, 0)),
    forwardMs,
  };
};
