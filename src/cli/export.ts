/**
 * @file `mwmae export --to official-trainstate RUN`: a run's newest checkpoint as the official
 * trainer's `checkpoint_<step>` (its TrainState, byte for byte the layout `flax.training.checkpoints`
 * writes) and the trainer's `configs/pretraining/*.py` file for the run, so that the run continues on
 * an accelerator pod with one command. Also `startFromTrainer`, what `pretrain --resume-from` uses to
 * continue a trainer checkpoint here.
 */

import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { encodeFlaxTree } from "../io/index.js";
import { writeFileAtomic } from "../io/node.js";
import {
  isOfficialOptimizer,
  loadLatestState,
  loadState,
  officialArch,
  officialConfigPy,
  officialTrainState,
  readWeightsFile,
  resumePoint,
  runFiles,
  type RunSetup,
  type RunStart,
  type TrainState,
} from "../train/index.js";
import { exitCodes, parseFlags, pathFlag, runCommand, UsageError, type Command } from "./command.js";

/**
 * A run that continues a trainer checkpoint (`pretrain --resume-from`): the file or work folder is
 * read by content, must be a TrainState whose parameters fit `setup.model` and whose optimiser state
 * fits them, and the run's `steps` must lie beyond its step. `note` is told what is not used, once.
 * @example
 * startFromTrainer(setup, "workdir", (l) => process.stderr.write(`${l}\n`)); // Right({ kind: "fresh", setup, from: { step: 2, … } })
 */
export const startFromTrainer = (setup: RunSetup, path: string, note: (line: string) => void): E.Either<string, RunStart> => {
  const read = readWeightsFile(path);
  if (E.isLeft(read)) return read;
  const { file, how, stateDict } = read.right;
  const ts = stateDict.trainState;
  if (ts === undefined)
    return E.left(
      `${file}: not the official trainer's TrainState (no step and opt_state): start from its weights with --checkpoint instead`,
    );
  const from = resumePoint(setup.model, ts, file);
  if (E.isLeft(from)) return from;
  if (setup.train.steps <= from.right.step)
    return E.left(`${file} is at step ${from.right.step}: --steps (${setup.train.steps}) must go beyond it (the schedule's last step)`);
  note(
    `${file}: the official trainer's TrainState at step ${ts.step}${how === "" ? "" : ` (${how})`}; continuing with its parameters, AdamW moments and schedule position; not used: ${stateDict.ignored.join(", ")}`,
  );
  if (!isOfficialOptimizer(setup.train))
    note("--optimizer project: from here weight decay skips biases, norms, tokens and tables, unlike the trainer's optax.adamw");
  return E.right({ kind: "fresh", setup, from: from.right });
};

const options = {
  to: { type: "string" },
  out: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const usage = [
  "usage: mwmae export --to official-trainstate [--out DIR] [--json] RUN",
  "",
  "Writes the newest checkpoint of RUN (a run folder, its checkpoints/ folder, or one ckpt-*.safetensors)",
  "for the official MW-MAE JAX trainer: DIR/checkpoint_<step>, the trainer's TrainState in exactly the",
  "layout flax.training.checkpoints writes (params, buffers, AdamW moments and counts, RNG keys), and",
  "DIR/<name>.py, the trainer's configs/pretraining file for the run (model, optimiser, schedule in steps,",
  "batch). Continue on a pod with the command printed at the end (see docs/scale-out.md).",
  "",
  "options:",
  "  --to official-trainstate   the format (the only one)",
  "  --out DIR                  where to write (default RUN/official)",
  "  --json                     print {checkpoint, bytes, config, command} as JSON",
  "  -h, --help                 show this help",
  "",
  "exit codes: 0 written, 1 unreadable run or failed write, 2 bad usage",
].join("\n");

/** The run's newest state from a run folder, its checkpoints folder or one checkpoint file. */
const runState = (run: string): E.Either<string, { readonly setup: RunSetup; readonly state: TrainState; readonly home: string }> => {
  if (!existsSync(run)) return E.left(`${run}: no such file or folder`);
  if (!statSync(run).isDirectory())
    return E.map((r: { setup: RunSetup; state: TrainState }) => ({ ...r, home: dirname(dirname(run)) }))(loadState(run));
  const inner = runFiles(run).checkpoints;
  const [folder, home] = existsSync(inner) ? [inner, run] : [run, dirname(run)];
  return E.map((r: { setup: RunSetup; state: TrainState }) => ({ setup: r.setup, state: r.state, home }))(loadLatestState(folder));
};

/** A config file name in the official style: `mwmae_base_200_4x16.py`. */
const configName = (setup: RunSetup, arch: string): string => {
  const m = setup.model;
  return `${m.kind}_${arch.replace(/^mae_/, "")}_${m.input.frames}_${m.patch.time}x${m.patch.freq}.py`;
};

const run = async (f: ReturnType<typeof parseFlags<typeof options>>["values"], positionals: ReadonlyArray<string>): Promise<number> => {
  if (f.to !== "official-trainstate")
    throw new UsageError(
      f.to === undefined ? "--to is required: --to official-trainstate" : `--to: expected official-trainstate, got "${f.to}"`,
    );
  if (positionals.length !== 1) throw new UsageError(`expected one RUN (a run folder or checkpoint), got ${positionals.length}`);
  const runPath = positionals[0]!;
  const outFlag = pathFlag("out", f.out);
  const loaded = runState(runPath);
  if (E.isLeft(loaded)) {
    process.stderr.write(`mwmae export: ${loaded.left}\n`);
    return exitCodes.failure;
  }
  const { setup, state, home } = loaded.right;
  const out = outFlag ?? join(home, "official");
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    process.stderr.write(`mwmae export: cannot create ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
    return exitCodes.failure;
  }
  const bytes = encodeFlaxTree(await officialTrainState(setup, state));
  const ckpt = join(out, `checkpoint_${state.step}`);
  const written = writeFileAtomic(ckpt, bytes);
  if (E.isLeft(written)) {
    process.stderr.write(`mwmae export: ${written.left.path}: ${written.left.message}\n`);
    return exitCodes.failure;
  }
  const arch = officialArch(setup.model);
  const name = E.isRight(arch) ? configName(setup, arch.right) : undefined;
  const command = `python main.py --config configs/pretraining/${name ?? "<config>.py"} --workdir ${resolve(out)} --no_wandb`;
  const py = officialConfigPy(setup, { step: state.step, command });
  let config: string | null = null;
  if (E.isRight(py) && name !== undefined) {
    config = join(out, name);
    const w = writeFileAtomic(config, py.right);
    if (E.isLeft(w)) {
      process.stderr.write(`mwmae export: ${w.left.path}: ${w.left.message}\n`);
      return exitCodes.failure;
    }
  } else if (E.isLeft(py)) process.stderr.write(`mwmae export: no trainer config written: ${py.left}\n`);
  const summary = { checkpoint: ckpt, bytes: bytes.length, step: state.step, config, command: config === null ? null : command };
  if (f.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    const lines = [`${ckpt} (${bytes.length} bytes, step ${state.step} of ${setup.train.steps})`];
    if (config !== null)
      lines.push(
        `${config}`,
        `continue on a pod: copy ${basename(config)} into the official repository's configs/pretraining/, then`,
        `  ${command}`,
      );
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return exitCodes.ok;
};

/** `mwmae export`. */
export const exportCommand: Command = {
  name: "export",
  usage,
  run: (argv) =>
    runCommand(exportCommand, async () => {
      const { values, positionals } = parseFlags(argv, options, true);
      if (values.help === true) {
        process.stdout.write(`${usage}\n`);
        return exitCodes.ok;
      }
      return run(values, positionals);
    }),
};
