/**
 * @file `mwmae embed`: HEAR-style embeddings of WAV files, folders of them (recursively) and HEAR task
 * folders, with a model from `--checkpoint` (this project's safetensors or an official Flax msgpack)
 * and its configuration (model flags, else the checkpoint's own, else MW-MAE-base 4×16). `--out DIR`
 * writes the files hear-eval-kit reads (src/hear/outputs.ts); `--json` prints one JSON object per
 * clip and line. A file that cannot be embedded is skipped and reported at the end; exit code 1 then.
 */

import { existsSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { findWavFiles, loadClip } from "../audio/node.js";
import { reference } from "../backends/index.js";
import { embedClips, type ClipEmbedding, type HearModel } from "../hear/index.js";
import {
  isTaskFolder,
  loadModel,
  readTask,
  writeClipFiles,
  writeTaskClipFiles,
  writeTaskMetadata,
  type HearTask,
  type TaskSplit,
} from "../hear/node.js";
import type { MwmaeConfig } from "../models/mwmae/index.js";
import { backendNames, chooseBackend } from "../train/index.js";
import { exitCodes, intFlag, parseFlags, runCommand, UsageError, type Command } from "./command.js";
import { hasModelFlags, modelOptions, modelUsage, presetByName, resolveModel } from "./model-options.js";

const usage = [
  "usage: mwmae embed --checkpoint FILE (--out DIR | --json) [options] INPUT...",
  "",
  "HEAR scene and timestamp embeddings (the official MW-MAE runtime's: 2 s chunks, 40 ms frames).",
  "",
  "inputs: WAV files; folders (every .wav below them, recursively); HEAR task folders (holding",
  "task_metadata.json; clips listed by <split>.json under 16000/<split>/).",
  "",
  "options:",
  "  --checkpoint FILE      weights: this project's .safetensors or an official Flax .msgpack",
  "  --out DIR              write .npy files: <name>.embedding.npy [D], <name>.timestamp-embeddings.npy [T, D],",
  "                         <name>.timestamps.npy [T] (ms); for a task, hear-eval-kit's layout under DIR/<task>/",
  "  --json                 print {file, scene, timestamps, embeddings} per clip, one JSON object per line",
  `  --backend NAME         ${backendNames.join(" | ")} (default reference)`,
  "  --precision f32|f64    arithmetic of the reference backend (default f32)",
  "  --chunks N             most 2 s chunks encoded at once (default 16)",
  "  -h, --help             show this help",
  "",
  ...modelUsage,
  "  (without model flags: the configuration the checkpoint carries, else mwmae-base-4x16)",
  "",
  "A file that cannot be embedded (not a WAV, truncated, unsupported encoding, silent, shorter than one",
  "25 ms frame) is skipped and reported at the end; the exit code is then 1.",
].join("\n");

const options = {
  ...modelOptions,
  checkpoint: { type: "string" },
  out: { type: "string" },
  json: { type: "boolean" },
  backend: { type: "string" },
  precision: { type: "string" },
  chunks: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** One clip to embed, and where its outputs go. */
interface Job {
  readonly path: string;
  /** For plain files: the output path without suffixes, relative to `--out`. */
  readonly name: string;
  readonly task?: { readonly task: HearTask; readonly split: TaskSplit; readonly clip: string };
}

/** The clips an input names, or why it names none. */
const jobsOf = async (input: string): Promise<E.Either<string, Job[]>> => {
  if (!existsSync(input)) return E.left(`${input}: no such file or folder`);
  if (!statSync(input).isDirectory()) return E.right([{ path: input, name: basename(input) }]);
  if (isTaskFolder(input)) {
    const task = readTask(input);
    if (E.isLeft(task)) return E.left(task.left.message);
    const t = task.right;
    return E.right(
      t.splits.flatMap((split) =>
        Object.keys(split.labels).map((clip) => ({ path: join(split.audioDir, clip), name: clip, task: { task: t, split, clip } })),
      ),
    );
  }
  const files = await findWavFiles(input)();
  if (E.isLeft(files)) return E.left(files.left.message);
  if (files.right.length === 0) return E.left(`${input}: no .wav files in this folder`);
  return E.right(files.right.map((path) => ({ path, name: join(basename(input), relative(input, path)) })));
};

/** The JSON line of one clip: float32 values, as the .npy files hold them. */
const jsonLine = (file: string, c: ClipEmbedding): string => {
  const width = c.embeddings.shape[1];
  const rows = Array.from({ length: c.embeddings.shape[0] }, (_, i) =>
    Array.from(c.embeddings.data.subarray(i * width, (i + 1) * width), Math.fround),
  );
  return `${JSON.stringify({ file, scene: Array.from(c.scene, Math.fround), timestamps: Array.from(c.timestampsMs, Math.fround), embeddings: rows })}\n`;
};

/** Embeds and writes one clip; a `Left` says why it was skipped. */
const embedOne = async (job: Job, model: HearModel, out: string | undefined, json: boolean): Promise<E.Either<string, void>> => {
  const clip = await loadClip(job.path)();
  if (E.isLeft(clip)) return E.left(clip.left.message);
  let embedded: ClipEmbedding;
  try {
    embedded = (await embedClips([clip.right.samples], model))[0]!;
  } catch (e) {
    return E.left(`${job.path}: cannot embed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out !== undefined) {
    const written =
      job.task === undefined
        ? writeClipFiles(join(out, job.name), embedded)
        : writeTaskClipFiles(out, job.task.task, job.task.split, job.task.clip, embedded);
    if (E.isLeft(written)) return E.left(written.left.message);
  }
  if (json) process.stdout.write(jsonLine(job.path, embedded));
  return E.right(undefined);
};

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f, positionals } = parseFlags(argv, options, true);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  if (f.checkpoint === undefined) throw new UsageError("--checkpoint FILE is required");
  if (f.out === undefined && f.json !== true) throw new UsageError("nothing to do: give --out DIR, --json, or both");
  if (positionals.length === 0) throw new UsageError("no input: give WAV files, folders or HEAR task folders");
  if (f.precision !== undefined && f.precision !== "f32" && f.precision !== "f64")
    throw new UsageError(`--precision: expected f32 or f64, got "${f.precision}"`);
  const backendName = f.backend ?? "reference";
  if (f.precision !== undefined && backendName !== "reference") throw new UsageError("--precision applies to the reference backend only");
  const backend =
    backendName === "reference" ? E.right(reference({ precision: f.precision === "f64" ? "f64" : "f32" })) : chooseBackend(backendName);
  if (E.isLeft(backend)) throw new UsageError(`--backend: ${backend.left}`);
  const maxChunksPerRun = intFlag("chunks", f.chunks, 16);
  let config: MwmaeConfig | undefined;
  if (hasModelFlags(f)) {
    const resolved = resolveModel(f);
    if (E.isLeft(resolved)) {
      process.stderr.write(`mwmae embed: ${resolved.left}\n`);
      return exitCodes.failure;
    }
    config = resolved.right.config;
  }
  const loaded = await loadModel(f.checkpoint, {
    ...(config === undefined ? { fallbackConfig: presetByName("mwmae-base-4x16") } : { config }),
    backend: backend.right,
    maxChunksPerRun,
  })();
  if (E.isLeft(loaded)) {
    process.stderr.write(`mwmae embed: ${loaded.left.message}\n`);
    return exitCodes.failure;
  }
  const failures: string[] = [];
  let done = 0;
  for (const input of positionals) {
    const jobs = await jobsOf(input);
    if (E.isLeft(jobs)) {
      failures.push(jobs.left);
      continue;
    }
    const task = jobs.right[0]?.task?.task;
    if (task !== undefined && f.out !== undefined) {
      const copied = writeTaskMetadata(f.out, task);
      if (E.isLeft(copied)) failures.push(copied.left.message);
    }
    for (const job of jobs.right) {
      const result = await embedOne(job, loaded.right, f.out, f.json === true);
      if (E.isLeft(result)) failures.push(result.left);
      else done += 1;
    }
  }
  if (failures.length > 0) {
    process.stderr.write(`mwmae embed: embedded ${done} clip(s); skipped ${failures.length}:\n${failures.map((m) => `  ${m}\n`).join("")}`);
    return exitCodes.failure;
  }
  if (f.out !== undefined) process.stderr.write(`mwmae embed: embedded ${done} clip(s) into ${f.out}\n`);
  return exitCodes.ok;
};

/** The `embed` subcommand. */
export const embedCommand: Command = {
  name: "embed",
  usage,
  run: (argv) => runCommand({ name: "embed" }, () => main(argv)),
};
