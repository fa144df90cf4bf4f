/**
 * @file `mwmae evaluate DIR...`: the HEAR downstream protocol (hear-protocol.md §3) over task folders
 * as `mwmae embed --out` writes them, scene and event tasks, seeds 0…9 by default. Per task it writes
 * the kit's prediction files and `evaluation.json` (src/hear/results.ts), prints a summary (or with
 * `--json` one JSON object per task and line), and shows a progress bar with the ETA on stderr. A task
 * that cannot be read is named with its file and skipped; the others are evaluated; exit code 1 then.
 */

import { basename, dirname, join, resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { readTaskEmbeddings, trainingsOf, type TaskEmbeddings } from "../hear/node.js";
import { type Command, exitCodes, parseFlags, pathFlag, runCommand, UsageError } from "./command.js";
import { evaluateOne, evaluateOptions, evaluateSettings, evaluateUsage, makeEvalProgress, taskFolders } from "./evaluate-run.js";

const usage = [
  "usage: mwmae evaluate [options] DIR...",
  "",
  "The HEAR downstream protocol (docs/hear.md) on task folders written by `mwmae embed --out`: scene tasks",
  "(multiclass, multilabel) and event tasks, the kit's grid (dropout 0.1, 0.25) on the first fold, early",
  "stopping on validation, k-fold rotations, and the mean ± 95% CI over seeds of the task's first metric.",
  "",
  "DIR: a task folder (holding task_metadata.json), or a folder of task folders.",
  "",
  "options:",
  "  --out DIR           write results under DIR/<task folder>/ (default: into each task folder)",
  "  --model NAME        the model's name in the results (default: the name of the folder above the task)",
  ...evaluateUsage,
  "  -h, --help          show this help",
  "",
  "Writes per task and seed seed<k>/test.predicted-scores.json, seed<k>/valid.hparams.jsonl and",
  "seed<k>/<test split>.predictions.json, and per task evaluation.json (every seed, fold, grid point, metric).",
  "A task that cannot be read (missing split file, unknown label, two widths, NaN…) is named and skipped;",
  "a class without positives in a split is reported. Either makes the exit code 1.",
].join("\n");

const options = {
  ...evaluateOptions,
  out: { type: "string" },
  model: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f, positionals } = parseFlags(argv, options, true);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  if (positionals.length === 0) throw new UsageError("no input: give task folders written by `mwmae embed --out`");
  const settings = evaluateSettings(f);
  const outRoot = pathFlag("out", f.out);
  const failures: string[] = [];
  const tasks: TaskEmbeddings[] = [];
  for (const input of positionals) {
    const dirs = taskFolders(input);
    if (E.isLeft(dirs)) {
      failures.push(dirs.left);
      continue;
    }
    for (const dir of dirs.right) {
      const task = readTaskEmbeddings(dir);
      if (E.isLeft(task)) failures.push(task.left.message);
      else tasks.push(task.right);
    }
  }
  const progress = makeEvalProgress(
    settings.mode,
    tasks.reduce((n, t) => n + trainingsOf(t, settings.seeds.length), 0),
  );
  let evaluated = 0;
  for (const task of tasks) {
    const model = f.model ?? basename(dirname(resolve(task.dir)));
    const outDir = outRoot === undefined ? task.dir : join(outRoot, basename(resolve(task.dir)));
    const one = await evaluateOne(task, settings, progress, outDir, model, f.json === true);
    failures.push(...one.problems);
    if (one.evaluated) evaluated += 1;
  }
  progress.stop();
  if (failures.length > 0) {
    process.stderr.write(
      `mwmae evaluate: evaluated ${evaluated} task(s); ${failures.length} problem(s):\n${failures.map((m) => `  ${m}\n`).join("")}`,
    );
    return exitCodes.failure;
  }
  return exitCodes.ok;
};

/** The `evaluate` subcommand. */
export const evaluateCommand: Command = {
  name: "evaluate",
  usage,
  run: (argv) => runCommand({ name: "evaluate" }, () => main(argv)),
};
