/**
 * @file The pre-training loop over a run folder:
 *
 * ```
 * DIR/run.json            the model, train and data configs (written when the run starts)
 * DIR/log.jsonl           one line per step: step, loss, lr, time
 * DIR/loss.svg            the loss curve, rewritten at every checkpoint and at the end
 * DIR/checkpoints/        ckpt-NNNNNNNN.safetensors (the newest few) and `latest`
 * DIR/params.msgpack      the final parameters as an official Flax checkpoint (when the run completes)
 * ```
 *
 * A checkpoint is saved every `checkpointEvery` steps, at the end, and when the caller asks the loop
 * to stop (signals). Resuming loads the newest loadable checkpoint and continues with exactly the
 * state, data position and keys it holds, so the result equals an uninterrupted run bit for bit.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { AudioError } from "../audio/index.js";
import { realize, type Backend } from "../backends/index.js";
import { listCheckpoints, writeFileAtomic } from "../io/node.js";
import { geometry, init, type HostParams } from "../models/mwmae/index.js";
import { adamwInit } from "../optim/index.js";
import { key } from "../random/index.js";
import { buildPool, nextBatch, startPosition } from "./data.js";
import { appendLog, trimLog, type LogRecord } from "./log.js";
import { lossCurveSvg } from "./loss-svg.js";
import type { Progress } from "./progress.js";
import { loadLatestState, saveState, type RunSetup, type TrainState } from "./state.js";
import { compileStep, runKeys, stepNoise } from "./step.js";
import { encodeOfficial } from "./weights.js";

/** The files of a run folder. */
export const runFiles = (dir: string) => ({
  setup: join(dir, "run.json"),
  log: join(dir, "log.jsonl"),
  svg: join(dir, "loss.svg"),
  checkpoints: join(dir, "checkpoints"),
  flax: join(dir, "params.msgpack"),
});

/** A new run, or the continuation of the one in the folder. */
export type RunStart =
  | { readonly kind: "fresh"; readonly setup: RunSetup /** Start from these weights instead of `init`. */; readonly params?: HostParams }
  | { readonly kind: "resume" };

export interface RunOptions {
  readonly dir: string;
  readonly start: RunStart;
  readonly backend: Backend;
  readonly progress: Progress;
  /** Take at most this many steps in this call, then checkpoint and return (tests, time slices). */
  readonly stopAfter?: number;
  /** Polled between steps: true stops the run after a checkpoint (SIGINT/SIGTERM). */
  readonly shouldStop?: () => boolean;
  /** Milliseconds, monotonic. */
  readonly now?: () => number;
}

export interface RunOutcome {
  readonly setup: RunSetup;
  readonly state: TrainState;
  /** The run reached its last step. */
  readonly finished: boolean;
  /** The checkpoint written last. */
  readonly checkpoint: string;
  /** Audio files left out of the pool, and damaged checkpoints passed over on resume. */
  readonly skippedFiles: ReadonlyArray<AudioError>;
  readonly skippedCheckpoints: ReadonlyArray<string>;
  /** Steps taken by this call and their mean wall time (compilation excluded). */
  readonly stepsTaken: number;
  readonly secondsPerStep: number;
}

/** The fresh state of a setup: `init` parameters from the run's key (or the given ones), zero moments. */
export const freshState = async (setup: RunSetup, params?: HostParams): Promise<TrainState> => {
  const root = key(setup.train.seed);
  const p = params ?? ((await realize(init(runKeys(root).init, setup.model))) as unknown as HostParams);
  return { step: 0, params: p, opt: adamwInit(p), key: root, position: startPosition, elapsedSeconds: 0 };
};

const write = (path: string, bytes: Uint8Array | string): E.Either<string, void> =>
  E.mapLeft((e: { message: string }) => `${path}: ${e.message}`)(writeFileAtomic(path, bytes));

/** Loads or creates the run's setup and state, preparing the folder. */
const begin = async (
  dir: string,
  start: RunStart,
): Promise<E.Either<string, { setup: RunSetup; state: TrainState; skipped: ReadonlyArray<string> }>> => {
  const files = runFiles(dir);
  if (start.kind === "resume") {
    const loaded = loadLatestState(files.checkpoints);
    return E.isLeft(loaded) ? E.left(`cannot resume from ${dir}: ${loaded.left}`) : loaded;
  }
  if (listCheckpoints(files.checkpoints).length > 0)
    return E.left(`${dir} already holds a run (${files.checkpoints} has checkpoints): resume it, or choose another folder`);
  mkdirSync(files.checkpoints, { recursive: true });
  const saved = write(files.setup, `${JSON.stringify(start.setup, null, 2)}\n`);
  if (E.isLeft(saved)) return saved;
  return E.right({ setup: start.setup, state: await freshState(start.setup, start.params), skipped: [] });
};

/**
 * Runs (or resumes) pre-training in `dir` until the last step, `stopAfter` steps, or a stop request.
 * @example
 * const out = await runPretraining({ dir: "runs/tiny", start: { kind: "fresh", setup }, backend: reference(), progress });
 */
export const runPretraining = async (options: RunOptions): Promise<E.Either<string, RunOutcome>> => {
  const { dir, backend, progress } = options;
  const now = options.now ?? (() => performance.now());
  const files = runFiles(dir);
  const begun = await begin(dir, options.start);
  if (E.isLeft(begun)) return begun;
  const { setup, skipped } = begun.right;
  let state = begun.right.state;
  const { model, train } = setup;
  const pool = await buildPool(setup.data, model.input.mels, backend);
  if (E.isLeft(pool)) return pool;
  const keys = runKeys(state.key);
  const { patches } = geometry(model);
  const step = await compileStep(model, train, backend, state.params);
  const svg = (records: ReadonlyArray<LogRecord>) =>
    write(files.svg, lossCurveSvg(records, `${model.kind === "mwmae" ? "MW-MAE" : "MAE"} pre-training loss`));
  // Lines past the starting step belong to steps this run takes again.
  const trimmed = trimLog(files.log, state.step);
  if (E.isLeft(trimmed)) return trimmed;
  const records = trimmed.right;
  let checkpoint = "";
  let savedStep = -1;
  const save = (): E.Either<string, void> => {
    const saved = saveState(files.checkpoints, setup, state);
    if (E.isLeft(saved)) return saved;
    checkpoint = saved.right;
    savedStep = state.step;
    return svg(records);
  };
  const t0 = now();
  const elapsedBefore = state.elapsedSeconds;
  let taken = 0;
  progress.start(train.steps, state.step);
  try {
    while (state.step < train.steps && taken < (options.stopAfter ?? Number.POSITIVE_INFINITY)) {
      // A step on the reference backend settles through microtasks alone; yielding to the event loop
      // lets signal handlers (and anything else queued) run between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.shouldStop?.() === true) break;
      const { x, next } = nextBatch(pool.right, keys.data, state.position, train.batch, model.input.frames);
      const noise = await stepNoise(keys.mask, state.step, train.batch, patches);
      const out = await step.run(state.params, state.opt, x, noise);
      if (!Number.isFinite(out.loss)) {
        return E.left(
          `the loss became ${out.loss} at step ${state.step + 1}; the last good state is ${checkpoint || "the newest checkpoint"} (try a lower --base-lr)`,
        );
      }
      taken += 1;
      const elapsedSeconds = elapsedBefore + (now() - t0) / 1000;
      state = { step: state.step + 1, params: out.params, opt: out.opt, key: state.key, position: next, elapsedSeconds };
      const record: LogRecord = { step: state.step, loss: out.loss, lr: out.lr, time: elapsedSeconds };
      records.push(record);
      appendLog(files.log, record);
      progress.step(record);
      if (state.step % train.checkpointEvery === 0 || state.step === train.steps) {
        const saved = save();
        if (E.isLeft(saved)) return saved;
      }
    }
    if (savedStep !== state.step) {
      const saved = save();
      if (E.isLeft(saved)) return saved;
    }
    const finished = state.step >= train.steps;
    if (finished) {
      const exported = write(files.flax, await encodeOfficial(model, state.params));
      if (E.isLeft(exported)) return exported;
    }
    return E.right({
      setup,
      state,
      finished,
      checkpoint,
      skippedFiles: pool.right.skipped,
      skippedCheckpoints: skipped,
      stepsTaken: taken,
      secondsPerStep: taken === 0 ? Number.NaN : (now() - t0) / 1000 / taken,
    });
  } finally {
    progress.stop();
  }
};
