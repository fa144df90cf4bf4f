/**
 * @file Learning-rate schedules. A schedule is a function of the step twice over: on the host (for
 * logs and plots) and as a DSL expression of a step tensor (so the optimiser computes its own rate
 * inside a compiled training step and the graph never changes between steps). The two are the same
 * formula, tested against each other.
 */

import { add, cos, full, less, maximum, minimum, mul, scalar, select, sub, type Tensor } from "../ir/index.js";

/** A learning rate per step, on the host and in a graph (step as an f32 scalar). */
export interface Schedule {
  (step: number): number;
  /** The same rate as a graph of an f32 scalar step, so a jitted training step needs no recompiling as the step advances. */
  readonly tensor: (step: Tensor<readonly []>) => Tensor<readonly []>;
}

const schedule = (host: (step: number) => number, tensor: (step: Tensor<readonly []>) => Tensor<readonly []>): Schedule =>
  Object.assign(host, { tensor });

/** The same rate at every step. */
export const constantSchedule = (lr: number): Schedule =>
  schedule(
    () => lr,
    () => scalar(lr),
  );

/** Options of `warmupCosine`, optax's `warmup_cosine_decay_schedule` with `baseLr` as its peak. */
export interface WarmupCosineOptions {
  /** The peak rate, reached at the end of warm-up. */
  readonly baseLr: number;
  /** Steps of linear warm-up from `initLr` to `baseLr`. */
  readonly warmupSteps: number;
  /** Steps in all (warm-up included); the rate is `endLr` from here on. */
  readonly totalSteps: number;
  /** Final rate (default 0). */
  readonly endLr?: number;
  /** Rate at step 0 (default 0, as optax). */
  readonly initLr?: number;
}

/**
 * Linear warm-up, then cosine decay (optax's `warmup_cosine_decay_schedule`, `exponent` 1):
 * lr(s) = init + (peak − init)·s/W for s < W, else end + (peak − end)·½(1 + cos(π·min(s − W, D)/D))
 * with D = total − W.
 * @example
 * const lr = warmupCosine({ baseLr: scaleLearningRate(1.5e-4, 256), warmupSteps: 100, totalSteps: 1000 });
 * lr(100); // 1.5e-4
 */
export const warmupCosine = (o: WarmupCosineOptions): Schedule => {
  const { baseLr: peak, warmupSteps: w, totalSteps: total } = o;
  const end = o.endLr ?? 0;
  const init = o.initLr ?? 0;
  const decay = total - w;
  if (!(Number.isSafeInteger(w) && w >= 0)) throw new RangeError(`warmupCosine: warmupSteps must be a non-negative integer, got ${w}`);
  if (!(Number.isSafeInteger(total) && decay > 0))
    throw new RangeError(`warmupCosine: totalSteps (${total}) must exceed warmupSteps (${w})`);
  const host = (s: number): number =>
    s < w ? init + ((peak - init) * s) / w : end + (peak - end) * 0.5 * (1 + Math.cos((Math.PI * Math.min(s - w, decay)) / decay));
  const tensor = (s: Tensor<readonly []>): Tensor<readonly []> => {
    const t = minimum(maximum(sub(s, w), 0), decay);
    const cosine = add(mul(add(cos(mul(t, Math.PI / decay)), 1), 0.5 * (peak - end)), end);
    if (w === 0) return cosine;
    const warm = add(mul(s, (peak - init) / w), init);
    return select(less(s, full([] as const, w)), warm, cosine);
  };
  return schedule(host, tensor);
};

/** The linear scaling rule: base × batch / 256 (the MAE papers' convention, DESIGN.md §2). */
export const scaleLearningRate = (base: number, batchSize: number): number => (base * batchSize) / 256;

/** A schedule from a rate or a schedule. */
export const asSchedule = (lr: number | Schedule): Schedule => (typeof lr === "number" ? constantSchedule(lr) : lr);
