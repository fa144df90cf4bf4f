/**
 * @file `mwmae hear CHECKPOINT... --tasks DIR... --out DIR`: embed every task with every model, run
 * the downstream protocol on each, and tabulate (tasks × models, s(m), the paper's numbers, an HTML
 * report). Resumable: a clip whose embedding files exist and a task whose `evaluation.json` exists are
 * kept, so a rerun skips finished work and an interrupted run continues; Ctrl-C (SIGINT) or SIGTERM
 * stops at once, losing at most the task being evaluated, because every file is written atomically.
 * `hear-run.json` records the settings; a rerun with other settings or a changed checkpoint is refused.
 */

import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { realize } from "../backends/index.js";
import { hearModel, resultsTable, tableCsv, tableJson, tableMarkdown, type HearModel, type ResultEntry } from "../hear/index.js";
import { dropoutGridOf, embedTaskFolder, loadModel, readResults, readTask, readTaskEmbeddings, trainingsOf } from "../hear/node.js";
import { writeFileAtomic } from "../io/node.js";
import { init, type MwmaeConfig } from "../models/mwmae/index.js";
import { key } from "../random/index.js";
import { writeReport } from "../report/index.js";
import { runKeys } from "../train/index.js";
import { type Command, exitCodes, intFlag, parseFlags, pathFlag, runCommand, UsageError } from "./command.js";
import {
  evaluateOne,
  evaluateOptions,
  evaluateSettings,
  evaluateUsage,
  makeEvalProgress,
  taskFolders,
  type EvaluateSettings,
} from "./evaluate-run.js";
import { hasModelFlags, modelOptions, modelUsage, presetByName, readConfigFile, resolveModel } from "./model-options.js";
import { inShard, shardFlag } from "./shard.js";
import { tableReport } from "./table.js";

const usage = [
  "usage: mwmae hear [options] CHECKPOINT... --tasks DIR [--tasks DIR...] --out DIR",
  "",
  "Embeds every HEAR task with every model, runs the downstream protocol (as `mwmae evaluate`) and",
  "tabulates the results (as `mwmae table`). Rerun the same command to continue an interrupted run.",
  "",
  "CHECKPOINT: a .safetensors or Flax .msgpack file (named after the file), NAME=FILE, or NAME=random[:SEED][@CONFIG]",
  "for a randomly initialised encoder (the initialisation `mwmae pretrain --seed SEED` starts from; CONFIG as",
  "--config takes, e.g. a run's run.json; default: the model flags' configuration).",
  "",
  "options:",
  "  --tasks DIR         a HEAR task folder (task_metadata.json, <split>.json, 16000/<split>/*.wav) or a folder",
  "                      of them; repeatable",
  "  --out DIR           the run folder: DIR/<model>/embeddings/<task>/, DIR/<model>/results/<task>/,",
  "                      DIR/report/ (results.md, .csv, .json, report.html), DIR/hear-run.json",
  "  --chunks N          most 2 s chunks encoded at once (default 16)",
  "  --shard I/N         do only shard I of N of the (model, task) pairs (a stable split by name): N",
  "                      processes with the same --out cover every pair once; then run the command once",
  "                      more without --shard (it keeps all finished work) for the table and the report",
  ...evaluateUsage,
  "  -h, --help          show this help",
  "",
  ...modelUsage,
  "  (for every checkpoint; without them, the configuration a checkpoint carries, else mwmae-base-4x16)",
  "",
  "exit codes: 0 done, 1 a task, clip or model failed (named on stderr), 2 bad usage, 130/143 stopped",
].join("\n");

const options = {
  ...modelOptions,
  ...evaluateOptions,
  tasks: { type: "string", multiple: true },
  out: { type: "string" },
  chunks: { type: "string" },
  shard: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** One model to evaluate: a checkpoint file or a random initialisation. */
interface ModelSpec {
  readonly name: string;
  readonly source:
    | { readonly file: string; readonly size: number; readonly mtimeMs: number }
    | { readonly random: number; readonly config?: string };
  /** A random initialisation's own configuration (`random:SEED@FILE`). */
  readonly config?: MwmaeConfig;
}

const specOf = (arg: string): ModelSpec => {
  const eq = arg.indexOf("=");
  const named = eq > 0 && !existsSync(arg);
  const name = named ? arg.slice(0, eq) : basename(arg, extname(arg));
  const what = named ? arg.slice(eq + 1) : arg;
  const random = /^random(?::(\d+))?(?:@(.+))?$/.exec(what);
  if (random !== null) {
    const seed = Number(random[1] ?? 0);
    if (random[2] === undefined) return { name, source: { random: seed } };
    const config = readConfigFile(random[2]);
    if (E.isLeft(config)) throw new UsageError(`${arg}: ${config.left}`);
    return { name, source: { random: seed, config: resolve(random[2]) }, config: config.right };
  }
  if (!existsSync(what) || !statSync(what).isFile()) throw new UsageError(`${what}: no such checkpoint file`);
  if (!/^[\w.-]+$/.test(name)) throw new UsageError(`model name "${name}": use letters, digits, '.', '_' or '-'`);
  const st = statSync(what);
  return { name, source: { file: resolve(what), size: st.size, mtimeMs: st.mtimeMs } };
};

/** What a rerun must repeat: seeds, the protocol's numbers, the backend, each model's source. */
const runRecord = (settings: EvaluateSettings, models: ReadonlyArray<ModelSpec>, config: MwmaeConfig | undefined) => ({
  seeds: settings.seeds,
  backend: settings.backendName,
  downstream: { ...settings.downstream, backend: undefined },
  config: config ?? null,
  models: Object.fromEntries(models.map((m) => [m.name, m.source])),
});

/** Checks `hear-run.json` against this call (a model may be added, not changed) and writes the union. */
const checkRunFile = (out: string, record: ReturnType<typeof runRecord>): E.Either<string, void> => {
  const path = join(out, "hear-run.json");
  let merged = record;
  if (existsSync(path)) {
    let before: typeof record;
    try {
      before = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      return E.left(`${path}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    for (const k of ["seeds", "backend", "downstream", "config"] as const)
      if (!same(before[k], JSON.parse(JSON.stringify(record[k]))))
        return E.left(`${path}: this run used ${k} ${JSON.stringify(before[k])}; give the same settings, or another --out`);
    for (const [name, source] of Object.entries(record.models))
      if (before.models?.[name] !== undefined && !same(before.models[name], source))
        return E.left(
          `${path}: model "${name}" was ${JSON.stringify(before.models[name])}, now ${JSON.stringify(source)}; use another name or --out`,
        );
    merged = { ...record, models: { ...before.models, ...record.models } };
  }
  return E.mapLeft((e: { message: string }) => `${path}: ${e.message}`)(writeFileAtomic(path, `${JSON.stringify(merged, null, 2)}\n`));
};

const loadSpec = async (
  spec: ModelSpec,
  config: MwmaeConfig | undefined,
  settings: EvaluateSettings,
  chunks: number,
): Promise<E.Either<string, HearModel>> => {
  const backend = settings.downstream.backend;
  if ("random" in spec.source) {
    const cfg = spec.config ?? config ?? presetByName("mwmae-base-4x16");
    return E.right(hearModel(cfg, await realize(init(runKeys(key(spec.source.random)).init, cfg)), { backend, maxChunksPerRun: chunks }));
  }
  const loaded = await loadModel(spec.source.file, {
    ...(config === undefined ? { fallbackConfig: presetByName("mwmae-base-4x16") } : { config }),
    backend,
    maxChunksPerRun: chunks,
  })();
  return E.mapLeft((e: { message: string }) => e.message)(loaded);
};

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f, positionals } = parseFlags(argv, options, true);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  if (positionals.length === 0) throw new UsageError("no model: give checkpoint files (or NAME=random)");
  if (f.tasks === undefined || f.tasks.length === 0) throw new UsageError("--tasks DIR is required");
  const out = pathFlag("out", f.out);
  if (out === undefined) throw new UsageError("--out DIR is required (the run folder; rerun with it to continue)");
  const settings = evaluateSettings(f);
  const chunks = intFlag("chunks", f.chunks, 16);
  const shard = shardFlag(f.shard);
  /** Whether this process does the (model, task) pair: every pair, or this shard's. */
  const mine = (model: string, taskDir: string): boolean => inShard(`${model}/${basename(resolve(taskDir))}`, shard);
  const models = positionals.map(specOf);
  const dup = models.find((m, i) => models.findIndex((n) => n.name === m.name) !== i);
  if (dup !== undefined) throw new UsageError(`two models named "${dup.name}": name them with NAME=FILE`);
  let config: MwmaeConfig | undefined;
  if (hasModelFlags(f)) {
    const resolved = resolveModel(f);
    if (E.isLeft(resolved)) throw new UsageError(resolved.left);
    config = resolved.right.config;
  }
  const failures: string[] = [];
  const taskDirs: string[] = [];
  for (const t of f.tasks) {
    const dirs = taskFolders(t);
    if (E.isLeft(dirs)) failures.push(dirs.left);
    else taskDirs.push(...dirs.right);
  }
  try {
    mkdirSync(join(out, "report"), { recursive: true });
  } catch (e) {
    process.stderr.write(`mwmae hear: cannot create ${join(out, "report")}: ${e instanceof Error ? e.message : String(e)}\n`);
    return exitCodes.failure;
  }
  const recorded = checkRunFile(out, runRecord(settings, models, config));
  if (E.isLeft(recorded)) {
    process.stderr.write(`mwmae hear: ${recorded.left}\n`);
    return exitCodes.failure;
  }
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nmwmae hear: stopped by ${signal}; finished work is kept, run the same command again to continue\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const tasks = taskDirs.flatMap((dir) => {
      const task = readTask(dir);
      if (E.isLeft(task)) failures.push(task.left.message);
      return E.isRight(task) ? [task.right] : [];
    });
    // 1. Embeddings, clip by clip (complete clips from an earlier run are kept).
    for (const spec of models) {
      if (!tasks.some((task) => mine(spec.name, task.dir))) continue;
      const model = await loadSpec(spec, config, settings, chunks);
      if (E.isLeft(model)) {
        failures.push(model.left);
        continue;
      }
      for (const task of tasks) {
        if (!mine(spec.name, task.dir)) continue;
        const started = performance.now();
        const r = await embedTaskFolder(task, model.right, join(out, spec.name, "embeddings"));
        if (E.isLeft(r)) failures.push(r.left);
        else {
          failures.push(...r.right.skipped);
          process.stderr.write(
            `mwmae hear: ${spec.name} × ${task.metadata.task_name}: embedded ${r.right.embedded} clip(s), kept ${r.right.kept} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
          );
        }
      }
    }
    // 2. The downstream protocol on every (model, task) without an evaluation.json.
    const pairs = models.flatMap((m) =>
      tasks.filter((task) => mine(m.name, task.dir)).map((task) => ({ m, task, dir: basename(resolve(task.dir)) })),
    );
    const pending = pairs.filter((p) => !existsSync(join(out, p.m.name, "results", p.dir, "evaluation.json")));
    const total = pending.reduce(
      (n, p) => n + trainingsOf({ metadata: p.task.metadata, dropoutGrid: dropoutGridOf(p.task.metadata) }, settings.seeds.length),
      0,
    );
    const progress = makeEvalProgress(settings.mode, total);
    for (const p of pairs) {
      const results = join(out, p.m.name, "results", p.dir);
      if (!pending.includes(p)) {
        if (f.json === true)
          process.stdout.write(`${JSON.stringify(JSON.parse(readFileSync(join(results, "evaluation.json"), "utf8")))}\n`);
        else process.stdout.write(`${p.task.metadata.task_name}  (${p.m.name}: kept ${join(results, "evaluation.json")})\n`);
        continue;
      }
      const emb = readTaskEmbeddings(join(out, p.m.name, "embeddings", p.dir));
      if (E.isLeft(emb)) {
        failures.push(emb.left.message);
        continue;
      }
      failures.push(...(await evaluateOne(emb.right, settings, progress, results, p.m.name, f.json === true)).problems);
    }
    progress.stop();
    if (shard !== undefined) {
      process.stderr.write(
        `mwmae hear: shard ${shard.index}/${shard.count} done (${pairs.length} pair(s)); once every shard is done, run the command without --shard for the table\n`,
      );
    } else failures.push(...tabulate(models, out, f.json === true));
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  if (failures.length > 0) {
    process.stderr.write(`mwmae hear: ${failures.length} problem(s):\n${failures.map((m) => `  ${m}\n`).join("")}`);
    return exitCodes.failure;
  }
  return exitCodes.ok;
};

/** 3. The table and the report over every model's results in the run folder; the problems met. */
const tabulate = (models: ReadonlyArray<ModelSpec>, out: string, json: boolean): string[] => {
  const failures: string[] = [];
  const entries: ResultEntry[] = [];
  for (const m of models) {
    const dir = join(out, m.name, "results");
    if (!existsSync(dir)) continue;
    const read = readResults(`${m.name}=${dir}`);
    if (E.isLeft(read)) failures.push(read.left);
    else entries.push(...read.right);
  }
  const table = resultsTable(entries);
  if (E.isLeft(table)) failures.push(table.left);
  else if (entries.length > 0) {
    const t = table.right;
    const files: Array<[string, string]> = [
      ["results.md", tableMarkdown(t)],
      ["results.csv", tableCsv(t)],
      ["results.json", `${JSON.stringify(tableJson(t), (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`],
    ];
    for (const [name, text] of files) {
      const w = E.mapLeft((e: { message: string }) => e.message)(writeFileAtomic(join(out, "report", name), text));
      if (E.isLeft(w)) failures.push(`${join(out, "report", name)}: ${w.left}`);
    }
    const html = writeReport(join(out, "report", "report.html"), tableReport(t));
    if (E.isLeft(html)) failures.push(html.left);
    if (!json) process.stdout.write(`\n${tableMarkdown(t)}`);
    process.stderr.write(`mwmae hear: report in ${join(out, "report")}\n`);
  }
  return failures;
};

/** The `hear` subcommand. */
export const hearCommand: Command = {
  name: "hear",
  usage,
  run: (argv) => runCommand({ name: "hear" }, () => main(argv)),
};
