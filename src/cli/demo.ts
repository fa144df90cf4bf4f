/**
 * @file `mwmae demo` (`npm run demo`): the main job on the built-in synthetic corpus, no downloads.
 *
 * 1. Pre-trains a small MW-MAE and a plain MAE with the same encoder (src/train run folders
 *    `OUT/mwmae` and `OUT/mae`; running the demo again resumes them, or reuses finished ones).
 * 2. Embeds the labelled synthetic task (scene embeddings, src/hear) with both pre-trained encoders
 *    and with the encoder both runs started from (random initialisation).
 * 3. Fits a linear probe per encoder on the task's train split, chooses its epoch on valid, scores test.
 * 4. Prints the probe and phase tables and writes `OUT/report.html` (src/report) and `OUT/summary.json`.
 *
 * `--quick` shrinks everything (a few steps, a tiny task) so CI can run the whole path in seconds;
 * its accuracies say nothing about pre-training.
 */

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { heatmapPng, pngDataUri, windowLayoutSvg } from "../analysis/index.js";
import { labelledTask } from "../audio/index.js";
import { jit, realize, type Backend } from "../backends/index.js";
import { audioBatch, embedLogmels, hearModel, linearProbe, type LabelledSet } from "../hear/index.js";
import type { HostTensor, Tensor } from "../ir/index.js";
import { listCheckpoints, writeFileAtomic } from "../io/node.js";
import { forwardMae, geometry, type HostParams, type MwmaeConfig, type MwmaeParams } from "../models/mwmae/index.js";
import { key, uniform } from "../random/index.js";
import {
  demoReportHtml,
  phaseTableText,
  probeTableText,
  reconstructionViews,
  writeReport,
  type Phase,
  type ProbeRow,
  type ReconstructionViews,
} from "../report/index.js";
import {
  freshState,
  lossCurveSvg,
  makeProgress,
  progressModes,
  readLog,
  runFiles,
  runPretraining,
  trainDefaults,
  type ProgressMode,
  type RunOutcome,
  type RunSetup,
} from "../train/index.js";
import { backendFromFlags, backendOptions, backendUsage } from "./backend-flags.js";
import { type Command, exitCodes, intFlag, parseFlags, pathFlag, runCommand, UsageError } from "./command.js";

/** The sizes of one demo: the models, the runs, the task and the probe. */
interface Plan {
  readonly encoder: { readonly dim: number; readonly depth: number; readonly heads: number };
  readonly decoder: { readonly dim: number; readonly depth: number; readonly heads: number };
  readonly steps: number;
  readonly batch: number;
  /** The peak learning rate (the base rate is derived: peak × 256 / batch). */
  readonly peakLr: number;
  readonly poolClips: number;
  /** Clips per class in each split of the labelled task. */
  readonly perClass: { readonly train: number; readonly valid: number; readonly test: number };
  readonly probeEpochs: number;
}

/** Measured on this project's 2-core CI machine; see docs/demo.md. */
const plans: Readonly<Record<"full" | "quick", Plan>> = {
  full: {
    encoder: { dim: 96, depth: 3, heads: 4 },
    decoder: { dim: 64, depth: 1, heads: 8 },
    steps: 300,
    batch: 16,
    peakLr: 1e-3,
    poolClips: 256,
    perClass: { train: 20, valid: 5, test: 15 },
    probeEpochs: 300,
  },
  quick: {
    encoder: { dim: 32, depth: 1, heads: 2 },
    decoder: { dim: 32, depth: 1, heads: 4 },
    steps: 3,
    batch: 2,
    peakLr: 1e-3,
    poolClips: 4,
    perClass: { train: 3, valid: 1, test: 1 },
    probeEpochs: 30,
  },
};

/** 1.99 s at 16 kHz is exactly 200 log-mel frames: one encoder chunk per clip, no padding. */
const taskSeconds = 1.99;
const taskSeed = 1;
const maskSeed = 7;
/** Clips per front-end call: 40 framed clips of 200 × 400 samples stay well under 2^24 elements. */
const frontEndClips = 40;

const options = {
  quick: { type: "boolean" },
  out: { type: "string" },
  ...backendOptions,
  steps: { type: "string" },
  progress: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const usage = [
  "usage: mwmae demo [--quick] [--out DIR] [--backend NAME] [--threads N] [--steps N] [--progress MODE]",
  "",
  "The main job on the built-in synthetic corpus: pre-train a small MW-MAE and a plain MAE, embed a",
  "labelled task with both and with a randomly initialised encoder, fit a linear probe on each, print",
  "the accuracies and write an HTML report. About 4.5 minutes on 2 cores; --quick takes seconds.",
  "Running it again with the same --out resumes unfinished runs and reuses finished ones.",
  "",
  "  --quick            tiny models, 3 steps, a tiny task (for CI: checks the path, not the results)",
  "  --out DIR          where the runs, report.html and summary.json go (runs/demo, or runs/demo-quick)",
  `  --steps N          pre-training steps per model (full ${plans.full.steps}, quick ${plans.quick.steps})`,
  `  --progress MODE    ${progressModes.join(" | ")} for the pre-training progress (auto)`,
  "  -h, --help         show this help",
  ...backendUsage("wasm"),
  "",
  "exit codes: 0 done, 1 failure, 2 bad usage, 130/143 stopped by SIGINT/SIGTERM (run again to resume)",
].join("\n");

/** The run setup of one model kind under a plan: 200×80 log-mels, 4×16 patches (n = 250), ratio 0.8. */
const setupOf = (kind: MwmaeConfig["kind"], plan: Plan): RunSetup => ({
  model: {
    kind,
    input: { frames: 200, mels: 80 },
    patch: { time: 4, freq: 16 },
    encoder: { ...plan.encoder },
    decoder: { ...plan.decoder, windows: "auto" },
    mlpRatio: 4,
    maskRatio: 0.8,
    useClsToken: false,
  },
  train: {
    ...trainDefaults,
    steps: plan.steps,
    batch: plan.batch,
    baseLr: (plan.peakLr * 256) / plan.batch,
    warmupSteps: Math.min(plan.steps - 1, Math.max(1, Math.round(plan.steps / 10))),
    checkpointEvery: Math.max(1, Math.ceil(plan.steps / 5)),
    keepCheckpoints: 2,
  },
  data: { kind: "synth", clips: plan.poolClips, seconds: 2.05, seed: 0 },
});

const modelName = (kind: MwmaeConfig["kind"]): string => (kind === "mwmae" ? "MW-MAE" : "MAE");

/** Pre-trains into `dir`: resumes a run of the same setup found there, refuses one of another. */
const pretrain = async (
  dir: string,
  setup: RunSetup,
  backend: Backend,
  progress: ProgressMode,
  shouldStop: () => boolean,
): Promise<E.Either<string, RunOutcome>> => {
  const files = runFiles(dir);
  const resume = listCheckpoints(files.checkpoints).length > 0;
  if (resume && existsSync(files.setup) && readFileSync(files.setup, "utf8").trim() !== JSON.stringify(setup, null, 2)) {
    return E.left(`${dir} holds a run with another configuration (${files.setup}); remove it or choose another --out`);
  }
  return runPretraining({
    dir,
    start: resume ? { kind: "resume" } : { kind: "fresh", setup },
    backend,
    progress: makeProgress(progress),
    shouldStop,
  });
};

/** Tensors joined along their first axis. */
const joinRows = (parts: ReadonlyArray<HostTensor>): HostTensor => {
  const data = new Float32Array(parts.reduce((k, p) => k + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((k, p) => k + p.shape[0]!, 0), ...parts[0]!.shape.slice(1)], dtype: "f32", data };
};

/** Rows `[from, to)` of a `[n, …]` tensor. */
const rowsOf = (x: HostTensor, from: number, to: number): HostTensor => {
  const inner = x.data.length / x.shape[0]!;
  return { shape: [to - from, ...x.shape.slice(1)], dtype: x.dtype, data: x.data.slice(from * inner, to * inner) };
};

/** Scene embeddings `[n, D]` of standardised log-mels under one encoder. */
const sceneEmbeddings = async (
  cfg: MwmaeConfig,
  params: HostParams,
  logmels: HostTensor,
  samples: number,
  backend: Backend,
): Promise<HostTensor> => {
  const clips = await embedLogmels(logmels, samples, hearModel(cfg, params, { backend, maxChunksPerRun: 32 }));
  const width = clips[0]!.scene.length;
  const data = new Float32Array(clips.length * width);
  clips.forEach((c, i) => data.set(c.scene, i * width));
  return { shape: [clips.length, width], dtype: "f32", data };
};

/** The MAE pass on one crop with given masking noise: prediction `[n, values]` and mask `[n]`. */
const reconstruct = async (
  cfg: MwmaeConfig,
  params: HostParams,
  x: HostTensor,
  noise: HostTensor,
  backend: Backend,
): Promise<ReconstructionViews> => {
  const f = await jit(
    ({ p, x: xs, noise: u }: { p: MwmaeParams; x: Tensor<readonly [1, number, number]>; noise: Tensor<readonly [1, number]> }) => {
      const o = forwardMae(p, cfg)(xs, u);
      return { pred: o.pred, mask: o.mask };
    },
    { p: params, x, noise } as never,
    backend,
  );
  const out = (await f({ p: params, x, noise } as never)) as unknown as { pred: HostTensor; mask: HostTensor };
  return reconstructionViews(x.data, out.pred.data, out.mask.data, cfg.input.frames, cfg.input.mels, cfg.patch);
};

/** A stopwatch for named phases; each phase is announced on stderr as it starts. */
const phases = () => {
  const done: Phase[] = [];
  return {
    done,
    /** Runs `body` as the phase `name`; `rename` may name it after its result. */
    time: async <A>(name: string, body: () => Promise<A>, rename: (a: A) => string = () => name): Promise<A> => {
      const t0 = performance.now();
      process.stderr.write(`demo: ${name}\n`);
      const a = await body();
      done.push({ name: rename(a), seconds: (performance.now() - t0) / 1000 });
      return a;
    },
  };
};

const windowsCaption = (cfg: MwmaeConfig): string => {
  const { windows, patches } = geometry(cfg);
  return `${modelName(cfg.kind)} decoder: ${cfg.decoder.heads} heads per block (${cfg.decoder.depth} blocks, the same layout in each), windows ${windows.join(", ")} patches (0 = global) over the n = ${patches} patches in time-major order`;
};

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

const run = async (f: Flags): Promise<number> => {
  const mode = f.quick === true ? "quick" : "full";
  const base = plans[mode];
  const plan: Plan = { ...base, steps: intFlag("steps", f.steps, base.steps, 2) };
  const backend = backendFromFlags(f, "wasm");
  const progress = f.progress ?? "auto";
  if (!(progressModes as ReadonlyArray<string>).includes(progress))
    throw new UsageError(`--progress: expected one of ${progressModes.join(", ")}, got "${progress}"`);
  const out = pathFlag("out", f.out) ?? join("runs", mode === "quick" ? "demo-quick" : "demo");
  mkdirSync(out, { recursive: true });
  const started = new Date();
  const clock = phases();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signal !== undefined) process.exit(name === "SIGINT" ? 130 : 143);
    signal = name;
    process.stderr.write(`demo: ${name}: stopping after this step and saving a checkpoint (again to abort)\n`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    // 1. Pre-training, one run per decoder kind.
    const setups = { mwmae: setupOf("mwmae", plan), mae: setupOf("mae", plan) };
    const outcomes: Partial<Record<MwmaeConfig["kind"], RunOutcome>> = {};
    for (const kind of ["mwmae", "mae"] as const) {
      const dir = join(out, kind);
      const outcome = await clock.time(
        `pre-train ${modelName(kind)}`,
        () => pretrain(dir, setups[kind], backend, progress as ProgressMode, () => signal !== undefined),
        (o) => `pre-train ${modelName(kind)} (${E.isRight(o) ? `${o.right.stepsTaken} of ${plan.steps} steps in this call` : "failed"})`,
      );
      if (E.isLeft(outcome)) {
        process.stderr.write(`mwmae demo: ${outcome.left}\n`);
        return exitCodes.failure;
      }
      if (!outcome.right.finished) {
        process.stderr.write(
          `mwmae demo: stopped at step ${outcome.right.state.step} of ${plan.steps}; run the same command again to resume\n`,
        );
        return signal === "SIGTERM" ? 143 : 130;
      }
      outcomes[kind] = outcome.right;
    }
    const mw = outcomes.mwmae!;
    const mae = outcomes.mae!;

    // 2. The labelled task: synthesise, one log-mel front-end pass, scene embeddings per encoder.
    const task = await clock.time("synthesise the labelled task and its log-mels", async () => {
      const t = labelledTask(key(taskSeed), plan.perClass, { seconds: taskSeconds });
      const clips = [...t.train, ...t.valid, ...t.test];
      const frontEnd = hearModel(setups.mwmae.model, mw.state.params, { backend: backend }).frontEnd;
      const parts: HostTensor[] = [];
      // In slices: the front-end's framing buffer must stay under a backend buffer's 2^24 elements.
      for (let from = 0; from < clips.length; from += frontEndClips)
        parts.push(await frontEnd(audioBatch(clips.slice(from, from + frontEndClips).map((c) => c.samples))));
      return { ...t, clips, samples: clips[0]!.samples.length, logmels: joinRows(parts) };
    });
    const random = await freshState(setups.mwmae);
    const encoders = [
      { name: "MW-MAE", cfg: mw.setup.model, params: mw.state.params },
      { name: "MAE", cfg: mae.setup.model, params: mae.state.params },
      { name: "random init", cfg: setups.mwmae.model, params: random.params },
    ];
    const embedded: Array<{ name: string; x: HostTensor }> = [];
    for (const e of encoders) {
      const x = await clock.time(`embed ${task.clips.length} clips: ${e.name}`, () =>
        sceneEmbeddings(e.cfg, e.params, task.logmels, task.samples, backend),
      );
      embedded.push({ name: e.name, x });
    }

    // 3. Linear probes on the task's own splits.
    const n = { train: task.train.length, valid: task.valid.length, test: task.test.length };
    const labels = Int32Array.from(task.clips, (c) => c.label);
    const split = (x: HostTensor, from: number, to: number): LabelledSet => ({ x: rowsOf(x, from, to), y: labels.slice(from, to) });
    const rows: ProbeRow[] = [];
    for (const e of embedded) {
      const r = await clock.time(`linear probe (${plan.probeEpochs} epochs): ${e.name}`, () =>
        linearProbe(
          {
            train: split(e.x, 0, n.train),
            valid: split(e.x, n.train, n.train + n.valid),
            test: split(e.x, n.train + n.valid, task.clips.length),
          },
          { epochs: plan.probeEpochs, classes: task.classes.length },
        ),
      );
      rows.push({
        model: e.name,
        dim: e.x.shape[1]!,
        trainAccuracy: r.trainAccuracy,
        validAccuracy: r.validAccuracy,
        testAccuracy: r.testAccuracy,
        bestEpoch: r.bestEpoch,
      });
    }
    const probe = { classes: task.classes.length, sizes: n, rows };

    // 4. The report: loss curves, one masked spectrogram and both reconstructions, windows, config.
    const reportPath = join(out, "report.html");
    await clock.time("report", async () => {
      const { frames, mels } = setups.mwmae.model.input;
      const shown = n.train + n.valid; // the first test clip
      const x = rowsOf(task.logmels, shown, shown + 1);
      const noise = await realize(uniform(key(maskSeed), [1, geometry(setups.mwmae.model).patches] as const));
      const views = {
        mwmae: await reconstruct(mw.setup.model, mw.state.params, x, noise, backend),
        mae: await reconstruct(mae.setup.model, mae.state.params, x, noise, backend),
      };
      const v = views.mwmae;
      let lo = Infinity;
      let hi = -Infinity;
      for (const value of v.original) {
        lo = Math.min(lo, value);
        hi = Math.max(hi, value);
      }
      const png = (data: Float32Array, greyed?: (r: number, c: number) => boolean) =>
        pngDataUri(
          heatmapPng(data, v.rows, v.cols, { range: [lo, hi], scale: 3, flipRows: true, ...(greyed === undefined ? {} : { greyed }) }),
        );
      const curve = (o: RunOutcome, dir: string) => {
        const records = readLog(runFiles(dir).log);
        const tail = records.slice(-10);
        const last = tail.reduce((s, r) => s + r.loss, 0) / tail.length;
        return {
          markup: lossCurveSvg(records, `${modelName(o.setup.model.kind)} pre-training loss`),
          caption: `${modelName(o.setup.model.kind)}: ${o.state.step} steps of ${o.setup.train.batch} crops, mean loss over the last ${tail.length} steps ${last.toFixed(4)}, ${o.state.elapsedSeconds.toFixed(0)} s of training`,
        };
      };
      const clip = task.clips[shown]!;
      const html = demoReportHtml({
        title: `MW-MAE demo${mode === "quick" ? " (--quick)" : ""}`,
        subtitle: `${started.toISOString()}, backend ${backend.name}, ${plan.steps} pre-training steps per model. Built-in synthetic corpus; no downloads.`,
        probe,
        phases: clock.done,
        lossCurves: [curve(mw, join(out, "mwmae")), curve(mae, join(out, "mae"))],
        reconstructionNote: `Test clip ${clip.id} (standardised log-mel, ${frames} frames × ${mels} mel bins, low frequencies at the bottom). Grey: the ${v.maskedPatches} of ${geometry(setups.mwmae.model).patches} patches masked (noise seed ${maskSeed}, the same mask for both models). Reconstructions show the input where visible and the prediction in the masked patches.`,
        reconstruction: [
          { markup: png(v.original), caption: "input" },
          { markup: png(v.original, v.masked), caption: "masked input (what the encoder sees)" },
          {
            markup: png(views.mwmae.reconstruction),
            caption: `MW-MAE reconstruction (masked-patch MSE ${views.mwmae.maskedMse.toFixed(4)})`,
          },
          { markup: png(views.mae.reconstruction), caption: `MAE reconstruction (masked-patch MSE ${views.mae.maskedMse.toFixed(4)})` },
        ],
        windows: [mw.setup.model, mae.setup.model].map((cfg) => ({
          markup: windowLayoutSvg(geometry(cfg).windows, geometry(cfg).patches),
          caption: windowsCaption(cfg),
        })),
        config: {
          mode,
          backend: backend.name,
          runs: { mwmae: { dir: join(out, "mwmae"), ...mw.setup }, mae: { dir: join(out, "mae"), ...mae.setup } },
          task: { seed: taskSeed, seconds: taskSeconds, classes: task.classes, clipsPerClass: plan.perClass },
          probe: { epochs: plan.probeEpochs, embedding: "scene (mean over time of the encoder's per-frame features)" },
          randomInit: "the parameters both runs started from (seed 0)",
        },
      });
      const written = writeReport(reportPath, html);
      if (E.isLeft(written)) throw new Error(written.left);
    });
    const summary = { mode, backend: backend.name, steps: plan.steps, probe, phases: clock.done, report: reportPath };
    const saved = writeFileAtomic(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    if (E.isLeft(saved)) throw new Error(`${join(out, "summary.json")}: ${saved.left.message}`);
    process.stdout.write(
      [
        ...probeTableText(probe),
        "",
        ...phaseTableText(clock.done),
        "",
        `report: ${reportPath}`,
        `summary: ${join(out, "summary.json")}`,
        "",
      ].join("\n"),
    );
    return exitCodes.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
};

/** `mwmae demo`. */
export const demoCommand: Command = {
  name: "demo",
  usage,
  run: (argv) =>
    runCommand(demoCommand, async () => {
      const { values } = parseFlags(argv, options);
      if (values.help === true) {
        process.stdout.write(`${usage}\n`);
        return exitCodes.ok;
      }
      return run(values);
    }),
};
