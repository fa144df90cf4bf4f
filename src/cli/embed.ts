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
import { defaultAudioLimits, type AudioLimits } from "../audio/index.js";
import { findWavFiles, loadClip } from "../audio/node.js";
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
import { describeNonFinite, firstNonFinite } from "../io/index.js";
import { makeFolders, removeOrphanedTemps } from "../io/node.js";
import { codeCacheNote, flatTensors } from "../train/index.js";
import { backendFromFlags, backendOptions, backendUsage } from "./backend-flags.js";
import { exitCodes, intFlag, numberFlag, parseFlags, pathFlag, runCommand, UsageError, type Command } from "./command.js";
import { hasModelFlags, modelOptions, modelUsage, presetByName, resolveModel } from "./model-options.js";
import { inShard, shardFlag } from "./shard.js";

const usage = [
  "usage: mwmae embed --checkpoint PATH (--out DIR | --json) [options] INPUT...",
  "",
  "HEAR scene and timestamp embeddings (the official MW-MAE runtime's: 2 s chunks, 40 ms frames).",
  "",
  "inputs: WAV files; folders (every .wav below them, recursively); HEAR task folders (holding",
  "task_metadata.json; clips listed by <split>.json under 16000/<split>/).",
  "",
  "options:",
  "  --checkpoint PATH      weights, by content: this project's safetensors or run folder, an official Flax",
  "                         msgpack (bare {params, buffers} or the trainer's TrainState), a trainer work folder",
  "                         (its newest checkpoint_<step>) or a checkpoint_<step>/ folder",
  "  --out DIR              write .npy files: <name>.embedding.npy [D], <name>.timestamp-embeddings.npy [T, D],",
  "                         <name>.timestamps.npy [T] (ms); for a task, hear-eval-kit's layout under DIR/<task>/",
  "  --json                 print {file, scene, timestamps, embeddings} per clip, one JSON object per line",
  ...backendUsage("wasm"),
  "  --precision f32|f64    arithmetic of the reference backend (default f32)",
  "  --chunks N             most 2 s chunks encoded at once (default 16)",
  "  --shard I/N            embed only shard I of N (a stable split by clip name): N processes, on any",
  "                         machines, with the same inputs and --out cover every clip exactly once",
  `  --max-seconds S        longest clip accepted, in seconds (default ${defaultAudioLimits.maxSeconds})`,
  "  --allow-non-finite     use a checkpoint holding NaN or infinities (refused by default)",
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
  ...backendOptions,
  precision: { type: "string" },
  chunks: { type: "string" },
  shard: { type: "string" },
  "max-seconds": { type: "string" },
  "allow-non-finite": { type: "boolean" },
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

/** Why an embedding must not be written (a NaN or infinity in it), or undefined when it is finite. */
const nonFiniteOutput = (c: ClipEmbedding): string | undefined => {
  const found = firstNonFinite({
    scene: { shape: [c.scene.length], dtype: "f32", data: Float32Array.from(c.scene) },
    "timestamp embeddings": c.embeddings,
  });
  return found === undefined ? undefined : `the output's ${describeNonFinite(found)}: not written`;
};

/** Embeds and writes one clip; a `Left` says why it was skipped. */
const embedOne = async (
  job: Job,
  model: HearModel,
  out: string | undefined,
  json: boolean,
  limits: AudioLimits,
): Promise<E.Either<string, void>> => {
  const clip = await loadClip(job.path, {}, undefined, limits)();
  if (E.isLeft(clip)) return E.left(clip.left.message);
  let embedded: ClipEmbedding;
  try {
    embedded = (await embedClips([clip.right.samples], model))[0]!;
  } catch (e) {
    return E.left(`${job.path}: cannot embed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bad = nonFiniteOutput(embedded);
  if (bad !== undefined) return E.left(`${job.path}: ${bad}`);
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

/** `--out` as an output folder: not empty, and not an existing file. */
const outFolder = (value: string | undefined): string | undefined => {
  const dir = pathFlag("out", value);
  if (dir !== undefined && existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out: ${dir} is a file, not a folder`);
  return dir;
};

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f, positionals } = parseFlags(argv, options, true);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  if (f.checkpoint === undefined) throw new UsageError("--checkpoint PATH is required");
  if (f.out === undefined && f.json !== true) throw new UsageError("nothing to do: give --out DIR, --json, or both");
  if (positionals.length === 0) throw new UsageError("no input: give WAV files, folders or HEAR task folders");
  const backend = backendFromFlags(f, "wasm", (line) => process.stderr.write(`mwmae embed: ${line}\n`));
  const maxChunksPerRun = intFlag("chunks", f.chunks, 16);
  const shard = shardFlag(f.shard);
  const maxSeconds = numberFlag("max-seconds", f["max-seconds"], defaultAudioLimits.maxSeconds);
  if (!(maxSeconds > 0)) throw new UsageError(`--max-seconds: expected a positive number of seconds, got "${f["max-seconds"]}"`);
  const limits: AudioLimits = { ...defaultAudioLimits, maxSeconds };
  const out = outFolder(f.out);
  pathFlag("checkpoint", f.checkpoint);
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
    backend: backend,
    maxChunksPerRun,
    onNote: (line) => process.stderr.write(`mwmae embed: ${line}\n`),
  })();
  if (E.isLeft(loaded)) {
    process.stderr.write(`mwmae embed: ${loaded.left.message}\n`);
    return exitCodes.failure;
  }
  const badWeight = f["allow-non-finite"] === true ? undefined : firstNonFinite(flatTensors(loaded.right.params, "params"));
  if (badWeight !== undefined) {
    process.stderr.write(
      `mwmae embed: ${f.checkpoint}: ${describeNonFinite(badWeight)}: refused (every embedding would be NaN; --allow-non-finite to use it anyway)\n`,
    );
    return exitCodes.failure;
  }
  if (out !== undefined) {
    const made = makeFolders(out);
    if (E.isLeft(made)) {
      process.stderr.write(`mwmae embed: --out ${out}: ${made.left.message}\n`);
      return exitCodes.failure;
    }
    // Temporary files that an embedding run killed mid-write left in the output folder (not when
    // sharded: another machine's writer sharing the folder would look dead here).
    if (shard === undefined) removeOrphanedTemps(out);
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
    if (task !== undefined && out !== undefined) {
      const copied = writeTaskMetadata(out, task);
      if (E.isLeft(copied)) failures.push(copied.left.message);
    }
    for (const job of jobs.right) {
      // The shard key is the clip's name: its output path, or task/clip inside a HEAR task.
      if (!inShard(job.task === undefined ? job.name : `${basename(job.task.task.dir)}/${job.name}`, shard)) continue;
      const result = await embedOne(job, loaded.right, out, f.json === true, limits);
      if (E.isLeft(result)) failures.push(result.left);
      else done += 1;
    }
  }
  const codeNote = codeCacheNote(backend);
  if (codeNote !== undefined) process.stderr.write(`mwmae embed: ${codeNote}\n`);
  if (failures.length > 0) {
    process.stderr.write(`mwmae embed: embedded ${done} clip(s); skipped ${failures.length}:\n${failures.map((m) => `  ${m}\n`).join("")}`);
    return exitCodes.failure;
  }
  if (out !== undefined)
    process.stderr.write(
      `mwmae embed: embedded ${done} clip(s) into ${out}${shard === undefined ? "" : ` (shard ${shard.index}/${shard.count})`}\n`,
    );
  return exitCodes.ok;
};

/** The `embed` subcommand. */
export const embedCommand: Command = {
  name: "embed",
  usage,
  run: (argv) => runCommand({ name: "embed" }, () => main(argv)),
};
