/**
 * @file `mwmae pretrain`: pre-trains MW-MAE or the plain MAE into a run folder (see src/train/run.ts
 * for its layout), resumes one exactly with `--resume`, and stops cleanly on SIGINT/SIGTERM after
 * saving a checkpoint (exit 130/143; a second signal aborts at once).
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describeNonFinite, firstNonFinite } from "../io/index.js";
import { showConfigError, type HostParams } from "../models/mwmae/index.js";
import {
  codeCacheNote,
  synthDefaults,
  decodeTrainConfig,
  makeProgress,
  progressModes,
  flatTensors,
  readParams,
  runFiles,
  runPretraining,
  trainDefaults,
  type ProgressMode,
  type RunOutcome,
  type RunStart,
} from "../train/index.js";
import { backendFromFlags, backendOptions, backendUsage } from "./backend-flags.js";
import { exitCodes, intFlag, numberFlag, parseFlags, pathFlag, runCommand, UsageError, type Command } from "./command.js";
import { startFromTrainer } from "./export.js";
import { modelOptions, modelUsage, resolveModel } from "./model-options.js";

const trainOptions = {
  steps: { type: "string" },
  batch: { type: "string" },
  "base-lr": { type: "string" },
  warmup: { type: "string" },
  "weight-decay": { type: "string" },
  seed: { type: "string" },
  "checkpoint-every": { type: "string" },
  keep: { type: "string" },
  data: { type: "string" },
  clips: { type: "string" },
  "clip-seconds": { type: "string" },
  "data-seed": { type: "string" },
  checkpoint: { type: "string" },
  "train-position-tables": { type: "boolean" },
  "allow-non-finite": { type: "boolean" },
  "resume-from": { type: "string" },
  optimizer: { type: "string" },
} as const;

const options = {
  ...modelOptions,
  ...trainOptions,
  out: { type: "string" },
  resume: { type: "boolean" },
  ...backendOptions,
  progress: { type: "string" },
  "log-every": { type: "string" },
  "stop-after": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const d = trainDefaults;
const usage = [
  "usage: mwmae pretrain [options]",
  "       mwmae pretrain --resume --out DIR [--backend B] [--threads N] [--progress P] [--stop-after N] [--json]",
  "",
  "Pre-trains MW-MAE (or the plain MAE) on random crops of log-mels, with AdamW, linear warm-up and",
  "cosine decay, checkpointing as it goes. See docs/cli.md for the files a run writes.",
  "",
  ...modelUsage,
  "",
  "training:",
  `  --steps N              optimiser steps in the whole run (${d.steps})`,
  `  --batch N              crops per step (${d.batch})`,
  `  --base-lr X            base learning rate; the peak is X·batch/256 (${d.baseLr})`,
  `  --warmup N             linear warm-up steps, then cosine decay to 0 (${d.warmupSteps})`,
  `  --weight-decay X       AdamW weight decay on weight matrices (${d.weightDecay})`,
  `  --seed N               the run's seed: parameters, data order, crops, masks (${d.seed})`,
  `  --checkpoint-every N   save every N steps, at the end and on SIGINT/SIGTERM (${d.checkpointEvery})`,
  `  --keep N               checkpoints kept (${d.keepCheckpoints})`,
  "  --train-position-tables  let AdamW move the sin-cos tables, as the official trainer does (fixed by default)",
  "  --checkpoint FILE      start from these weights (this project's .safetensors or official Flax .msgpack)",
  "  --allow-non-finite     accept weights holding NaN or infinities (--checkpoint, --resume); refused by default",
  "  --resume-from PATH     continue the official trainer's checkpoint (a checkpoint_<step> file or its work",
  "                         folder): its parameters, AdamW moments, step and schedule position; give the model",
  "                         (--config) and the schedule (--steps, --warmup, --batch, --base-lr) it was trained with",
  "  --optimizer NAME       official | project: official is the trainer's optax.adamw (decay on every parameter,",
  "                         position tables trained); project decays weight matrices only (default: project,",
  "                         official with --resume-from)",
  "",
  "data:",
  "  --data synth|DIR       the built-in synthetic corpus (default), or every .wav under DIR",
  `  --clips N              synthetic clips in the pool (${synthDefaults.clips})`,
  `  --clip-seconds S       seconds per synthetic clip (${synthDefaults.seconds})`,
  `  --data-seed N          seed of the synthetic corpus (${synthDefaults.seed})`,
  "",
  "run:",
  "  --out DIR              the run folder (default runs/<kind>-<date>-<time>)",
  "  --resume               continue the run in --out exactly where its newest checkpoint left it",
  ...backendUsage("wasm"),
  `  --progress MODE        ${progressModes.join(" | ")}: a bar on a terminal, else plain lines (auto)`,
  "  --log-every N          plain lines every N steps (about 20 lines per run)",
  "  --stop-after N         take at most N steps now, checkpoint, and exit 0 (resume later)",
  "  --json                 print a JSON summary on stdout",
  "  -h, --help             show this help",
  "",
  "exit codes: 0 done (or --stop-after reached), 1 failure, 2 bad usage, 130/143 stopped by SIGINT/SIGTERM",
].join("\n");

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

const timestamp = (): string => new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);

/** `--optimizer`: official or project; official by default when continuing a trainer checkpoint. */
const optimizerFlag = (value: string | undefined, fromTrainer: boolean): "official" | "project" | undefined => {
  if (value === undefined) return fromTrainer ? "official" : undefined;
  if (value !== "official" && value !== "project") throw new UsageError(`--optimizer: expected official or project, got "${value}"`);
  return value;
};

/** The run's start from the flags: a fresh setup (model, train, data), or resume. */
const startFrom = (f: Flags): E.Either<string, RunStart> => {
  if (f.resume === true) {
    const given = [...Object.keys(trainOptions), ...Object.keys(modelOptions)].find(
      (k) => k !== "allow-non-finite" && f[k as keyof Flags] !== undefined,
    );
    if (given !== undefined)
      throw new UsageError(`--${given} cannot be combined with --resume: a resumed run keeps the configuration in its checkpoint`);
    return E.right({ kind: "resume" });
  }
  const model = resolveModel(f);
  if (E.isLeft(model)) return model;
  const train = {
    steps: intFlag("steps", f.steps, d.steps),
    batch: intFlag("batch", f.batch, d.batch),
    baseLr: numberFlag("base-lr", f["base-lr"], d.baseLr),
    warmupSteps: intFlag("warmup", f.warmup, Math.min(d.warmupSteps, Math.floor(intFlag("steps", f.steps, d.steps) / 10)), 0),
    weightDecay: numberFlag("weight-decay", f["weight-decay"], d.weightDecay),
    seed: intFlag("seed", f.seed, d.seed, 0),
    checkpointEvery: intFlag("checkpoint-every", f["checkpoint-every"], d.checkpointEvery),
    keepCheckpoints: intFlag("keep", f.keep, d.keepCheckpoints),
    trainPositionTables: f["train-position-tables"] === true,
    optimizer: optimizerFlag(f.optimizer, f["resume-from"] !== undefined),
  };
  const synth = synthDefaults;
  const data =
    f.data === undefined || f.data === "synth"
      ? {
          kind: "synth",
          clips: intFlag("clips", f.clips, synth.clips),
          seconds: numberFlag("clip-seconds", f["clip-seconds"], synth.seconds),
          seed: intFlag("data-seed", f["data-seed"], synth.seed, 0),
        }
      : { kind: "folder", path: f.data };
  if (f.data !== undefined && f.data !== "synth") {
    const stray = ["clips", "clip-seconds", "data-seed"].find((k) => f[k as keyof Flags] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} applies to the synthetic corpus, not to --data ${f.data}`);
  }
  const checked = decodeTrainConfig("flags")(train, data);
  if (E.isLeft(checked)) throw new UsageError(`bad training config: ${showConfigError(checked.left)}`);
  const setup = { model: model.right.config, ...checked.right };
  if (f["resume-from"] !== undefined) {
    if (f.checkpoint !== undefined)
      throw new UsageError("--resume-from and --checkpoint exclude each other (--resume-from takes the weights too)");
    return startFromTrainer(setup, pathFlag("resume-from", f["resume-from"])!, (line) => process.stderr.write(`mwmae pretrain: ${line}\n`));
  }
  if (f.checkpoint === undefined) return E.right({ kind: "fresh", setup });
  const path = pathFlag("checkpoint", f.checkpoint)!;
  return E.chain((params: HostParams) => {
    const bad = f["allow-non-finite"] === true ? undefined : firstNonFinite(flatTensors(params, "params"));
    return bad === undefined
      ? E.right({ kind: "fresh" as const, setup, params })
      : E.left(`${path}: ${describeNonFinite(bad)}: refused (--allow-non-finite to train from it anyway)`);
  })(readParams(setup.model, path));
};

/** `--out` as a run folder: not empty, and not an existing file. */
const outFolder = (out: string | undefined): string | undefined => {
  const dir = pathFlag("out", out);
  if (dir === undefined) return undefined;
  let isFolder = true;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    // Missing: the run creates it.
  }
  if (!isFolder) throw new UsageError(`--out: ${dir} is a file, not a run folder`);
  return dir;
};

const summary = (dir: string, out: RunOutcome, signal: string | undefined) => {
  const files = runFiles(dir);
  return {
    dir,
    finished: out.finished,
    stoppedBy: signal ?? null,
    step: out.state.step,
    steps: out.setup.train.steps,
    checkpoint: out.checkpoint,
    log: files.log,
    lossCurve: files.svg,
    flax: out.finished ? files.flax : null,
    stepsTaken: out.stepsTaken,
    secondsPerStep: Number.isFinite(out.secondsPerStep) ? out.secondsPerStep : null,
    skippedFiles: out.skippedFiles.map((s) => ({ file: s.source, reason: s.message })),
    skippedCheckpoints: out.skippedCheckpoints,
  };
};

const run = async (f: Flags): Promise<number> => {
  // Signals are caught from the start: a SIGINT during the slow start-up (reading, compiling) stops the
  // run before its first step, with a checkpoint of the starting state, instead of killing it.
  let signal: string | undefined;
  let onStop: (name: string) => void = () => {};
  const onSignal = (name: NodeJS.Signals) => {
    if (signal !== undefined) process.exit(name === "SIGINT" ? 130 : 143);
    signal = name;
    onStop(name);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await runWith(
      f,
      () => signal,
      (notify) => {
        onStop = notify;
      },
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
};

const runWith = async (
  f: Flags,
  stopSignal: () => string | undefined,
  onStop: (notify: (name: string) => void) => void,
): Promise<number> => {
  const outDir = outFolder(f.out);
  if (f.resume === true && outDir === undefined) throw new UsageError("--resume needs --out DIR, the run folder to continue");
  const mode = f.progress ?? "auto";
  if (!(progressModes as ReadonlyArray<string>).includes(mode))
    throw new UsageError(`--progress: expected one of ${progressModes.join(", ")}, got "${mode}"`);
  const backend = backendFromFlags(f, "wasm", (line) => process.stderr.write(`mwmae pretrain: ${line}\n`));
  const stopAfter = f["stop-after"] === undefined ? undefined : intFlag("stop-after", f["stop-after"], 0, 0);
  const logEvery = f["log-every"];
  const start = startFrom(f);
  if (E.isLeft(start)) {
    process.stderr.write(`mwmae pretrain: ${start.left}\n`);
    return exitCodes.failure;
  }
  const progress = makeProgress(mode as ProgressMode, logEvery === undefined ? undefined : intFlag("log-every", logEvery, 1));
  const dir = outDir ?? join("runs", `${start.right.kind === "fresh" ? start.right.setup.model.kind : "run"}-${timestamp()}`);
  onStop((name) => progress.message(`${name}: stopping after this step and saving a checkpoint (again to abort without saving)`));
  const outcome = await runPretraining({
    dir,
    start: start.right,
    backend: backend,
    progress,
    stopAfter,
    shouldStop: () => stopSignal() !== undefined,
    allowNonFinite: f["allow-non-finite"] === true,
    announce: (lines) => lines.forEach((line) => progress.message(line)),
  });
  if (E.isLeft(outcome)) {
    process.stderr.write(`mwmae pretrain: ${outcome.left}\n`);
    return exitCodes.failure;
  }
  const out = outcome.right;
  const signal = stopSignal();
  const s = summary(dir, out, signal);
  for (const c of out.skippedCheckpoints) process.stderr.write(`mwmae pretrain: passed over a damaged checkpoint: ${c}\n`);
  const codeNote = codeCacheNote(backend);
  if (codeNote !== undefined) process.stderr.write(`mwmae pretrain: ${codeNote}\n`);
  if (out.skippedFiles.length > 0) {
    process.stderr.write(
      `mwmae pretrain: skipped ${out.skippedFiles.length} audio file(s):\n${out.skippedFiles.map((e) => `  ${e.message}\n`).join("")}`,
    );
  }
  if (f.json === true) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  else {
    const status = out.finished
      ? `done: ${out.state.step} steps`
      : `stopped at step ${out.state.step} of ${out.setup.train.steps}; resume with: mwmae pretrain --resume --out ${dir}`;
    const lines = [status, `checkpoint: ${out.checkpoint}`, `log: ${s.log}`, `loss curve: ${s.lossCurve}`];
    if (s.flax !== null) lines.push(`flax params: ${s.flax}`);
    if (s.secondsPerStep !== null) lines.push(`${s.secondsPerStep.toFixed(3)} s/step over ${out.stepsTaken} steps on ${backend.name}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return signal === undefined ? exitCodes.ok : signal === "SIGINT" ? 130 : 143;
};

/** `mwmae pretrain`. */
export const pretrainCommand: Command = {
  name: "pretrain",
  usage,
  run: (argv) =>
    runCommand(pretrainCommand, async () => {
      const { values } = parseFlags(argv, options);
      if (values.help === true) {
        process.stdout.write(`${usage}\n`);
        return exitCodes.ok;
      }
      return run(values);
    }),
};
