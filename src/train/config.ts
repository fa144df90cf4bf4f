/**
 * @file What a pre-training run is, besides the model: the optimisation settings (`TrainConfig`) and
 * the data (`DataSpec`), as io-ts codecs with their cross-field checks, and the learning-rate schedule
 * they imply: lr = base × batch / 256 (the linear scaling rule), linear warm-up, then cosine decay to 0
 * at the last step (DESIGN.md §2).
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { configError, PositiveInt, reportConfigErrors, type ConfigError } from "../models/mwmae/index.js";
import { scaleLearningRate, warmupCosine, type Schedule } from "../optim/index.js";

/** An integer ≥ 0. */
const Count = new t.Type<number, number, unknown>(
  "NonNegativeInt",
  (u): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  (n) => n,
);

/**
 * Which AdamW: `project` decays weight matrices only and keeps the sin-cos tables fixed (see optim's
 * `noDecayPatterns`); `official` is the official trainer's `optax.adamw` without a mask: weight decay
 * on every parameter, and the position tables train (what a run continued from, or handed to, the
 * official trainer must use to stay exact).
 */
export const OptimizerKind = t.keyof({ project: null, official: null });
export type OptimizerKind = t.TypeOf<typeof OptimizerKind>;

const TrainConfigFields = t.type({
  /** Optimiser steps in the whole run (the cosine reaches 0 here). */
  steps: PositiveInt,
  /** Crops per step. */
  batch: PositiveInt,
  /** Base learning rate, before the batch/256 scaling (DESIGN.md §2: 1.5e-5). */
  baseLr: t.number,
  /** Steps of linear warm-up from 0. */
  warmupSteps: Count,
  /** AdamW's decoupled weight decay (0.05), on weight matrices only (see optim's `noDecayPatterns`). */
  weightDecay: t.number,
  /** Seed of the run's root key: parameters, data order, crops and masks all derive from it. */
  seed: Count,
  /** Save a checkpoint every this many steps (and at the end, and on SIGINT/SIGTERM). */
  checkpointEvery: PositiveInt,
  /** Checkpoints kept on disk (the newest). */
  keepCheckpoints: PositiveInt,
  /**
   * Let AdamW move the sin-cos position tables. Off by default: the paper's tables are fixed (DESIGN.md
   * §2); on, the official trainer's behaviour (its unmasked AdamW trains them; see docs/mwmae.md).
   */
  trainPositionTables: t.boolean,
});
/** How a run optimises; `optimizer` is absent in runs made before it existed (they are `project`). */
export const TrainConfig = t.intersection([TrainConfigFields, t.partial({ optimizer: OptimizerKind })]);
export type TrainConfig = t.TypeOf<typeof TrainConfig>;

/** True when a run uses the official trainer's unmasked AdamW (`optimizer: "official"`). */
export const isOfficialOptimizer = (train: TrainConfig): boolean => train.optimizer === "official";

/** The defaults: DESIGN.md §2's optimiser, a short run. */
export const trainDefaults: TrainConfig = {
  steps: 100,
  batch: 8,
  baseLr: 1.5e-5,
  warmupSteps: 10,
  weightDecay: 0.05,
  seed: 0,
  checkpointEvery: 50,
  keepCheckpoints: 3,
  trainPositionTables: false,
};

/** Where crops come from: the built-in synthetic corpus, or every WAV under a folder. */
export const DataSpec = t.union([
  t.type({
    kind: t.literal("synth"),
    /** Clips in the pool (`poolClip(key(seed), 0 … clips − 1)`). */
    clips: PositiveInt,
    /** Seconds per clip. */
    seconds: t.number,
    /** Seed of the corpus (independent of the run's seed, so runs can share a pool). */
    seed: Count,
  }),
  t.type({ kind: t.literal("folder"), path: t.string }),
]);
export type DataSpec = t.TypeOf<typeof DataSpec>;

/** The synthetic corpus by default: 64 clips of 2.05 s (205 frames: one 200-frame crop, and a little room). */
export const synthDefaults = { kind: "synth", clips: 64, seconds: 2.05, seed: 0 } as const satisfies DataSpec;
/** The data a run uses when none is given: the synthetic corpus (`synthDefaults`). */
export const dataDefaults: DataSpec = synthDefaults;

/** Every cross-field problem of a structurally valid train config and data spec. */
export const trainProblems = (train: TrainConfig, data: DataSpec): string[] => [
  ...(train.baseLr > 0 && Number.isFinite(train.baseLr) ? [] : [`train.baseLr: ${train.baseLr} is not a positive number`]),
  ...(train.weightDecay >= 0 && Number.isFinite(train.weightDecay) ? [] : [`train.weightDecay: ${train.weightDecay} is negative`]),
  ...(train.warmupSteps < train.steps
    ? []
    : [`train.warmupSteps: ${train.warmupSteps} leaves no decay in ${train.steps} steps (must be below steps)`]),
  ...(data.kind === "synth" && !(data.seconds >= 0.05 && data.seconds <= 600)
    ? [`data.seconds: ${data.seconds} is outside [0.05, 600]`]
    : []),
];

/**
 * Decodes and checks a train config and data spec; `source` names where they came from.
 * @example
 * decodeTrainConfig("flags")({ ...trainDefaults, warmupSteps: 200 }, dataDefaults); // Left: "train.warmupSteps: …"
 */
export const decodeTrainConfig =
  (source: string) =>
  (train: unknown, data: unknown): E.Either<ConfigError, { readonly train: TrainConfig; readonly data: DataSpec }> =>
    pipe(
      E.Do,
      E.apS(
        "train",
        pipe(
          TrainConfig.decode(train),
          E.mapLeft((e) =>
            configError(
              source,
              reportConfigErrors(e).map((m) => `train.${m}`),
            ),
          ),
        ),
      ),
      E.apS(
        "data",
        pipe(
          DataSpec.decode(data),
          E.mapLeft((e) =>
            configError(
              source,
              reportConfigErrors(e).map((m) => `data.${m}`),
            ),
          ),
        ),
      ),
      E.chain((r) => {
        const problems = trainProblems(r.train, r.data);
        return problems.length === 0 ? E.right(r) : E.left(configError(source, problems));
      }),
    );

/** The peak learning rate, base × batch / 256. */
export const peakLearningRate = (train: TrainConfig): number => scaleLearningRate(train.baseLr, train.batch);

/**
 * The run's schedule: linear warm-up to the peak, cosine decay to 0 at `steps`.
 * @example
 * learningRateSchedule({ ...trainDefaults, batch: 256 })(10); // 1.5e-5, the peak
 */
export const learningRateSchedule = (train: TrainConfig): Schedule =>
  warmupCosine({ baseLr: peakLearningRate(train), warmupSteps: train.warmupSteps, totalSteps: train.steps });
