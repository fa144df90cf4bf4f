/**
 * @file A linear probe: a softmax classifier on frozen embeddings, the usual quick measure of what a
 * representation makes linearly available. Features are standardised with the training split's
 * per-dimension mean and standard deviation; the classifier (zero-initialised, so the run is
 * deterministic; the loss is convex, so the start does not matter) is trained full-batch with
 * softmax cross-entropy through the DSL (`valueAndGrad` and AdamW, both in one compiled step) for a
 * fixed number of epochs, and the epoch with the best validation accuracy is kept (the lower
 * validation loss on ties). The score is its top-1 accuracy on the test split. `splitIndices` draws stratified splits.
 */

import { jit, reference, type Backend } from "../backends/index.js";
import { add, logSoftmax, matmul, mean, mul, neg, sum, type HostTensor, type Tensor } from "../ir/index.js";
import { adamw, adamwInit, type AdamWState } from "../optim/index.js";
import { valueAndGrad } from "../autodiff/index.js";
import { bits, key, type Key } from "../random/index.js";
import { argmaxRows } from "./metrics.js";

/** Embeddings `[n, d]` and their class indices. */
export interface LabelledSet {
  readonly x: HostTensor;
  readonly y: ArrayLike<number>;
}

/** Options of `linearProbe`; every field is optional. */
export interface ProbeOptions {
  /** Full-batch steps (default 300). */
  readonly epochs?: number;
  /** AdamW's rate (default 0.01, for standardised features). */
  readonly learningRate?: number;
  /** AdamW's decoupled weight decay on the weights, not the bias (default 1e-4). */
  readonly weightDecay?: number;
  /** Number of classes (default: the largest label + 1 over all splits). */
  readonly classes?: number;
  /** Where the training step runs (default: the float32 reference interpreter). */
  readonly backend?: Backend;
}

/** What a linear probe measured: top-1 accuracies of the chosen weights on each split, the epoch they came from and the training losses. */
export interface ProbeResult {
  /** Top-1 accuracy on the test split with the chosen weights. */
  readonly testAccuracy: number;
  /** Top-1 accuracy on the validation split (what chose the epoch). */
  readonly validAccuracy: number;
  /** Top-1 accuracy on the training split. */
  readonly trainAccuracy: number;
  /** Updates behind the chosen weights (0 = the zero classifier). */
  readonly bestEpoch: number;
  /** Training loss before each update. */
  readonly losses: ReadonlyArray<number>;
}

interface Linear<P> {
  readonly kernel: P;
  readonly bias: P;
}

/** Per-dimension mean and standard deviation of the rows of `x` (a constant dimension gets std 1). */
const columnStats = (x: HostTensor): { mean: Float64Array; std: Float64Array } => {
  const [n, d] = x.shape as readonly [number, number];
  const mu = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] = mu[j]! + x.data[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j] = sq[j]! + (x.data[i * d + j]! - mu[j]!) ** 2 / n;
  return { mean: mu, std: sq.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
};

const standardized = (x: HostTensor, s: { mean: Float64Array; std: Float64Array }): HostTensor<readonly [number, number]> => {
  const [n, d] = x.shape as readonly [number, number];
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (x.data[i * d + j]! - s.mean[j]!) / s.std[j]!;
  return { shape: [n, d] as const, dtype: "f32", data };
};

const oneHot = (y: ArrayLike<number>, classes: number): HostTensor<readonly [number, number]> => {
  const data = new Float32Array(y.length * classes);
  for (let i = 0; i < y.length; i++) data[i * classes + y[i]!] = 1;
  return { shape: [y.length, classes] as const, dtype: "f32", data };
};

/** Accuracy and mean cross-entropy of a linear classifier on host data (scores x·W + b, in float64). */
const evaluate = (
  p: Linear<HostTensor>,
  set: { x: HostTensor; y: ArrayLike<number> },
  classes: number,
): { accuracy: number; loss: number } => {
  const [n, d] = set.x.shape as readonly [number, number];
  if (n === 0) return { accuracy: NaN, loss: NaN };
  const scores = new Float64Array(n * classes);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let top = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = p.bias.data[c]!;
      for (let j = 0; j < d; j++) s += set.x.data[i * d + j]! * p.kernel.data[j * classes + c]!;
      scores[i * classes + c] = s;
      top = Math.max(top, s);
    }
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(scores[i * classes + c]! - top);
    loss += (top + Math.log(z) - scores[i * classes + set.y[i]!]!) / n;
  }
  const predicted = argmaxRows(scores, n, classes);
  let hits = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === set.y[i]) hits += 1;
  return { accuracy: hits / n, loss };
};

/** Mean softmax cross-entropy of a linear classifier on one-hot targets. */
const crossEntropy = (p: Linear<Tensor>, x: Tensor, y: Tensor): Tensor<readonly []> =>
  neg(mean(sum(mul(y, logSoftmax(add(matmul(x, p.kernel), p.bias))), [-1] as never)) as Tensor) as Tensor<readonly []>;

/** `valueAndGrad` of the cross-entropy with respect to the classifier. */
const valueAndGradOf = (p: Linear<Tensor>, x: Tensor, y: Tensor) => valueAndGrad((q: Linear<Tensor>) => crossEntropy(q, x, y))(p);

/**
 * Trains a linear probe on `train`, picks the epoch by `valid` accuracy, and scores `test`.
 * @example
 * const { testAccuracy } = await linearProbe({ train, valid, test }, { epochs: 200 });
 */
export const linearProbe = async (
  data: { readonly train: LabelledSet; readonly valid: LabelledSet; readonly test: LabelledSet },
  options: ProbeOptions = {},
): Promise<ProbeResult> => {
  const epochs = options.epochs ?? 300;
  const labels = [data.train.y, data.valid.y, data.test.y].flatMap((y) => Array.from(y));
  const classes = options.classes ?? Math.max(...labels) + 1;
  if (labels.some((l) => !Number.isInteger(l) || l < 0 || l >= classes))
    throw new RangeError(`linearProbe: labels must be integers in [0, ${classes})`);
  const d = data.train.x.shape[1]!;
  const stats = columnStats(data.train.x);
  const [train, valid, test] = [data.train, data.valid, data.test].map((s) => ({ x: standardized(s.x, stats), y: s.y }));
  const opt = adamw({ learningRate: options.learningRate ?? 0.01, weightDecay: options.weightDecay ?? 1e-4 });
  let params: Linear<HostTensor> = {
    kernel: { shape: [d, classes], dtype: "f32", data: new Float32Array(d * classes) },
    bias: { shape: [classes], dtype: "f32", data: new Float32Array(classes) },
  };
  let state = adamwInit(params) as AdamWState<Linear<HostTensor>, HostTensor>;
  const targets = oneHot(train!.y, classes);
  const step = await jit(
    ({ p, s, x, y }: { p: Linear<Tensor>; s: AdamWState<Linear<Tensor>>; x: Tensor; y: Tensor }) => {
      const [loss, grads] = valueAndGradOf(p, x, y);
      const next = opt.update(p, grads, s);
      return { loss, p: next.params, s: next.state };
    },
    { p: params, s: state, x: train!.x, y: targets } as never,
    options.backend ?? reference({ precision: "f32" }),
  );
  // The best validation accuracy wins; among equal accuracies the lower validation loss (a small
  // validation set saturates early, and the earliest perfect epoch is often barely trained).
  let best = { epoch: 0, ...evaluate(params, valid!, classes), params };
  const losses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const out = (await step({ p: params, s: state, x: train!.x, y: targets } as never)) as unknown as {
      loss: HostTensor;
      p: Linear<HostTensor>;
      s: AdamWState<Linear<HostTensor>, HostTensor>;
    };
    losses.push(out.loss.data[0]!);
    params = out.p;
    state = out.s;
    const v = evaluate(params, valid!, classes);
    if (v.accuracy > best.accuracy || (v.accuracy === best.accuracy && v.loss < best.loss)) best = { epoch, ...v, params };
  }
  return {
    testAccuracy: evaluate(best.params, test!, classes).accuracy,
    validAccuracy: best.accuracy,
    trainAccuracy: evaluate(best.params, train!, classes).accuracy,
    bestEpoch: best.epoch,
    losses,
  };
};

/**
 * Stratified train/valid/test indices: within each class, a permutation drawn from `key`, cut by the
 * given fractions (rounded per class), so every split sees every class in proportion.
 * @example
 * const { train, valid, test } = splitIndices(labels, { valid: 0.2, test: 0.2 }, key(0));
 */
export const splitIndices = (
  labels: ArrayLike<number>,
  fractions: { readonly valid: number; readonly test: number },
  k: Key,
): { train: number[]; valid: number[]; test: number[] } => {
  const noise = bits(k, labels.length);
  const byClass = new Map<number, number[]>();
  Array.from(labels).forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const out = { train: [] as number[], valid: [] as number[], test: [] as number[] };
  for (const members of [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m)) {
    const shuffled = [...members].sort((a, b) => noise[a]! - noise[b]! || a - b);
    const nTest = Math.round(members.length * fractions.test);
    const nValid = Math.round(members.length * fractions.valid);
    out.test.push(...shuffled.slice(0, nTest));
    out.valid.push(...shuffled.slice(nTest, nTest + nValid));
    out.train.push(...shuffled.slice(nTest + nValid));
  }
  return out;
};

/** The rows `indices` of `[n, d]` embeddings with their labels. */
export const selectRows = (x: HostTensor, y: ArrayLike<number>, indices: ReadonlyArray<number>): LabelledSet => {
  const d = x.shape[1]!;
  const data = new Float32Array(indices.length * d);
  indices.forEach((r, i) => data.set(x.data.subarray(r * d, (r + 1) * d), i * d));
  return { x: { shape: [indices.length, d], dtype: "f32", data }, y: Int32Array.from(indices, (r) => y[r]!) };
};

/**
 * The whole probe on one labelled set: stratified splits drawn from `seed` (20% validation, 20% test
 * by default), then `linearProbe`.
 * @example
 * const { testAccuracy } = await probeEmbeddings(scene, labels, { seed: 0 }); // scene: [n, D]
 */
export const probeEmbeddings = async (
  x: HostTensor,
  y: ArrayLike<number>,
  options: ProbeOptions & { readonly seed?: number; readonly valid?: number; readonly test?: number } = {},
): Promise<ProbeResult> => {
  const idx = splitIndices(y, { valid: options.valid ?? 0.2, test: options.test ?? 0.2 }, key(options.seed ?? 0));
  return linearProbe({ train: selectRows(x, y, idx.train), valid: selectRows(x, y, idx.valid), test: selectRows(x, y, idx.test) }, options);
};
