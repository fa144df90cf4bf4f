/**
 * @file What `mwmae evaluate` and `mwmae hear` share: the seed list, the flags of the downstream
 * protocol, the progress bar over trainings (cli-progress, with the ETA), and one task's evaluation
 * with its files and its line on stdout.
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import cliProgress from "cli-progress";
import type { Backend } from "../backends/index.js";
import { evaluateTask, taskScoreJson, writeTaskResults, type TaskEmbeddings } from "../hear/node.js";
import { formatDuration, progressModes, type ProgressMode } from "../train/index.js";
import { backendFromFlags, backendOptions, backendUsage } from "./backend-flags.js";
import { intFlag, numberFlag, UsageError } from "./command.js";

/**
 * Seeds from `0,1,2`, `0-9` or a mix (`0-2,7`); a `UsageError` names the bad part.
 * @example
 * parseSeeds("0-2,7"); // [0, 1, 2, 7]
 */
export const parseSeeds = (text: string): number[] => {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (m === null) throw new UsageError(`--seeds: expected a list like 0,1,2 or 0-9, got "${text}"`);
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to < from) throw new UsageError(`--seeds: empty range "${part.trim()}"`);
    for (let s = from; s <= to; s++) if (!out.includes(s)) out.push(s);
  }
  return out;
};

/** The task folders an argument names: itself, or the task folders directly inside it. */
export const taskFolders = (dir: string): E.Either<string, string[]> => {
  if (!existsSync(dir)) return E.left(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) return E.left(`${dir}: not a folder`);
  if (existsSync(join(dir, "task_metadata.json"))) return E.right([dir]);
  const inside = readdirSync(dir)
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, "task_metadata.json")));
  return inside.length > 0 ? E.right(inside) : E.left(`${dir}: no task_metadata.json here or in its subfolders`);
};

/** Progress over all trainings of the run: a cli-progress bar, plain lines, or nothing. */
export interface EvalProgress {
  readonly training: (what: string) => void;
  readonly epoch: (epoch: number) => void;
  readonly message: (line: string) => void;
  readonly stop: () => void;
}

/**
 * The progress reporter for `mode` over `total` trainings (the ETA extrapolates the time per training so far).
 * @example
 * const progress = makeEvalProgress("auto", 40);
 */
export const makeEvalProgress = (mode: ProgressMode, total: number): EvalProgress => {
  const started = performance.now();
  let done = 0;
  const eta = () => formatDuration((((performance.now() - started) / 1000) * (total - done)) / Math.max(done, 1e-9));
  const resolved = mode === "auto" ? (process.stderr.isTTY === true ? "bar" : "plain") : mode;
  if (resolved === "bar") {
    const bar = new cliProgress.SingleBar(
      {
        format: "{bar} {value}/{total} trainings | {what} | epoch {epoch} | ETA {remaining}",
        stream: process.stderr,
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 1000,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { what: "starting", epoch: 0, remaining: "?" });
    return {
      training: (what: string) => bar.update(++done, { what, remaining: eta() }),
      epoch: (epoch: number) => bar.update(done, { epoch }),
      message: (line: string) => process.stderr.write(`\n${line}\n`),
      stop: () => bar.stop(),
    };
  }
  const write = resolved === "plain" ? (s: string) => process.stderr.write(s) : () => undefined;
  return {
    training: (what: string) => write(`training ${++done}/${total} done (${what}), ETA ${eta()}\n`),
    epoch: (_: number) => undefined,
    message: (line: string) => write(`${line}\n`),
    stop: () => undefined,
  };
};

const finite = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** The flags `evaluate` and `hear` share: seeds, backend, progress and the protocol's numbers. */
export const evaluateOptions = {
  seeds: { type: "string" },
  json: { type: "boolean" },
  ...backendOptions,
  progress: { type: "string" },
  hidden: { type: "string" },
  "max-epochs": { type: "string" },
  patience: { type: "string" },
  batch: { type: "string" },
  lr: { type: "string" },
} as const;

/** The lines of `--help` for the shared flags. */
export const evaluateUsage: ReadonlyArray<string> = [
  "  --seeds LIST        seeds: 0,1,2 or 0-9 (default 0-9, as the paper)",
  "  --json              print one JSON object per task and line",
  `  --progress MODE     ${progressModes.join(" | ")} (default auto: a bar on a terminal, plain lines otherwise)`,
  "  --hidden N          hidden units (default 1024)",
  "  --max-epochs N      (default 500)    --patience N   validations without improvement (default 20)",
  "  --batch N           (default 1024)   --lr X         Adam's rate (default 1e-4)",
  ...backendUsage("wasm"),
];

/** What the shared flags say. */
export interface EvaluateSettings {
  readonly seeds: ReadonlyArray<number>;
  readonly mode: ProgressMode;
  readonly backendName: string;
  readonly downstream: {
    readonly backend: Backend;
    readonly hidden: number;
    readonly maxEpochs: number;
    readonly patience: number;
    readonly batchSize: number;
    readonly learningRate: number;
  };
}

/**
 * Reads the shared flags; a `UsageError` names a bad value.
 * @example
 * const settings = evaluateSettings({ seeds: "0-2" });
 */
export const evaluateSettings = (f: { readonly [K in keyof typeof evaluateOptions]?: string | boolean | undefined }): EvaluateSettings => {
  const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
  const seeds = parseSeeds(str(f.seeds) ?? "0-9");
  const mode = (str(f.progress) ?? "auto") as ProgressMode;
  if (!progressModes.includes(mode)) throw new UsageError(`--progress: expected ${progressModes.join(", ")}, got "${f.progress}"`);
  const backendName = str(f.backend) ?? "wasm";
  const backend = backendFromFlags(f, "wasm");
  const learningRate = numberFlag("lr", str(f.lr), 1e-4);
  if (!(learningRate > 0)) throw new UsageError(`--lr: expected a positive number, got "${f.lr}"`);
  return {
    seeds,
    mode,
    backendName,
    downstream: {
      backend,
      hidden: intFlag("hidden", str(f.hidden), 1024),
      maxEpochs: intFlag("max-epochs", str(f["max-epochs"]), 500),
      patience: intFlag("patience", str(f.patience), 20),
      batchSize: intFlag("batch", str(f.batch), 1024),
      learningRate,
    },
  };
};

/**
 * Evaluates one task that was read, writes its results under `outDir` and prints its line (JSON with
 * `json`); resolves to the problems found (none when all went well) and whether it was evaluated.
 * @example
 * const { problems } = await evaluateOne(task, settings, progress, "runs/x/results/esc50-v2.0.0-full", "mwmae", false);
 */
export const evaluateOne = async (
  task: TaskEmbeddings,
  settings: EvaluateSettings,
  progress: EvalProgress,
  outDir: string,
  model: string,
  json: boolean,
): Promise<{ readonly evaluated: boolean; readonly problems: ReadonlyArray<string> }> => {
  const problems = [...task.problems];
  for (const p of task.problems) progress.message(`mwmae: ${p}`);
  const { seeds } = settings;
  let score: Awaited<ReturnType<typeof evaluateTask>>;
  try {
    score = await evaluateTask(task, seeds, settings.downstream, {
      onTraining: (_, __, what) => progress.training(`${task.metadata.task_name}: ${what}`),
      onEpoch: progress.epoch,
    });
  } catch (e) {
    return { evaluated: false, problems: [...problems, `${task.dir}: evaluation failed: ${e instanceof Error ? e.message : String(e)}`] };
  }
  if (!Number.isFinite(score.mean)) problems.push(`${task.dir}: the score is ${score.mean} (${score.metric})`);
  const written = writeTaskResults(outDir, task, score, model);
  if (E.isLeft(written)) problems.push(written.left.message);
  const line = { ...taskScoreJson(score), model, dir: task.dir, results: outDir, problems: task.problems };
  if (json) process.stdout.write(`${JSON.stringify(line, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n`);
  else
    process.stdout.write(
      `${score.task}  ${score.metric}  ${finite(score.mean)} ± ${finite(score.halfWidth)}  (${seeds.length} seed${seeds.length === 1 ? "" : "s"}; ${model}; ${join(outDir, "evaluation.json")})\n`,
    );
  return { evaluated: true, problems };
};
