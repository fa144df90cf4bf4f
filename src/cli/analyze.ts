/**
 * @file `mwmae analyze`: the MW-MAE paper's analyses of a model on WAV clips: per layer and head,
 * attention entropy and mean attention distance for the encoder and the decoder (heads labelled by
 * window), and PWCCA / linear CKA between the encoder layers of two models (`--compare`), or of one
 * model's layers with each other. Models load as `mwmae embed` loads them. `--json` prints one JSON
 * object; `--out DIR` writes `analysis.json` and `analysis.html` (heat maps).
 */

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { analysisHtml, analyzeModel, compareLayers, reportUnits, type AnalysisReport, type ModelAnalysis } from "../analysis/index.js";
import { defaultAudioLimits } from "../audio/index.js";
import { findWavFiles, loadClip } from "../audio/node.js";
import type { HearModel } from "../hear/index.js";
import { loadModel } from "../hear/node.js";
import type { HostTensor } from "../ir/index.js";
import type { MwmaeConfig } from "../models/mwmae/index.js";
import { describeNonFinite, firstNonFinite } from "../io/index.js";
import { makeFolders, writeFileAtomic } from "../io/node.js";
import { flatTensors } from "../train/index.js";
import { backendFromFlags, backendOptions, backendUsage } from "./backend-flags.js";
import { exitCodes, intFlag, numberFlag, parseFlags, pathFlag, runCommand, UsageError, type Command } from "./command.js";
import { hasModelFlags, modelOptions, modelUsage, presetByName, resolveModel } from "./model-options.js";

const usage = [
  "usage: mwmae analyze --checkpoint PATH [--compare PATH] (--json | --out DIR) [options] INPUT...",
  "",
  "Per layer and head: attention entropy (nats) and mean attention distance (tokens, time/frequency patches,",
  "ms, mel bins) of the encoder (every patch) and the decoder (the pre-training pass, masking seeded), averaged",
  "over every whole chunk of the clips; PWCCA and linear CKA between the encoder layers of the two models (of",
  "the one model's layers with each other without --compare). Definitions: docs/analysis.md.",
  "",
  "inputs: WAV files, or folders (every .wav below them). Each clip gives its whole chunks of the model's input",
  "length (2 s for 200 frames); a clip shorter than one chunk is an error.",
  "",
  "options:",
  "  --checkpoint PATH      the model to analyse (formats as in mwmae embed)",
  "  --compare PATH         a second model, compared layer by layer (PWCCA needs the same encoder depth)",
  "  --compare-config FILE  the second model's configuration (default: its checkpoint's, else the first's)",
  "  --json                 print the analysis as one JSON object",
  "  --out DIR              write DIR/analysis.json and DIR/analysis.html (heat maps)",
  "  --seed N               seed of the decoder's masking noise (default 0)",
  ...backendUsage("reference"),
  `  --max-seconds S        longest clip accepted, in seconds (default ${defaultAudioLimits.maxSeconds})`,
  "  -h, --help             show this help",
  "",
  ...modelUsage,
  "  (model flags apply to --checkpoint; without them: its own configuration, else mwmae-base-4x16)",
].join("\n");

const options = {
  ...modelOptions,
  checkpoint: { type: "string" },
  compare: { type: "string" },
  "compare-config": { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  seed: { type: "string" },
  ...backendOptions,
  "max-seconds": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A runtime failure: one line, exit 1. */
class Failure extends Error {}

/** Every WAV file the inputs name. */
const wavFiles = async (inputs: ReadonlyArray<string>): Promise<string[]> => {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Failure(`${input}: no such file or folder`);
    if (!statSync(input).isDirectory()) {
      files.push(input);
      continue;
    }
    const found = await findWavFiles(input)();
    if (E.isLeft(found)) throw new Failure(found.left.message);
    if (found.right.length === 0) throw new Failure(`${input}: no .wav files in this folder`);
    files.push(...found.right);
  }
  return files;
};

/** The whole chunks of every clip, `[chunks, frames, mels]`, and how many each clip gave. */
const clipChunks = async (
  files: ReadonlyArray<string>,
  model: HearModel,
  maxSeconds: number,
): Promise<{ chunks: HostTensor; clips: Array<{ file: string; chunks: number }> }> => {
  const { frames, mels } = model.config.input;
  const parts: Array<{ data: HostTensor["data"]; count: number }> = [];
  const clips: Array<{ file: string; chunks: number }> = [];
  for (const file of files) {
    const clip = await loadClip(file, {}, undefined, { ...defaultAudioLimits, maxSeconds })();
    if (E.isLeft(clip)) throw new Failure(clip.left.message);
    const samples = clip.right.samples;
    const logmel = await model.frontEnd({ shape: [1, samples.length], dtype: "f32", data: samples });
    const total = logmel.shape[1]!;
    const count = Math.floor(total / frames);
    if (count === 0) {
      const seconds = (samples.length / model.sampleRate).toFixed(2);
      throw new Failure(
        `${file}: ${seconds} s gives ${total} log-mel frames, shorter than one chunk of ${frames} frames: nothing to analyse`,
      );
    }
    parts.push({ data: logmel.data.subarray(0, count * frames * mels), count });
    clips.push({ file, chunks: count });
  }
  const count = parts.reduce((n, p) => n + p.count, 0);
  const data = new Float64Array(count * frames * mels);
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { chunks: { shape: [count, frames, mels], dtype: "f32", data }, clips };
};

/** Throws naming the first non-finite number of an analysis. */
const checkFinite = (what: string, a: ModelAnalysis): void => {
  const bad = a.heads.find((h) => ![h.entropy, h.distance, h.distanceTime, h.distanceFreq].every(Number.isFinite));
  if (bad !== undefined)
    throw new Failure(`${what}: a non-finite measure at ${bad.part} layer ${bad.layer} head ${bad.head} (NaN or infinite weights?)`);
};

const load = async (path: string, opts: Parameters<typeof loadModel>[1]): Promise<HearModel> => {
  const loaded = await loadModel(path, opts)();
  if (E.isLeft(loaded)) throw new Failure(loaded.left.message);
  const bad = firstNonFinite(flatTensors(loaded.right.params, "params"));
  if (bad !== undefined) throw new Failure(`${path}: ${describeNonFinite(bad)}: refused (every measure would be NaN)`);
  return loaded.right;
};

const sameInput = (a: MwmaeConfig, b: MwmaeConfig): boolean =>
  a.input.frames === b.input.frames && a.input.mels === b.input.mels && a.patch.time === b.patch.time && a.patch.freq === b.patch.freq;

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values: f, positionals } = parseFlags(argv, options, true);
  if (f.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  if (f.checkpoint === undefined) throw new UsageError("--checkpoint PATH is required");
  if (f.out === undefined && f.json !== true) throw new UsageError("nothing to do: give --json, --out DIR, or both");
  if (positionals.length === 0) throw new UsageError("no input: give WAV files or folders");
  pathFlag("checkpoint", f.checkpoint);
  pathFlag("compare", f.compare);
  pathFlag("compare-config", f["compare-config"]);
  if (f["compare-config"] !== undefined && f.compare === undefined) throw new UsageError("--compare-config needs --compare");
  const out = pathFlag("out", f.out);
  if (out !== undefined && existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is a file, not a folder`);
  const seed = intFlag("seed", f.seed, 0, 0);
  const maxSeconds = numberFlag("max-seconds", f["max-seconds"], defaultAudioLimits.maxSeconds);
  if (!(maxSeconds > 0)) throw new UsageError(`--max-seconds: expected a positive number of seconds, got "${f["max-seconds"]}"`);
  const backend = backendFromFlags(f, "reference");
  let config: MwmaeConfig | undefined;
  if (hasModelFlags(f)) {
    const resolved = resolveModel(f);
    if (E.isLeft(resolved)) throw new Failure(resolved.left);
    config = resolved.right.config;
  }
  const note = (line: string) => process.stderr.write(`mwmae analyze: ${line}\n`);
  const a = await load(f.checkpoint, {
    ...(config === undefined ? { fallbackConfig: presetByName("mwmae-base-4x16") } : { config }),
    backend: backend,
    onNote: note,
  });
  const b =
    f.compare === undefined
      ? undefined
      : await load(f.compare, {
          ...(f["compare-config"] === undefined ? { fallbackConfig: a.config } : { config: f["compare-config"] }),
          backend: backend,
          onNote: note,
        });
  if (b !== undefined && !sameInput(a.config, b.config))
    throw new Failure(
      `--compare: ${f.compare} takes ${b.config.input.frames}×${b.config.input.mels} input in ${b.config.patch.time}×${b.config.patch.freq} patches, ${f.checkpoint} ${a.config.input.frames}×${a.config.input.mels} in ${a.config.patch.time}×${a.config.patch.freq}: the layers would not see the same tokens`,
    );
  if (b !== undefined && b.config.encoder.depth !== a.config.encoder.depth)
    throw new Failure(
      `--compare: PWCCA compares encoders of the same depth; ${f.checkpoint} has ${a.config.encoder.depth} layers, ${f.compare} ${b.config.encoder.depth}`,
    );
  const { chunks, clips } = await clipChunks(await wavFiles(positionals), a, maxSeconds);
  const analyse = async (path: string, m: HearModel): Promise<ModelAnalysis> => {
    try {
      const analysed = await analyzeModel({ config: m.config, params: m.params, backend: backend }, chunks, { seed });
      checkFinite(path, analysed);
      return analysed;
    } catch (e) {
      if (e instanceof Failure) throw e;
      throw new Failure(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const analysedA = await analyse(f.checkpoint, a);
  const analysedB = b === undefined ? undefined : await analyse(f.compare!, b);
  let similarity: ReturnType<typeof compareLayers>;
  try {
    similarity = compareLayers(analysedA.representations, (analysedB ?? analysedA).representations);
  } catch (e) {
    throw new Failure(e instanceof Error ? e.message : String(e));
  }
  const report: AnalysisReport = {
    model: { checkpoint: f.checkpoint, config: a.config, heads: analysedA.heads },
    ...(b === undefined || analysedB === undefined
      ? {}
      : { compare: { checkpoint: f.compare!, config: b.config, heads: analysedB.heads } }),
    clips,
    chunks: analysedA.chunks,
    seed,
    similarity: { ...similarity, rows: "A", columns: b === undefined ? "A" : "B" },
    units: reportUnits,
  };
  const json = JSON.stringify(report);
  if (f.json === true) process.stdout.write(`${json}\n`);
  if (out !== undefined) {
    const steps = [
      () => makeFolders(out),
      () => writeFileAtomic(join(out, "analysis.json"), `${json}\n`),
      () => writeFileAtomic(join(out, "analysis.html"), analysisHtml(report)),
    ];
    for (const step of steps) {
      const written = step();
      if (E.isLeft(written)) throw new Failure(written.left.message);
    }
    note(`wrote ${join(out, "analysis.json")} and ${join(out, "analysis.html")}`);
  }
  return exitCodes.ok;
};

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  try {
    return await run(argv);
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    process.stderr.write(`mwmae analyze: ${e.message}\n`);
    return exitCodes.failure;
  }
};

/** The `analyze` subcommand. */
export const analyzeCommand: Command = {
  name: "analyze",
  usage,
  run: (argv) => runCommand({ name: "analyze" }, () => main(argv)),
};
