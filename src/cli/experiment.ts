/**
 * @file `mwmae experiment`: the paper's comparison as one rerunnable job. It pre-trains MW-MAE and
 * the plain MAE with the same encoder, budget, data and seed (`mwmae pretrain`), takes the encoder
 * both runs started from as a third model (random initialisation), and evaluates all three with
 * `mwmae hear` on HEAR task folders: the built-in synthetic task written as one by default, or the
 * folders given. Every step is resumable, so the same command continues an interrupted experiment;
 * `OUT/experiment.json` records the settings, the wall time of each phase and where the results are.
 */

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { writeSyntheticTask } from "../hear/node.js";
import { writeFileAtomic } from "../io/node.js";
import { type Command, exitCodes, intFlag, parseFlags, pathFlag, runCommand, UsageError } from "./command.js";
import { evaluateOptions, evaluateUsage } from "./evaluate-run.js";
import { hearCommand } from "./hear.js";
import { pretrainCommand } from "./pretrain.js";

/** The sizes of one experiment (the full one is the demo's models and task; docs/experiments.md). */
interface Plan {
  readonly model: ReadonlyArray<string>;
  readonly steps: number;
  readonly batch: number;
  /** Base rate: the peak is base × batch / 256. */
  readonly baseLr: string;
  readonly warmup: number;
  readonly poolClips: number;
  readonly perClass: { readonly train: number; readonly valid: number; readonly test: number };
  readonly taskSeconds: number;
  /** `mwmae hear` flags beyond those given. */
  readonly hear: ReadonlyArray<string>;
}

const plans: Readonly<Record<"full" | "quick", Plan>> = {
  full: {
    model: ["--input", "200x80", "--patch", "4x16", "--encoder", "96/3/4", "--decoder", "64/1/8"],
    steps: 300,
    batch: 16,
    baseLr: "0.016",
    warmup: 30,
    poolClips: 256,
    perClass: { train: 20, valid: 5, test: 15 },
    taskSeconds: 1.99,
    // The paper's ten seeds: 60 trainings of the 1024-wide predictor on 200 clips, about 17 s each on both cores
    // here, so the default run stays well within the hour (docs/experiments.md).
    hear: ["--seeds", "0-9"],
  },
  quick: {
    model: ["--input", "200x80", "--patch", "4x16", "--encoder", "32/1/2", "--decoder", "32/1/4"],
    steps: 3,
    batch: 2,
    baseLr: "0.128",
    warmup: 1,
    poolClips: 4,
    perClass: { train: 2, valid: 1, test: 1 },
    taskSeconds: 0.5,
    hear: ["--seeds", "0,1", "--hidden", "16", "--lr", "1e-2", "--batch", "32", "--max-epochs", "6", "--patience", "2"],
  },
};

const usage = [
  "usage: mwmae experiment [--quick] [--out DIR] [--steps N] [--seed N] [--data synth|DIR] [--tasks DIR...] [options]",
  "",
  "The paper's comparison, rerunnable: pre-trains MW-MAE and MAE with the same encoder (96/3/4 on 200x80 log-mels,",
  "4x16 patches), budget (300 steps of 16 crops), data and seed, adds the encoder both started from (random init),",
  "and evaluates the three with `mwmae hear` (the HEAR protocol with the paper's seeds 0-9 unless --seeds says",
  "otherwise) on the built-in synthetic task (10 classes, 20/5/15 clips per class) or the task folders given.",
  "Run it again to continue where it stopped.",
  "",
  "options:",
  "  --quick             tiny models, 3 steps, 4 clips per class, 2 seeds: checks the path (seconds), means nothing",
  "  --out DIR           the experiment folder (default runs/experiment, runs/experiment-quick with --quick)",
  "  --steps N           pre-training steps per model (300; quick 3)",
  "  --seed N            the pre-training seed of both runs, and the random initialisation's (0)",
  "  --data synth|DIR    pre-training pool: the synthetic corpus (256 clips) or every .wav under DIR",
  "  --tasks DIR         HEAR task folders to evaluate on (repeatable; default: the synthetic task in OUT/tasks)",
  "  --pretrain-backend NAME  backend of the pre-training (wasm); --threads applies to it too",
  ...evaluateUsage,
  "  -h, --help          show this help",
  "",
  "exit codes: 0 done, 1 a step failed, 2 bad usage, 130/143 stopped (run the same command to continue)",
].join("\n");

const options = {
  ...evaluateOptions,
  quick: { type: "boolean" },
  out: { type: "string" },
  steps: { type: "string" },
  seed: { type: "string" },
  data: { type: "string" },
  tasks: { type: "string", multiple: true },
  "pretrain-backend": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The file the newest checkpoint of a run folder is in. */
const latestCheckpoint = (run: string): string | undefined => {
  const pointer = join(run, "checkpoints", "latest");
  if (!existsSync(pointer)) return undefined;
  const file = join(run, "checkpoints", readFileSync(pointer, "utf8").trim());
  return existsSync(file) ? file : undefined;
};

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f } = parseFlags(argv, options);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  const plan = plans[f.quick === true ? "quick" : "full"];
  const out = pathFlag("out", f.out) ?? (f.quick === true ? "runs/experiment-quick" : "runs/experiment");
  const steps = intFlag("steps", f.steps, plan.steps);
  const seed = intFlag("seed", f.seed, 0, 0);
  mkdirSync(out, { recursive: true });
  const phases: Array<{ name: string; seconds: number }> = [];
  const timed = async (name: string, body: () => Promise<number>): Promise<number> => {
    const started = performance.now();
    const code = await body();
    phases.push({ name, seconds: (performance.now() - started) / 1000 });
    return code;
  };
  // 1. Pre-training, one run folder per kind (a finished run is reused, an interrupted one resumed).
  const checkpoints: Record<string, string> = {};
  for (const kind of ["mwmae", "mae"] as const) {
    const run = join(out, `pretrain-${kind}`);
    const backend = [
      ...(f["pretrain-backend"] === undefined ? [] : ["--backend", f["pretrain-backend"]]),
      ...(f.threads === undefined ? [] : ["--threads", f.threads]),
    ];
    const progress = f.progress === undefined ? [] : ["--progress", f.progress];
    const finished = existsSync(join(run, "params.msgpack")) && latestCheckpoint(run) !== undefined;
    if (!finished) {
      const args = existsSync(join(run, "run.json"))
        ? ["--resume", "--out", run, ...backend, ...progress]
        : [
            "--kind",
            kind,
            ...plan.model,
            "--steps",
            String(steps),
            "--batch",
            String(plan.batch),
            "--base-lr",
            plan.baseLr,
            "--warmup",
            String(Math.min(plan.warmup, Math.floor(steps / 10))),
            "--seed",
            String(seed),
            ...(f.data === undefined || f.data === "synth" ? ["--clips", String(plan.poolClips)] : ["--data", f.data]),
            "--out",
            run,
            ...backend,
            ...progress,
          ];
      process.stderr.write(`mwmae experiment: pre-training ${kind} (${run})\n`);
      const code = await timed(`pre-train ${kind}`, () => pretrainCommand.run(args));
      if (code !== exitCodes.ok) return code;
    }
    const ckpt = latestCheckpoint(run);
    if (ckpt === undefined) {
      process.stderr.write(`mwmae experiment: ${run}: no checkpoint after pre-training\n`);
      return exitCodes.failure;
    }
    checkpoints[kind] = ckpt;
  }
  // 2. The tasks: those given, or the built-in synthetic task written as a HEAR task folder.
  let tasks = f.tasks ?? [];
  if (tasks.length === 0) {
    const dir = join(out, "tasks");
    if (!existsSync(join(dir, "synthetic-v1-full", "test.json"))) {
      const written = writeSyntheticTask(dir, { perClass: plan.perClass, seconds: plan.taskSeconds, seed: 1 });
      if (E.isLeft(written)) {
        process.stderr.write(`mwmae experiment: ${written.left}\n`);
        return exitCodes.failure;
      }
    }
    tasks = [dir];
  }
  // 3. `mwmae hear` on the three encoders (resumable on its own).
  const passed = Object.keys(evaluateOptions).flatMap((k) => {
    const v = f[k as keyof typeof evaluateOptions];
    return v === undefined ? [] : v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, String(v)];
  });
  const given = new Set(passed.filter((a) => a.startsWith("--")));
  const defaults: string[] = [];
  for (let i = 0; i < plan.hear.length; i += 2) if (!given.has(plan.hear[i]!)) defaults.push(plan.hear[i]!, plan.hear[i + 1]!);
  const hearArgs = [
    `MW-MAE=${checkpoints["mwmae"]}`,
    `MAE=${checkpoints["mae"]}`,
    `random-init=random:${seed}@${join(out, "pretrain-mwmae", "run.json")}`,
    ...tasks.flatMap((t) => ["--tasks", t]),
    "--out",
    join(out, "hear"),
    ...defaults,
    ...passed,
  ];
  process.stderr.write(`mwmae experiment: mwmae hear ${hearArgs.join(" ")}\n`);
  const code = await timed("embed + evaluate (mwmae hear)", () => hearCommand.run(hearArgs));
  // Earlier invocations of a resumed experiment keep their phase times.
  const file = join(out, "experiment.json");
  let earlier: unknown[] = [];
  try {
    const before = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { runs?: unknown }) : {};
    earlier = Array.isArray(before.runs) ? before.runs : [];
  } catch {
    earlier = [];
  }
  const record = {
    command: ["mwmae", "experiment", ...argv],
    plan: { ...plan, steps, seed, data: f.data ?? "synth" },
    checkpoints,
    tasks,
    hear: { args: hearArgs, out: join(out, "hear"), report: join(out, "hear", "report") },
    runs: [...earlier, { finished: new Date().toISOString(), phases, exitCode: code }],
  };
  const saved = writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  if (E.isLeft(saved)) process.stderr.write(`mwmae experiment: ${file}: ${saved.left.message}\n`);
  for (const p of phases) process.stderr.write(`mwmae experiment: ${p.name}: ${p.seconds.toFixed(1)} s\n`);
  return code;
};

/** The `experiment` subcommand. */
export const experimentCommand: Command = {
  name: "experiment",
  usage,
  run: (argv) =>
    runCommand({ name: "experiment" }, async () => {
      if (argv.some((a) => a === "--resume")) throw new UsageError("--resume: not needed, run the same command again to continue");
      return main(argv);
    }),
};
