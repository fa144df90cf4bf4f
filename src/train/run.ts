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

import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { AudioError } from "../audio/index.js";
import { realize, type Backend } from "../backends/index.js";
import { describeNonFinite, firstNonFinite } from "../io/index.js";
import { listCheckpoints, makeFolders, removeOrphanedTemps, writeFileAtomic } from "../io/node.js";
import { geometry, init, type HostParams } from "../models/mwmae/index.js";
import { adamwInit } from "../optim/index.js";
import { key } from "../random/index.js";
import { buildPool, nextBatch, startPosition } from "./data.js";
import { appendLog, trimLog, type LogRecord } from "./log.js";
import { lossCurveSvg } from "./loss-svg.js";
import type { Progress } from "./progress.js";
import { loadLatestState, saveState, type RunSetup, type TrainState } from "./state.js";
import { checkRunFits } from "./preflight.js";
import type { ResumePoint } from "./official.js";
import { estimateRun, formatEstimate } from "./estimate.js";
import { compileStep, runKeys, stepNoise } from "./step.js";
import { encodeOfficial, flatTensors } from "./weights.js";

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
  | {
      readonly kind: "fresh";
      readonly setup: RunSetup;
      /** Start from these weights instead of `init`. */
      readonly params?: HostParams;
      /** Continue a trainer checkpoint: its step, parameters, AdamW state and RNG keys (`resumePoint`). */
      readonly from?: ResumePoint;
    }
  | { readonly kind: "resume" };

/** What `runPretraining` needs: the run folder, whether to start fresh or resume, the backend and the progress reporter. */
export interface RunOptions {
  /** The run folder (created when missing); see the file comment for its layout. */
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
  /** Resume from (or keep training) weights with NaN or infinite values instead of refusing them. */
  readonly allowNonFinite?: boolean;
  /**
   * Called once before the first step with what the run will cost (`formatEstimate`'s lines: the
   * parameter count, the checkpoint size, the time per step, the peak learning rate).
   */
  readonly announce?: (lines: ReadonlyArray<string>) => void;
}

/**
 * What a call of `runPretraining` did: the setup and final state, whether the run finished, the last checkpoint, what was skipped and the
 * step time.
 */
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
export const freshState = async (setup: RunSetup, params?: HostParams, from?: ResumePoint): Promise<TrainState> => {
  const root = key(setup.train.seed);
  if (from !== undefined)
    return {
      step: from.step,
      params: from.params,
      opt: from.opt,
      key: root,
      position: startPosition,
      elapsedSeconds: 0,
      auxRngKeys: from.auxRngKeys,
    };
  const p = params ?? ((await realize(init(runKeys(root).init, setup.model))) as unknown as HostParams);
  return { step: 0, params: p, opt: adamwInit(p), key: root, position: startPosition, elapsedSeconds: 0 };
};

const write = (path: string, bytes: Uint8Array | string): E.Either<string, void> =>
  E.mapLeft((e: { message: string }) => `${path}: ${e.message}`)(writeFileAtomic(path, bytes));

/** The first non-finite value of a state's parameters and moments, as a sentence. */
const nonFiniteIn = (state: TrainState): string | undefined => {
  const found = firstNonFinite({
    ...flatTensors(state.params, "params"),
    ...flatTensors(state.opt.mu, "opt/mu"),
    ...flatTensors(state.opt.nu, "opt/nu"),
  });
  return found === undefined ? undefined : describeNonFinite(found);
};

/** `dir` as a folder to write into: created if missing; an existing file there is an error, not a stack trace. */
const prepareFolder = (dir: string): E.Either<string, void> =>
  E.mapLeft((e: { message: string }) => `cannot create the run folder ${dir}: ${e.message}`)(makeFolders(dir));

/** Loads or creates the run's setup and state, preparing the folder. */
const begin = async (
  dir: string,
  start: RunStart,
  allowNonFinite: boolean,
): Promise<E.Either<string, { setup: RunSetup; state: TrainState; skipped: ReadonlyArray<string> }>> => {
  const files = runFiles(dir);
  if (start.kind === "resume") {
    const loaded = loadLatestState(files.checkpoints);
    if (E.isLeft(loaded)) return E.left(`cannot resume from ${dir}: ${loaded.left}`);
    const bad = allowNonFinite ? undefined : nonFiniteIn(loaded.right.state);
    if (bad !== undefined) return E.left(`cannot resume from ${dir}: the checkpoint's ${bad} (--allow-non-finite to resume anyway)`);
    return loaded;
  }
  if (listCheckpoints(files.checkpoints).length > 0)
    return E.left(`${dir} already holds a run (${files.checkpoints} has checkpoints): resume it, or choose another folder`);
  const folder = prepareFolder(files.checkpoints);
  if (E.isLeft(folder)) return folder;
  const saved = write(files.setup, `${JSON.stringify(start.setup, null, 2)}\n`);
  if (E.isLeft(saved)) return saved;
  return E.right({ setup: start.setup, state: await freshState(start.setup, start.params, start.from), skipped: [] });
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
  const compiledBackend = !backend.name.startsWith("reference");
  // Nothing is written before the model is known to fit: a fresh run is checked before its folder is made.
  if (options.start.kind === "fresh") {
    const fits = checkRunFits(options.start.setup.model, options.start.setup.train, compiledBackend);
    if (E.isLeft(fits)) return fits;
  }
  const begun = await begin(dir, options.start, options.allowNonFinite === true);
  if (E.isLeft(begun)) return begun;
  const { setup, skipped } = begun.right;
  if (options.start.kind === "resume") {
    const fits = checkRunFits(setup.model, setup.train, compiledBackend);
    if (E.isLeft(fits)) return fits;
  }
  // Temporary files of writes that a killed run left behind (a checkpoint's can be a gigabyte).
  removeOrphanedTemps(dir);
  removeOrphanedTemps(files.checkpoints);
  let state = begun.right.state;
  const { model, train } = setup;
  const pool = await buildPool(setup.data, model.input.mels, backend);
  if (E.isLeft(pool)) return pool;
  const keys = runKeys(state.key);
  const { patches } = geometry(model);
  const step = await compileStep(model, train, backend, state.params);
  if (options.announce !== undefined)
    options.announce(formatEstimate(await estimateRun(model, train, step.graph, backend), train.steps - state.step));
  const svg = (records: ReadonlyArray<LogRecord>) =>
    write(files.svg, lossCurveSvg(records, `${model.kind === "mwmae" ? "MW-MAE" : "MAE"} pre-training loss`));
  // Lines past the starting step belong to steps this run takes again.
  const trimmed = trimLog(files.log, state.step);
  if (E.isLeft(trimmed)) return trimmed;
  const records = trimmed.right;
  let checkpoint = "";
  let savedStep = -1;
  const save = (): E.Either<string, void> => {
    const bad = options.allowNonFinite === true ? undefined : nonFiniteIn(state);
    if (bad !== undefined)
      return E.left(`at step ${state.step} the ${bad}; not saved, the last good state is ${checkpoint || "the newest checkpoint"}`);
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
      // Twice: an immediate can run in the same loop iteration, before the poll phase that delivers a
      // signal; the second one comes after a full iteration, so a signal sent during start-up is seen here.
      await new Promise<void>((resolve) => setImmediate(resolve));
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
      state = { ...state, step: state.step + 1, params: out.params, opt: out.opt, position: next, elapsedSeconds };
      const record: LogRecord = { step: state.step, loss: out.loss, lr: out.lr, time: elapsedSeconds };
      records.push(record);
      const logged = appendLog(files.log, record);
      if (E.isLeft(logged)) return logged;
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
