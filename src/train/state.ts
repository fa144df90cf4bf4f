/**
 * @file A run's complete state and its checkpoint form. Everything the next step depends on is saved:
 * parameters, AdamW's moments and step count, the run's root RNG key, the data position, the time
 * spent so far, and the model, train and data configs. Tensors go into safetensors by path
 * (`params/…`, `opt/mu/…`, `opt/nu/…`, `opt/step`); the rest is JSON metadata decoded by `TrainMeta`.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { HostTensor } from "../ir/index.js";
import { loadCheckpoint, loadLatestCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointError } from "../io/node.js";
import { loadParams, MwmaeConfig, type HostParams } from "../models/mwmae/index.js";
import type { HostAdamWState } from "../optim/index.js";
import type { Key } from "../random/index.js";
import { DataSpec, TrainConfig } from "./config.js";
import type { DataPosition } from "./data.js";
import { flatTensors, paramsFromTensors, subtree } from "./weights.js";

/** Everything fixed for a run: what it trains, how, and on what. */
export interface RunSetup {
  readonly model: MwmaeConfig;
  readonly train: TrainConfig;
  readonly data: DataSpec;
}

/** Everything that changes from step to step. */
export interface TrainState {
  /** Optimiser steps taken. */
  readonly step: number;
  readonly params: HostParams;
  readonly opt: HostAdamWState<HostParams>;
  /** The run's root key (parameters, data and masks derive from it). */
  readonly key: Key;
  readonly position: DataPosition;
  /** Wall-clock seconds spent training, over every resumption. */
  readonly elapsedSeconds: number;
  /** The official trainer's RNG keys, when the run continues a trainer checkpoint (kept for export, unused here). */
  readonly auxRngKeys?: Readonly<Record<string, ReadonlyArray<number>>>;
}

const Word = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, "Uint32");
const Count = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "NonNegativeInt");

/** The checkpoint's JSON metadata. */
const TrainMetaFields = t.type({
  format: t.literal("mwmae-ts/pretrain@1"),
  model: MwmaeConfig,
  train: TrainConfig,
  data: DataSpec,
  rngKey: t.tuple([Word, Word]),
  position: t.type({ epoch: Count, index: Count }),
  elapsedSeconds: t.number,
});
/** The checkpoint's JSON metadata (`official` only in runs that continue a trainer checkpoint). */
export const TrainMeta = t.intersection([
  TrainMetaFields,
  t.partial({ official: t.type({ auxRngKeys: t.record(t.string, t.array(Word)) }) }),
]);
export type TrainMeta = t.TypeOf<typeof TrainMeta>;

/** The checkpoint of a state: tensors by path and the metadata. */
export const toCheckpoint = (setup: RunSetup, state: TrainState): Checkpoint<TrainMeta> => ({
  step: state.step,
  tensors: {
    ...flatTensors(state.params, "params"),
    ...flatTensors(state.opt.mu, "opt/mu"),
    ...flatTensors(state.opt.nu, "opt/nu"),
    "opt/step": state.opt.step,
  },
  meta: {
    format: "mwmae-ts/pretrain@1",
    model: setup.model,
    train: setup.train,
    data: setup.data,
    rngKey: [...state.key.words],
    position: state.position,
    elapsedSeconds: state.elapsedSeconds,
    ...(state.auxRngKeys === undefined ? {} : { official: { auxRngKeys: mapValues(state.auxRngKeys) } }),
  },
});

const mapValues = (r: Readonly<Record<string, ReadonlyArray<number>>>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...v]]));

/** A moment tree checked against the config like the parameters, so a bad tensor is named. */
const moments = (
  setup: RunSetup,
  flat: Readonly<Record<string, HostTensor>>,
  which: "mu" | "nu",
  source: string,
): E.Either<string, HostParams> =>
  pipe(
    loadParams(setup.model, subtree(flat, `opt/${which}`)),
    E.mapLeft((e) => `${source}: tensor "opt/${which}/${e.path}" does not match the config: ${e.message}`),
  );

/**
 * The run a checkpoint holds, every tensor checked against the checkpoint's own model config.
 * @example
 * pipe(loadCheckpoint(path, TrainMeta), E.mapLeft((e) => e.message), E.chain((c) => fromCheckpoint(c, path)));
 */
export const fromCheckpoint = (
  ckpt: Checkpoint<TrainMeta>,
  source: string,
): E.Either<string, { readonly setup: RunSetup; readonly state: TrainState }> => {
  const { meta, tensors } = ckpt;
  const setup: RunSetup = { model: meta.model, train: meta.train, data: meta.data };
  const step = tensors["opt/step"];
  if (step === undefined || step.dtype !== "i32" || step.shape.length !== 0)
    return E.left(`${source}: tensor "opt/step" is missing or not an i32 scalar`);
  if (step.data[0] !== ckpt.step) return E.left(`${source}: tensor "opt/step" says ${step.data[0]}, the metadata says step ${ckpt.step}`);
  return pipe(
    E.Do,
    E.apS("params", paramsFromTensors(setup.model, tensors, source)),
    E.apS("mu", moments(setup, tensors, "mu", source)),
    E.apS("nu", moments(setup, tensors, "nu", source)),
    E.map(({ params, mu, nu }) => ({
      setup,
      state: {
        step: ckpt.step,
        params,
        opt: { step: step as HostTensor<readonly []>, mu, nu } as HostAdamWState<HostParams>,
        key: { words: meta.rngKey },
        position: meta.position,
        elapsedSeconds: meta.elapsedSeconds,
        ...(meta.official === undefined ? {} : { auxRngKeys: meta.official.auxRngKeys }),
      },
    })),
  );
};

const showError = (e: CheckpointError): string => `${e.path}: ${e.message}`;

/** Saves a state into the run's checkpoint folder (atomically; the newest `keepCheckpoints` kept). */
export const saveState = (dir: string, setup: RunSetup, state: TrainState): E.Either<string, string> =>
  pipe(saveCheckpoint(dir, toCheckpoint(setup, state), setup.train.keepCheckpoints), E.mapLeft(showError));

/** One checkpoint file, fully checked. */
export const loadState = (path: string): E.Either<string, { readonly setup: RunSetup; readonly state: TrainState }> =>
  pipe(
    loadCheckpoint(path, TrainMeta),
    E.mapLeft(showError),
    E.chain((c) => fromCheckpoint(c, path)),
  );

/**
 * The newest loadable checkpoint of a folder; damaged newer ones are skipped and described in
 * `skipped` (the caller reports them).
 */
export const loadLatestState = (
  dir: string,
): E.Either<string, { readonly setup: RunSetup; readonly state: TrainState; readonly skipped: ReadonlyArray<string> }> =>
  pipe(
    // A checkpoint whose tensors disagree with its metadata (a step mismatch) is passed over for the one before.
    loadLatestCheckpoint(dir, TrainMeta, (c, path) => {
      const state = fromCheckpoint(c, path);
      return E.isLeft(state) ? state.left.replace(`${path}: `, "") : undefined;
    }),
    E.mapLeft(showError),
    E.chain(({ checkpoint, skipped }) =>
      pipe(
        fromCheckpoint(checkpoint, `${dir} (step ${checkpoint.step})`),
        E.map((r) => ({ ...r, skipped: skipped.map(showError) })),
      ),
    ),
  );
