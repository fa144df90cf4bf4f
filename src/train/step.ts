/**
 * @file One pre-training step as one compiled graph: the masked-autoencoder loss, its gradient with
 * respect to every parameter (`valueAndGrad`), and the AdamW update with the warm-up/cosine rate of
 * the step, all traced together. The crops and the masking noise are graph inputs, so the same
 * compiled step serves every step of the run; the noise of step s is `uniform(fold(maskKey, s))`.
 * The sin-cos position tables stay fixed unless the config lets them train.
 */

import { valueAndGrad } from "../autodiff/index.js";
import { jit, realize, type Backend, type HostOf } from "../backends/index.js";
import { stopGradient, type HostTensor, type Tensor } from "../ir/index.js";
import { geometry, pretrainLoss, type HostParams, type MwmaeConfig, type MwmaeParams } from "../models/mwmae/index.js";
import { adamw, decayAll, defaultDecayMask, type AdamWState, type HostAdamWState } from "../optim/index.js";
import { fold, split, uniform, type Key } from "../random/index.js";
import { isSpec, mapLeaves, spec, trace, type Graph } from "../trace/index.js";
import { isOfficialOptimizer, learningRateSchedule, type TrainConfig } from "./config.js";

/** The run's keys, all derived from its root key. */
export interface RunKeys {
  readonly init: Key;
  readonly data: Key;
  readonly mask: Key;
}

/** Splits the root key into the parameter, data and masking keys. */
export const runKeys = (root: Key): RunKeys => {
  const [init, data, mask] = split(root, 3) as [Key, Key, Key];
  return { init, data, mask };
};

/** The masking noise of step `step`, `[batch, n]` uniform on [0, 1). */
export const stepNoise = async (maskKey: Key, step: number, batch: number, patches: number): Promise<HostTensor> =>
  realize(uniform(fold(maskKey, step), [batch, patches] as const));

/** What one step returns: new parameters and optimiser state, the loss before the update, the rate used. */
export interface StepResult {
  readonly params: HostParams;
  readonly opt: HostAdamWState<HostParams>;
  readonly loss: number;
  readonly lr: number;
}

/** A compiled step. */
export interface TrainStep {
  /**
   * One optimiser step on a batch of log-mels `x` `[batch, frames, mels]` with masking noise `[batch, patches]`; resolves to the new
   * parameters and state, the loss and the rate.
   */
  readonly run: (params: HostParams, opt: HostAdamWState<HostParams>, x: HostTensor, noise: HostTensor) => Promise<StepResult>;
  /** The traced graph (for node counts). */
  readonly graph: Graph;
}

/** The step as a function of `{ params, opt, x, noise }`, and the specs of those for parameters shaped like `params`. */
const stepFunction = (model: MwmaeConfig, train: TrainConfig, params: unknown) => {
  // `official`: optax.adamw without a mask (decay on every parameter, position tables trained), as the official trainer.
  const official = isOfficialOptimizer(train);
  const opt = adamw({
    learningRate: learningRateSchedule(train),
    weightDecay: train.weightDecay,
    mask: official ? decayAll : defaultDecayMask,
  });
  const loss = pretrainLoss(model);
  const { patches } = geometry(model);
  // The optimiser state's specs, without allocating its zeros (a too-large model must fail by name, not by RangeError).
  const moments = () => mapLeaves(params, isSpec, (leaf) => spec(leaf.shape));
  const specs = {
    params,
    opt: { step: spec([], "i32"), mu: moments(), nu: moments() },
    x: spec([train.batch, model.input.frames, model.input.mels]),
    noise: spec([train.batch, patches]),
  };
  // Fixed tables get a zero gradient, so AdamW (which does not decay them) leaves them bit-identical.
  const positions = (p: MwmaeParams): MwmaeParams =>
    train.trainPositionTables || official
      ? p
      : { ...p, pos_embed: stopGradient(p.pos_embed), decoder_pos_embed: stopGradient(p.decoder_pos_embed) };
  const body = (a: {
    params: MwmaeParams;
    opt: AdamWState<MwmaeParams>;
    x: Tensor<readonly [number, number, number]>;
    noise: Tensor<readonly [number, number]>;
  }) => {
    const [value, grads] = valueAndGrad((p: MwmaeParams) => loss(positions(p), a.x, a.noise))(a.params);
    const next = opt.update(a.params, grads, a.opt);
    return { params: next.params, opt: next.state, loss: value, lr: next.lr };
  };
  return { body, specs };
};

/**
 * The step's graph for parameters shaped like `params` (host tensors or specs), traced but not
 * compiled: what a pre-flight check schedules to see that every tensor fits a buffer.
 * @example
 * const graph = traceStep(model, train, paramSpecs);
 */
export const traceStep = (model: MwmaeConfig, train: TrainConfig, params: unknown): Graph => {
  const { body, specs } = stepFunction(model, train, params);
  return trace(body as never, specs as never);
};

/**
 * Traces and compiles the step for `model` and `train` on `backend`, for parameters shaped like
 * `params` and batches of `train.batch` crops.
 * @example
 * const step = await compileStep(model, train, reference(), params);
 * const { params: p1, opt: o1, loss } = await step.run(params, adamwInit(params), x, noise);
 */
export const compileStep = async (model: MwmaeConfig, train: TrainConfig, backend: Backend, params: HostParams): Promise<TrainStep> => {
  const { body, specs } = stepFunction(model, train, params);
  const compiled = await jit(body as never, specs as never, backend);
  return {
    graph: compiled.graph,
    run: async (p, o, x, noise) => {
      const out = (await compiled({ params: p, opt: o, x, noise } as never)) as unknown as HostOf<{
        params: HostParams;
        opt: HostAdamWState<HostParams>;
        loss: Tensor<readonly []>;
        lr: Tensor<readonly []>;
      }>;
      return { params: out.params as HostParams, opt: out.opt as HostAdamWState<HostParams>, loss: out.loss.data[0]!, lr: out.lr.data[0]! };
    },
  };
};
