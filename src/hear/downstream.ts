/**
 * @file HEAR's downstream predictor for scene tasks, as the kit shipped with MW-MAE runs it
 * (hear-protocol.md §3): `Linear(D, 1024) → BatchNorm1d → Dropout(p) → ReLU → Linear(1024, C)`,
 * Xavier-normal weights (gains 1 and √2), PyTorch's default uniform biases, Adam at 1e-4 without
 * decay, batches of 1024 in the fixed row order (never reshuffled), validation every 3rd epoch on the
 * primary metric (top-1 accuracy, or mAP for multilabel tasks), early stopping after 20 validations
 * without a strict improvement, at most 500 epochs, the best checkpoint scored once on the test
 * split; and the kit's two-point grid over dropout {0.1, 0.25} in an order shuffled by the seed.
 *
 * Each training step (forward, softmax or sigmoid cross-entropy, gradient, Adam, BatchNorm running
 * statistics with momentum 0.1 and the unbiased batch variance, as PyTorch) is one compiled graph per
 * batch size. Dropout masks are inputs drawn on the host from a key folded with the step, so the
 * graph never changes. Deviation: a last batch of one row is skipped (PyTorch's BatchNorm refuses it).
 */

import { jit, realize, wasm, type Backend, type WasmBackend } from "../backends/index.js";
import { valueAndGrad } from "../autodiff/index.js";
import {
  add,
  broadcastTo,
  div,
  exp,
  log,
  logSoftmax,
  matmul,
  maximum,
  mean,
  mul,
  neg,
  relu,
  sqrt,
  sub,
  sum,
  type HostTensor,
  type Tensor,
} from "../ir/index.js";
import { adamw, adamwInit, type AdamWState } from "../optim/index.js";
import { bits, fold, key, normal, split, uniform, type Key } from "../random/index.js";
import type { ClipEvents } from "./event-metrics.js";
import { defaultScorer, probabilitiesOf } from "./scoring.js";

/**
 * Embeddings `[n, D]` with one-hot (multiclass) or multi-hot (multilabel) targets `[n, C]`; `rows`
 * optionally names each row (its clip, and for event tasks its timestamp), for scorers that need it.
 */
export interface TargetSet {
  readonly x: HostTensor;
  readonly targets: HostTensor;
  readonly rows?: ReadonlyArray<{ readonly clip: string; readonly timeMs?: number }>;
  /** Event tasks: the reference events of the clips in `rows`. */
  readonly events?: ClipEvents;
}

/**
 * How predictions are scored: on validation (after every `validateEvery` epochs) a criterion to
 * maximise, with a choice remembered for that epoch (the event postprocessing); on test, with the
 * best epoch's choice, the primary score and every metric. Predictions are probabilities `[n, C]`
 * (softmax rows for multiclass, sigmoids for multilabel).
 */
export interface Scorer {
  /**
   * Scores validation probabilities `[n, C]`: the score, the criterion to maximise (the score, negated when lower is better) and an
   * optional choice to remember for this epoch.
   */
  readonly validate: (
    probabilities: HostTensor,
    set: TargetSet,
  ) => { readonly score: number; readonly criterion: number; readonly choice?: unknown };
  /**
   * Scores test probabilities `[n, C]` with the choice remembered at the best epoch: the primary score, every metric and, for event tasks,
   * the events.
   */
  readonly test: (
    probabilities: HostTensor,
    set: TargetSet,
    choice: unknown,
  ) => { readonly score: number; readonly metrics: Readonly<Record<string, number>>; readonly events?: unknown };
}

/**
 * Options of a downstream training; the defaults are the HEAR kit's (hidden 1024, at most 500 epochs, validation every 3rd, patience 20,
 * batches of 1024, Adam at 1e-4, the f32 reference backend).
 */
export interface DownstreamOptions {
  /** `multiclass`: softmax over one-hot targets; `multilabel`: independent sigmoids over multi-hot targets. */
  readonly prediction: "multiclass" | "multilabel";
  /** Seeds initialisation, dropout masks and the grid order. */
  readonly seed: number;
  /** Width of the hidden layer; default 1024. */
  readonly hidden?: number;
  /** Most epochs to train; default 500. */
  readonly maxEpochs?: number;
  /** Validate every this many epochs; default 3. */
  readonly validateEvery?: number;
  /** Validations without a strict improvement before stopping. */
  readonly patience?: number;
  /** Rows per batch; default 1024. */
  readonly batchSize?: number;
  /** Adam's learning rate (no weight decay); default 1e-4. */
  readonly learningRate?: number;
  /**
   * Where the graphs run; default one `wasm()` backend shared by every call (WebAssembly SIMD on every core: the fastest here that
   * matches the reference within the downstream tests' tolerances). `reference({ precision: "f32" })` is the interpreter.
   */
  readonly backend?: Backend;
  /** How validation and test predictions are scored (default: top-1 accuracy, or mAP for multilabel). */
  readonly scorer?: Scorer;
  /** Called after every epoch (for progress reports). */
  readonly onEpoch?: (epoch: number) => void;
  /** Called when a training (one grid point on one split) has finished. */
  readonly onTrained?: (result: DownstreamResult) => void;
}

/**
 * The outcome of one training (one dropout rate): test and validation scores of the best checkpoint, when it was reached, and its test
 * predictions.
 */
export interface DownstreamResult {
  /** The dropout rate this training used. */
  readonly dropout: number;
  /** Primary metric on the test split, with the best checkpoint. */
  readonly testScore: number;
  /** Primary metric on the validation split at the best epoch. */
  readonly validationScore: number;
  /** What the grid search compares: the validation score, negated for a lower-is-better metric. */
  readonly validationCriterion: number;
  /** Epoch of the best checkpoint. */
  readonly epoch: number;
  /** Epochs trained before stopping. */
  readonly epochsRun: number;
  /** Every metric on the test split (the scorer's; just the primary one by default). */
  readonly metrics: Readonly<Record<string, number>>;
  /** What the scorer chose on validation at the best epoch (event postprocessing), if anything. */
  readonly choice?: unknown;
  /** Test probabilities `[n, C]` of the best checkpoint, and the events made of them (event tasks). */
  readonly predictions: HostTensor;
  readonly events?: unknown;
}

/** The predictor's parameters, PyTorch's modules under readable names. */
export interface DownstreamMlp<T> {
  readonly hidden: { readonly kernel: T; readonly bias: T };
  readonly norm: { readonly scale: T; readonly bias: T };
  readonly output: { readonly kernel: T; readonly bias: T };
}
/** BatchNorm's running statistics (or one batch's, `[1, H]`). */
export interface BatchNormStats<T> {
  readonly mean: T;
  readonly variance: T;
}

const bnEps = 1e-5;
const bnMomentum = 0.1;

/**
 * Fresh parameters: Xavier-normal kernels (std = gain·√(2 / (fan_in + fan_out)), gains 1 and √2),
 * uniform ±1/√fan_in biases, BatchNorm scale 1 and shift 0.
 */
export const initDownstreamMlp = (k: Key, d: number, hidden: number, classes: number): Promise<DownstreamMlp<HostTensor>> => {
  const [k1, k2, k3, k4] = split(k, 4) as [Key, Key, Key, Key];
  const xavier = (kk: Key, fanIn: number, fanOut: number, gain: number) =>
    mul(normal(kk, [fanIn, fanOut] as const), gain * Math.sqrt(2 / (fanIn + fanOut)));
  const bias = (kk: Key, fanIn: number, n: number) => uniform(kk, [n] as const, { min: -1 / Math.sqrt(fanIn), max: 1 / Math.sqrt(fanIn) });
  return realize({
    hidden: { kernel: xavier(k1, d, hidden, 1), bias: bias(k2, d, hidden) },
    output: { kernel: xavier(k3, hidden, classes, Math.SQRT2), bias: bias(k4, hidden, classes) },
  }).then((p) => ({
    ...p,
    norm: {
      scale: { shape: [hidden], dtype: "f32", data: new Float32Array(hidden).fill(1) },
      bias: { shape: [hidden], dtype: "f32", data: new Float32Array(hidden) },
    },
  })) as Promise<DownstreamMlp<HostTensor>>;
};

const hiddenPre = (p: DownstreamMlp<Tensor>, x: Tensor): Tensor => add(matmul(x, p.hidden.kernel), p.hidden.bias);

const normalize = (p: DownstreamMlp<Tensor>, h: Tensor, mu: Tensor, variance: Tensor): Tensor =>
  add(mul(div(sub(h, broadcastTo(mu, h.shape)), broadcastTo(sqrt(add(variance, bnEps)), h.shape)), p.norm.scale), p.norm.bias);

/** Batch mean and biased variance of `[B, H]` pre-activations, `[1, H]` each (what BatchNorm normalises by). */
const batchStats = (h: Tensor): BatchNormStats<Tensor> => {
  const mu = mean(h, [0] as never, true) as Tensor;
  const c = sub(h, mu);
  return { mean: mu, variance: mean(mul(c, c), [0] as never, true) as Tensor };
};

/** Training-mode logits: batch statistics, dropout by the scaled `keep` mask, then ReLU. */
export const downstreamTrainLogits = (q: DownstreamMlp<Tensor>, x: Tensor, keep: Tensor): Tensor => {
  const pre = hiddenPre(q, x);
  const st = batchStats(pre);
  return add(matmul(relu(mul(normalize(q, pre, st.mean, st.variance), keep)), q.output.kernel), q.output.bias);
};

/** Evaluation-mode logits: running statistics, no dropout. */
export const downstreamEvalLogits = (q: DownstreamMlp<Tensor>, r: BatchNormStats<Tensor>, x: Tensor): Tensor =>
  add(matmul(relu(normalize(q, hiddenPre(q, x), r.mean, r.variance)), q.output.kernel), q.output.bias);

/** A compiled function per key (batch size), prepared on first use. */
const perSize = <F>(make: (size: number) => Promise<F>): ((size: number) => Promise<F>) => {
  const made = new Map<number, Promise<F>>();
  return (size) => {
    const hit = made.get(size) ?? make(size);
    made.set(size, hit);
    return hit;
  };
};

/** Mean loss of logits `z` against targets `y`: softmax or sigmoid cross-entropy (stable forms). */
const lossOf = (prediction: DownstreamOptions["prediction"], z: Tensor, y: Tensor): Tensor<readonly []> => {
  if (prediction === "multiclass") return neg(mean(sum(mul(y, logSoftmax(z)), [-1] as never) as Tensor)) as Tensor<readonly []>;
  // max(z, 0) − z·y + log(1 + e^{−|z|}), averaged over rows and classes.
  const absZ = maximum(z, neg(z));
  return mean(add(sub(maximum(z, 0), mul(z, y)), log(add(exp(neg(absZ)), 1)))) as Tensor<readonly []>;
};

const rows = (t: HostTensor, from: number, to: number): HostTensor => {
  const w = t.shape[1]!;
  return { shape: [to - from, w], dtype: t.dtype, data: t.data.subarray(from * w, to * w) };
};

/**
 * Trains one grid point (one dropout rate) on `train`, stopping early on `valid`, and scores `test`
 * with the best checkpoint.
 * @example
 * const r = await trainDownstream({ train, valid, test }, 0.1, { prediction: "multiclass", seed: 0 });
 */
export const trainDownstream = async (
  data: { readonly train: TargetSet; readonly valid: TargetSet; readonly test: TargetSet },
  dropout: number,
  options: DownstreamOptions,
): Promise<DownstreamResult> => {
  const { prediction } = options;
  const hidden = options.hidden ?? 1024;
  const maxEpochs = options.maxEpochs ?? 500;
  const every = options.validateEvery ?? 3;
  const patience = options.patience ?? 20;
  const batchSize = options.batchSize ?? 1024;
  const backend = options.backend ?? sharedWasm();
  const scorer = options.scorer ?? defaultScorer(prediction);
  const [n, d] = data.train.x.shape as readonly [number, number];
  const classes = data.train.targets.shape[1]!;
  const [kInit, kDrop] = split(key(options.seed), 2) as [Key, Key];
  let params = await initDownstreamMlp(kInit, d, hidden, classes);
  let running: BatchNormStats<HostTensor> = {
    mean: { shape: [hidden], dtype: "f32", data: new Float32Array(hidden) },
    variance: { shape: [hidden], dtype: "f32", data: new Float32Array(hidden).fill(1) },
  };
  let state = adamwInit(params) as AdamWState<DownstreamMlp<HostTensor>, HostTensor>;
  const opt = adamw({ learningRate: options.learningRate ?? 1e-4, weightDecay: 0 });
  type StepArgs = {
    p: DownstreamMlp<Tensor>;
    r: BatchNormStats<Tensor>;
    s: AdamWState<DownstreamMlp<Tensor>>;
    x: Tensor;
    y: Tensor;
    keep: Tensor;
  };
  type Run = (args: unknown) => Promise<unknown>;
  const mask = (b: number, data = new Float32Array(b * hidden)): HostTensor => ({ shape: [b, hidden], dtype: "f32", data });
  const stepFor = perSize(
    (b) =>
      jit(
        ({ p, r, s, x, y, keep }: StepArgs) => {
          const grads = valueAndGrad((q: DownstreamMlp<Tensor>) => lossOf(prediction, downstreamTrainLogits(q, x, keep), y))(p)[1];
          const next = opt.update(p, grads, s);
          const stats = batchStats(hiddenPre(p, x));
          const row = (t: Tensor) => sum(t, [0] as never) as Tensor; // [1, H] → [H]
          // PyTorch's running statistics: momentum 0.1, the variance unbiased (× B / (B − 1)).
          return {
            p: next.params,
            s: next.state,
            r: {
              mean: add(mul(r.mean, 1 - bnMomentum), mul(row(stats.mean), bnMomentum)),
              variance: add(mul(r.variance, 1 - bnMomentum), mul(row(stats.variance), (bnMomentum * b) / (b - 1))),
            },
          };
        },
        { p: params, r: running, s: state, x: rows(data.train.x, 0, b), y: rows(data.train.targets, 0, b), keep: mask(b) } as never,
        backend,
      ) as unknown as Promise<Run>,
  );
  const evaluatorFor = perSize(
    (m) =>
      jit(
        ({ p, r, x }: { p: DownstreamMlp<Tensor>; r: BatchNormStats<Tensor>; x: Tensor }) => downstreamEvalLogits(p, r, x),
        { p: params, r: running, x: { shape: [m, d], dtype: "f32", data: new Float32Array(m * d) } } as never,
        backend,
      ) as unknown as Promise<Run>,
  );
  const logitsOf = async (p: DownstreamMlp<HostTensor>, r: BatchNormStats<HostTensor>, x: HostTensor): Promise<HostTensor> =>
    (await (
      await evaluatorFor(x.shape[0]!)
    )({ p, r, x })) as HostTensor;
  const probabilities = async (p: DownstreamMlp<HostTensor>, r: BatchNormStats<HostTensor>, x: HostTensor) =>
    probabilitiesOf(prediction, await logitsOf(p, r, x));
  let best: { criterion: number; score: number; choice?: unknown; epoch: number; params: typeof params; running: typeof running } = {
    criterion: -Infinity,
    score: NaN,
    epoch: 0,
    params,
    running,
  };
  let stale = 0;
  let epochsRun = 0;
  let stepIndex = 0;
  const threshold = dropout * 2 ** 32;
  const scale = 1 / (1 - dropout);
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    for (let from = 0; from < n; from += batchSize) {
      const b = Math.min(batchSize, n - from);
      if (b < 2) continue;
      const u = bits(fold(kDrop, stepIndex++), b * hidden);
      // Keep a unit when its uniform draw w / 2^32 is ≥ dropout (a plain loop: Float32Array.from with a
      // callback costs ~20× more, and this runs every step).
      const keep = new Float32Array(u.length);
      for (let j = 0; j < u.length; j++) keep[j] = u[j]! >= threshold ? scale : 0;
      const out = (await (
        await stepFor(b)
      )({
        p: params,
        r: running,
        s: state,
        x: rows(data.train.x, from, from + b),
        y: rows(data.train.targets, from, from + b),
        keep: mask(b, keep),
      })) as {
        p: DownstreamMlp<HostTensor>;
        r: BatchNormStats<HostTensor>;
        s: AdamWState<DownstreamMlp<HostTensor>, HostTensor>;
      };
      ({ p: params, r: running, s: state } = out);
    }
    epochsRun = epoch;
    options.onEpoch?.(epoch);
    // Let the event loop run once per epoch: the steps resolve as microtasks, so without this a
    // progress bar would not redraw and a SIGINT handler would wait for the whole training.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    if (epoch % every !== 0) continue;
    const v = scorer.validate(await probabilities(params, running, data.valid.x), data.valid);
    if (v.criterion > best.criterion) {
      best = { criterion: v.criterion, score: v.score, choice: v.choice, epoch, params, running };
      stale = 0;
    } else if (++stale >= patience) break;
  }
  const predictions = await probabilities(best.params, best.running, data.test.x);
  const test = scorer.test(predictions, data.test, best.choice);
  const result: DownstreamResult = {
    dropout,
    testScore: test.score,
    validationScore: best.score,
    validationCriterion: best.criterion,
    epoch: best.epoch,
    epochsRun,
    metrics: test.metrics,
    ...(best.choice === undefined ? {} : { choice: best.choice }),
    predictions,
    ...(test.events === undefined ? {} : { events: test.events }),
  };
  options.onTrained?.(result);
  return result;
};

/** The kit's grid: dropout only (§3.6). */
export const dropoutGrid: ReadonlyArray<number> = [0.1, 0.25];

let shared: WasmBackend | undefined;
/** The backend downstream training uses when none is given: one `wasm()` for the process, so its compiled modules are reused. */
const sharedWasm = (): WasmBackend => {
  shared ??= wasm();
  return shared;
};

/**
 * The kit's grid search (§3.6): every dropout rate trained on the first split, in an order shuffled
 * by the seed (our PRNG, not Python's, so the order differs from the kit's for the same seed); the
 * higher best validation score wins, the earlier in that order on a tie.
 * @example
 * const { best } = await gridSearchDownstream(firstSplit, { prediction: "multiclass", seed: 0 });
 */
export const gridSearchDownstream = async (
  data: { readonly train: TargetSet; readonly valid: TargetSet; readonly test: TargetSet },
  options: DownstreamOptions,
  grid: ReadonlyArray<number> = dropoutGrid,
): Promise<{ readonly best: DownstreamResult; readonly all: ReadonlyArray<DownstreamResult> }> => {
  const noise = bits(fold(key(options.seed), 1), grid.length);
  const order = grid
    .map((p, i) => ({ p, r: noise[i]! }))
    .sort((a, b) => a.r - b.r)
    .map((e) => e.p);
  const all: DownstreamResult[] = [];
  for (const p of order) all.push(await trainDownstream(data, p, options));
  const best = all.reduce((a, b) => (b.validationCriterion > a.validationCriterion ? b : a));
  return { best, all };
};

/**
 * k-fold rotations (§3.7): folds sorted by name; rotation i tests on fold i, validates on fold
 * i + 1 (mod k) and trains on the rest in ascending name order.
 * @example
 * foldRotations(["fold00", "fold01", "fold02"])[0]; // { test: "fold00", valid: "fold01", train: ["fold02"] }
 */
export const foldRotations = (
  folds: ReadonlyArray<string>,
): Array<{ readonly test: string; readonly valid: string; readonly train: ReadonlyArray<string> }> => {
  const sorted = [...folds].sort();
  return sorted.map((test, i) => {
    const valid = sorted[(i + 1) % sorted.length]!;
    return { test, valid, train: sorted.filter((f) => f !== test && f !== valid) };
  });
};
