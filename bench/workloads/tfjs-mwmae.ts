/**
 * @file The peer of `train-step-tiny`: one MW-MAE pre-training step written in TensorFlow.js ops on its
 * WebAssembly backend, the same computation as src/train's compiled step on the same parameter values,
 * crops and masking noise. Masking as the official `random_masking` (ascending argsort of the noise, by
 * `topk` of its negation), patch embedding as a matmul, fixed sin-cos tables, pre-norm ViT encoder
 * blocks, the decoder's MW-MHA with one attention call per head (tfjs.ts's layer, as the official code),
 * the masked-patch MSE, its gradient by `tf.valueAndGrads`, and AdamW written out in tfjs ops exactly as
 * src/optim's (optax's) update, weight-decay mask and warm-up/cosine rate included. Host data in,
 * new parameters, moments and loss read back (`await data()`), like our row.
 */

import * as tf from "@tensorflow/tfjs-core";
import {
  adamwInit,
  blockName,
  defaultDecayMask,
  decayAll,
  flatten,
  fromData,
  geometry,
  init,
  isHostTensor,
  key,
  maskingNoise,
  preset,
  realize,
  unflatten,
  type HostParams,
  type HostTensor,
  type HostAdamWState,
  type MwmaeConfig,
} from "../../src";
import { isOfficialOptimizer, learningRateSchedule, trainDefaults, type StepResult, type TrainConfig } from "../../src/train";
import type { Job } from "../job";
import { uniform } from "../../test/support/uniform";
import { fromHost, mwmhaLayer, project, qkvHeads, sdpa } from "./tfjs";

/** Parameters by their flat path (`encoder_block_00/Attention_0/Dense_0/kernel`). */
type Params = ReadonlyMap<string, tf.Tensor>;

const at = (p: Params, path: string): tf.Tensor => {
  const t = p.get(path);
  if (t === undefined) throw new RangeError(`tfjs train step: no parameter ${path}`);
  return t;
};

/** `x·W + b` over the last axis of a `[..., in]` tensor. */
const dense = (p: Params, path: string, x: tf.Tensor): tf.Tensor => {
  const w = at(p, `${path}/kernel`);
  const lead = x.shape.slice(0, -1);
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, w.shape[0]!]), w), at(p, `${path}/bias`));
  return tf.reshape(y, [...lead, w.shape[1]!]);
};

/** Layer normalisation over the last axis, biased variance, ε = 1e-6 (Flax). */
const layerNorm = (p: Params, path: string, x: tf.Tensor): tf.Tensor => {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, 1e-6))), at(p, `${path}/scale`)), at(p, `${path}/bias`));
};

/** GELU, tanh approximation (Flax's `nn.gelu` default). */
const gelu = (x: tf.Tensor): tf.Tensor => {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
};

/** `x + attend(LN₀(x))`, then `+ Mlp(LN₁(·))`. */
const preNorm = (p: Params, path: string, attend: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor => {
  const h = tf.add(x, tf.reshape(attend(layerNorm(p, `${path}/LayerNorm_0`, x)), x.shape));
  const mlp = dense(p, `${path}/Mlp_0/Dense_1`, gelu(dense(p, `${path}/Mlp_0/Dense_0`, layerNorm(p, `${path}/LayerNorm_1`, h))));
  return tf.add(h, mlp);
};

const encoderBlock = (p: Params, path: string, heads: number, x: tf.Tensor): tf.Tensor =>
  preNorm(
    p,
    path,
    (y) => {
      const [q, k, v] = qkvHeads(y, at(p, `${path}/Attention_0/Dense_0/kernel`), at(p, `${path}/Attention_0/Dense_0/bias`), heads);
      return project(sdpa(q!, k!, v!), at(p, `${path}/Attention_0/Dense_1/kernel`), at(p, `${path}/Attention_0/Dense_1/bias`));
    },
    x,
  );

const decoderBlock = (p: Params, path: string, windows: ReadonlyArray<number>, x: tf.Tensor): tf.Tensor => {
  const a = `${path}/wmha_block`;
  const tables = windows.flatMap((w, h) => (w > 0 ? [at(p, `${a}/attn_heads_${h}/relative_position_bias_table`)] : []));
  const weights = [`${a}/qkv/kernel`, `${a}/qkv/bias`, `${a}/proj/kernel`, `${a}/proj/bias`].map((q) => at(p, q));
  return preNorm(p, path, (y) => mwmhaLayer(windows)([y, ...weights, ...tables]), x);
};

/** `[B, frames, mels] → [B, patches, time·freq]`, patches time-major (src/models/mwmae/patches.ts). */
const patchify = (x: tf.Tensor, cfg: MwmaeConfig): tf.Tensor => {
  const [batch, frames, mels] = x.shape as [number, number, number];
  const { time, freq } = cfg.patch;
  const grid = tf.reshape(x, [batch, frames / time, time, mels / freq, freq]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4]), [batch, (frames / time) * (mels / freq), time * freq]);
};

/**
 * Rows `ids` (`[B·k]`, flat row numbers into `[B·n, d]`) of `x` (`[B, n, d]`), as `[B, k, d]`, for an
 * injective `ids` whose inverse is `inverse` (`[B·n]`: where row j went, flat into `[B·n]` with rows
 * beyond k of a sample meaning nowhere). The gradient is a gather through the inverse: tfjs's own gather
 * gradient needs UnsortedSegmentSum, which its wasm backend lacks. (Flat row numbers, not `batchDims`:
 * tfjs-wasm 4.22's GatherV2 gives wrong rows with `batchDims` 1 and a batch above 1.)
 */
const gatherRows = (ids: tf.Tensor, inverse: tf.Tensor) =>
  tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = inputs[0] as tf.Tensor;
    const [batch, n, d] = x.shape as [number, number, number];
    const k = ids.shape[0]! / batch;
    return {
      value: tf.reshape(tf.gather(tf.reshape(x, [batch * n, d]), ids), [batch, k, d]),
      gradFunc: (dy: tf.Tensor) => {
        const padded = k === n ? dy : tf.concat([dy, tf.zeros([batch, n - k, d])], 1);
        return tf.reshape(tf.gather(tf.reshape(padded, [batch * n, d]), inverse), [batch, n, d]);
      },
    };
  });

/**
 * The masking a noise tensor `[B, n]` implies, as flat row numbers (sample b's row i is b·n + i): the
 * ascending-noise order (`shuffle`), its inverse (`restore`), the kept rows, and the 0/1 mask (1 = hidden).
 */
const masking = (noise: tf.Tensor, keep: number) =>
  tf.tidy(() => {
    const [batch, n] = noise.shape as [number, number];
    const shuffle = tf.topk(tf.neg(noise), n).indices;
    const restore = tf.topk(tf.neg(tf.cast(shuffle, "float32")), n).indices;
    const offsets = tf.mul(tf.reshape(tf.range(0, batch, 1, "int32"), [batch, 1]), tf.scalar(n, "int32"));
    const rows = (ids: tf.Tensor) => tf.reshape(tf.add(ids, offsets), [-1]);
    return {
      shuffle: rows(shuffle),
      restore: rows(restore),
      keepIds: rows(tf.slice(shuffle, [0, 0], [-1, keep])),
      mask: tf.cast(tf.greaterEqual(restore, keep), "float32"),
    };
  });

type Masking = ReturnType<typeof masking>;

/** The masked-reconstruction loss of `forwardMae` + `maeLoss` (src/models/mwmae/model.ts). */
const pretrainLoss = (cfg: MwmaeConfig, p: Params, x: tf.Tensor, m: Masking): tf.Scalar => {
  const g = geometry(cfg);
  const [batch] = x.shape as [number];
  const target = patchify(x, cfg);
  const kernel = tf.reshape(at(p, "patch_embed/proj/kernel"), [g.patchValues, cfg.encoder.dim]);
  const embedded = tf.reshape(tf.matMul(tf.reshape(target, [-1, g.patchValues]), kernel), [batch, g.patches, cfg.encoder.dim]);
  const tokens = tf.add(tf.add(embedded, at(p, "patch_embed/proj/bias")), at(p, "pos_embed"));
  let h = gatherRows(m.keepIds, m.restore)(tokens);
  for (let i = 0; i < cfg.encoder.depth; i++) h = encoderBlock(p, blockName("encoder", i), cfg.encoder.heads, h);
  const latent = dense(p, "decoder_embed", layerNorm(p, "encoder_norm", h));
  const hidden = tf.add(tf.zeros([batch, g.patches - g.keep, cfg.decoder.dim]), at(p, "mask_token"));
  let d = tf.add(gatherRows(m.restore, m.shuffle)(tf.concat([latent, hidden], 1)), at(p, "decoder_pos_embed"));
  for (let i = 0; i < cfg.decoder.depth; i++) d = decoderBlock(p, blockName("decoder", i), g.windows, d);
  const pred = dense(p, "decoder_pred", layerNorm(p, "decoder_norm", d));
  const perPatch = tf.mean(tf.square(tf.sub(pred, target)), -1);
  return tf.div(tf.sum(tf.mul(perPatch, m.mask)), tf.sum(m.mask));
};

const hostOf = async (t: tf.Tensor): Promise<HostTensor> => ({
  shape: [...t.shape],
  dtype: "f32",
  data: (await t.data()) as Float32Array,
});

/** A tfjs training step: `run` has the signature of src/train's `TrainStep.run`. */
export interface TfjsTrainStep {
  /** One AdamW step on host data; uploads, computes, reads everything back and frees its tensors. */
  readonly run: (params: HostParams, opt: HostAdamWState<HostParams>, x: HostTensor, noise: HostTensor) => Promise<StepResult>;
}

/**
 * src/train's step in tfjs for `model` and `train`: the position tables are held fixed (zero gradient)
 * unless `trainPositionTables` or the official optimiser say otherwise, as `compileStep` does.
 */
export const tfjsTrainStep = (model: MwmaeConfig, train: TrainConfig): TfjsTrainStep => {
  const official = isOfficialOptimizer(train);
  const decays = official ? decayAll : defaultDecayMask;
  const fixed = (path: string) => !(train.trainPositionTables || official) && (path === "pos_embed" || path === "decoder_pos_embed");
  const schedule = learningRateSchedule(train);
  const [b1, b2, eps, epsRoot, wd] = [0.9, 0.999, 1e-8, 0, train.weightDecay];
  const run = async (
    params: HostParams,
    opt: HostAdamWState<HostParams>,
    xHost: HostTensor,
    noiseHost: HostTensor,
  ): Promise<StepResult> => {
    const flat = flatten(params, isHostTensor);
    const upload = (tree: HostParams) => flatten(tree, isHostTensor).leaves.map(fromHost);
    const [mu, nu] = [upload(opt.mu as HostParams), upload(opt.nu as HostParams)];
    const p = flat.leaves.map(fromHost);
    const [x, noise] = [fromHost(xHost), fromHost(noiseHost)];
    const m = masking(noise, geometry(model).keep);
    const trainable = flat.paths.flatMap((path, i) => (fixed(path) ? [] : [i]));
    const loss = (...ts: tf.Tensor[]) => {
      const byPath = new Map(flat.paths.map((path, i) => [path, p[i]!]));
      trainable.forEach((i, j) => byPath.set(flat.paths[i]!, ts[j]!));
      return pretrainLoss(model, byPath, x, m);
    };
    const { value, grads } = tf.valueAndGrads(loss)(trainable.map((i) => p[i]!));
    const step = opt.step.data[0]!;
    const lr = Math.fround(schedule(step));
    const [c1, c2] = [1 - b1 ** (step + 1), 1 - b2 ** (step + 1)];
    // One tidy per parameter, so that each one's temporaries are freed before the next (one tidy around
    // all of them would hold every parameter's temporaries at once), and its gradient with them.
    const updated = p.map((w, i) => {
      const j = trainable.indexOf(i);
      const out = tf.tidy(() => {
        const g = j < 0 ? tf.zerosLike(w) : grads[j]!;
        const m1 = tf.add(tf.mul(g, 1 - b1), tf.mul(mu[i]!, b1));
        const v1 = tf.add(tf.mul(tf.mul(g, g), 1 - b2), tf.mul(nu[i]!, b2));
        const adam = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.add(tf.div(v1, c2), epsRoot)), eps));
        const u = wd !== 0 && decays(flat.paths[i]!) ? tf.add(adam, tf.mul(w, wd)) : adam;
        return [tf.sub(w, tf.mul(u, lr)), m1, v1];
      });
      if (j >= 0) grads[j]!.dispose();
      return out;
    });
    const read = (k: 0 | 1 | 2) => Promise.all(updated.map((u) => hostOf(u[k]!)));
    const [newParams, newMu, newNu, lossData] = await Promise.all([read(0), read(1), read(2), value.data()]);
    tf.dispose([...p, ...mu, ...nu, x, noise, m.shuffle, m.restore, m.keepIds, m.mask, value, ...updated.flat()]);
    const tree = (leaves: HostTensor[]) => unflatten(flat.def, leaves) as unknown as HostParams;
    return {
      params: tree(newParams),
      opt: {
        step: { shape: [], dtype: "i32", data: Int32Array.of(step + 1) },
        mu: tree(newMu),
        nu: tree(newNu),
      } as HostAdamWState<HostParams>,
      loss: lossData[0]!,
      lr,
    };
  };
  return { run };
};

/** The workload's inputs, as bench/workloads/model.ts builds them: `init(key(0))`, crops of seed 5, noise of `key(1)`. */
export const trainStepInputs = async (quick: boolean) => {
  const cfg = preset({ encoder: "tiny", decoderDepth: quick ? 1 : 4 });
  const batch = quick ? 2 : 8;
  const params = (await realize(init(key(0), cfg))) as unknown as HostParams;
  const x = fromData(uniform(batch * cfg.input.frames * cfg.input.mels, 5), [batch, cfg.input.frames, cfg.input.mels]);
  const noise = await realize(maskingNoise(key(1), batch, geometry(cfg).patches));
  return { cfg, train: { ...trainDefaults, batch }, params, opt: adamwInit(params), x, noise };
};

/**
 * The size of tfjs-wasm's WebAssembly memory (its heap, where every tensor lives). It only grows, so
 * after a job's calls it is the most that tfjs has held at once in this process so far.
 */
export const tfjsHeapBytes = (): number => {
  const module = (tf.backend() as unknown as { readonly wasm?: { readonly HEAPU8?: Uint8Array } }).wasm;
  if (module?.HEAPU8 === undefined) throw new Error("tfjs: the backend is not wasm (no heap to measure)");
  return module.HEAPU8.buffer.byteLength;
};

/** `train-step-tiny` on tfjs-wasm; its memory is tfjs's WebAssembly heap after the timed calls (`tfjsHeapBytes`). */
export const tfjsTrainStepJob = (quick: boolean): Job => ({
  workload: "train-step-tiny",
  impl: "tfjs",
  backend: "wasm",
  prepare: async () => {
    const { cfg, train, params, opt, x, noise } = await trainStepInputs(quick);
    const step = tfjsTrainStep(cfg, train);
    return { call: () => step.run(params, opt, x, noise), memoryBytes: async () => tfjsHeapBytes() };
  },
});
