/**
 * @file `mwmae inspect`: what a configuration is (patch grid, n, windows per decoder head), how many
 * parameters it has (encoder, decoder, total; decayed or not), what its pre-training graph looks like
 * (nodes per op, and kernels after the compiler's passes and fusion), and whether a checkpoint fits
 * it. `--json` prints the same as one JSON document.
 */

import * as E from "fp-ts/lib/Either.js";
import { optimize, schedule } from "../compile/index.js";
import type { HostTensor } from "../ir/index.js";
import { describeNonFinite, firstNonFinite } from "../io/index.js";
import {
  decodeOfficialConfig,
  geometry,
  paramCount,
  paramShapes,
  pretrainLoss,
  treeFromFlat,
  showConfigError,
  type MwmaeConfig,
} from "../models/mwmae/index.js";
import { defaultDecayMask } from "../optim/index.js";
import { size } from "../shape/index.js";
import { spec, topo, trace } from "../trace/index.js";
import { loadState, paramsFromTensors, readWeightsFile, type WeightsFile } from "../train/index.js";
import { exitCodes, parseFlags, pathFlag, runCommand, UsageError, type Command } from "./command.js";
import { hasModelFlags, modelOptions, modelUsage, resolveModel } from "./model-options.js";

const options = {
  ...modelOptions,
  checkpoint: { type: "string" },
  graph: { type: "string" },
  json: { type: "boolean" },
  "allow-non-finite": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const usage = [
  "usage: mwmae inspect [model options] [--checkpoint PATH] [--graph forward|none] [--json]",
  "",
  "Prints a model's configuration, patch grid, windows per decoder head, parameter counts and a",
  "summary of its pre-training graph (nodes per op, kernels after fusion).",
  "",
  ...modelUsage,
  "",
  "options:",
  "  --checkpoint PATH      check a checkpoint against the config, format told by content (this project's",
  "                         safetensors or run folder, an official Flax msgpack: bare or the trainer's TrainState,",
  "                         a trainer work folder, a checkpoint_<step>/ folder); without model flags, one that records its config is",
  "                         inspected with that config",
  "  --graph forward|none   trace the pre-training loss at batch 1 and count nodes and kernels (forward)",
  "  --json                 print JSON (parameter counts, grid, n, windows, graph, checkpoint)",
  "  --allow-non-finite     accept a checkpoint holding NaN or infinities (refused by default, naming the tensor)",
  "  -h, --help             show this help",
  "",
  "exit codes: 0 ok, 1 unreadable or mismatched checkpoint/config file, 2 bad usage or config values",
].join("\n");

/** Encoder-side parameters: the patch embedding, class token, encoder positions, blocks and norm. */
const isEncoderPath = (path: string): boolean => /^(patch_embed|cls_token|pos_embed|encoder_)/.test(path);

/** Parameter counts by part, as the official code counts them (sin-cos tables included). */
export const parameterSummary = (cfg: MwmaeConfig) => {
  const shapes = paramShapes(cfg);
  const sum = (keep: (path: string) => boolean) => shapes.reduce((n, [p, s]) => n + (keep(p) ? size(s) : 0), 0);
  const count = paramCount(cfg);
  return {
    encoder: sum(isEncoderPath),
    decoder: sum((p) => !isEncoderPath(p)),
    total: count.scalars,
    tensors: count.tensors,
    positionTables: count.positionScalars,
    decayed: sum(defaultDecayMask),
    notDecayed: sum((p) => !defaultDecayMask(p)),
  };
};

/** Each decoder head: its window (0 = global), how many windows tile the n patches, its bias entries. */
export const headSummary = (cfg: MwmaeConfig) => {
  const g = geometry(cfg);
  return g.windows.map((w, head) => ({
    head,
    window: w,
    global: w === 0 || w === g.patches,
    windows: w === 0 ? 1 : g.patches / w,
    biasEntries: w === 0 ? 0 : 2 * w - 1,
  }));
};

/** Nodes per op of the pre-training loss at batch 1, and kernels after passes and fusion. */
export const graphSummary = (cfg: MwmaeConfig) => {
  const g = geometry(cfg);
  const params = treeFromFlat(Object.fromEntries(paramShapes(cfg).map(([path, shape]) => [path, spec(shape)])));
  const graph = trace(({ p, x, noise }) => pretrainLoss(cfg)(p as never, x, noise), {
    p: params,
    x: spec([1, cfg.input.frames, cfg.input.mels] as readonly [number, number, number]),
    noise: spec([1, g.patches] as readonly [number, number]),
  });
  const nodes = topo(graph.outputs);
  const byOp: Record<string, number> = {};
  for (const n of nodes) byOp[n.op] = (byOp[n.op] ?? 0) + 1;
  const sorted = Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return {
    batch: 1,
    what: "pre-training loss (forward)",
    nodes: nodes.length,
    byOp: sorted,
    kernels: schedule(optimize(graph)).kernels.length,
  };
};

/**
 * A config recorded in a checkpoint: ours (training metadata) or an official `config` entry; undefined
 * when it records none. A recorded config that does not decode is an error, never a silent fallback.
 */
const recordedConfig = (w: WeightsFile): E.Either<string, { readonly config: MwmaeConfig; readonly step?: number } | undefined> => {
  if (w.stateDict.format !== "safetensors") return E.right(undefined);
  const state = loadState(w.file);
  if (E.isRight(state)) return E.right({ config: state.right.setup.model, step: state.right.state.step });
  if (w.stateDict.metadata["mwmae"] !== undefined)
    return E.left(`the training record in its metadata does not load: ${state.left} (give model flags to inspect its tensors)`);
  const official = w.stateDict.metadata["config"];
  if (official === undefined) return E.right(undefined);
  let json: unknown;
  try {
    json = JSON.parse(official);
  } catch (e) {
    return E.left(`${w.file}: the config in its metadata is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const cfg = decodeOfficialConfig(`${w.file} (metadata)`)(json);
  return E.isRight(cfg) ? E.right({ config: cfg.right }) : E.left(`the config in its metadata: ${showConfigError(cfg.left)}`);
};

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

const run = async (f: Flags): Promise<number> => {
  const graphMode = f.graph ?? "forward";
  if (graphMode !== "forward" && graphMode !== "none") throw new UsageError(`--graph: expected forward or none, got "${graphMode}"`);
  const checkpointPath = pathFlag("checkpoint", f.checkpoint);
  const weights = checkpointPath === undefined ? undefined : readWeightsFile(checkpointPath);
  if (weights !== undefined && E.isLeft(weights)) {
    process.stderr.write(`mwmae inspect: ${weights.left}\n`);
    return exitCodes.failure;
  }
  const w = weights?.right;
  const found = w !== undefined && !hasModelFlags(f) ? recordedConfig(w) : E.right(undefined);
  if (E.isLeft(found)) {
    process.stderr.write(`mwmae inspect: ${found.left}\n`);
    return exitCodes.failure;
  }
  const recorded = found.right;
  const model = recorded !== undefined ? E.right({ config: recorded.config, source: w!.file }) : resolveModel(f);
  if (E.isLeft(model)) {
    process.stderr.write(`mwmae inspect: ${model.left}\n`);
    return exitCodes.failure;
  }
  const cfg = model.right.config;
  let checkpoint: Record<string, unknown> | undefined;
  if (w !== undefined) {
    const flat: Record<string, HostTensor> = { ...w.stateDict.tensors };
    const checked = paramsFromTensors(cfg, flat, w.file);
    if (E.isLeft(checked)) {
      process.stderr.write(`mwmae inspect: ${checked.left}\n`);
      return exitCodes.failure;
    }
    const bad = f["allow-non-finite"] === true ? undefined : firstNonFinite(flat);
    if (bad !== undefined) {
      process.stderr.write(`mwmae inspect: ${w.file}: ${describeNonFinite(bad)}: refused (--allow-non-finite to inspect it anyway)\n`);
      return exitCodes.failure;
    }
    const ts = w.stateDict.trainState;
    const step = ts?.step ?? recorded?.step;
    checkpoint = {
      file: w.file,
      ...(w.how === "" ? {} : { chosen: w.how }),
      format: ts === undefined ? w.stateDict.format : "flax-msgpack, the official trainer's TrainState",
      tensors: Object.keys(flat).length,
      matchesConfig: true,
      ...(step === undefined ? {} : { step }),
      ...(ts === undefined ? {} : { resumable: E.isRight(ts.optimizer) ? true : ts.optimizer.left }),
      ...(w.stateDict.ignored.length === 0 ? {} : { notUsed: w.stateDict.ignored }),
    };
  }
  const g = geometry(cfg);
  const report = {
    source: model.right.source,
    config: cfg,
    grid: g.grid,
    n: g.patches,
    keep: g.keep,
    patchValues: g.patchValues,
    decoderWindows: g.windows,
    heads: headSummary(cfg),
    params: parameterSummary(cfg),
    ...(graphMode === "forward" ? { graph: graphSummary(cfg) } : {}),
    ...(checkpoint === undefined ? {} : { checkpoint }),
  };
  process.stdout.write(f.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${describe(report)}\n`);
  return exitCodes.ok;
};

const grouped = (n: number): string => n.toLocaleString("en-US");

/** The readable report. */
const describe = (r: {
  source: string;
  config: MwmaeConfig;
  grid: readonly [number, number];
  n: number;
  keep: number;
  patchValues: number;
  heads: ReturnType<typeof headSummary>;
  params: ReturnType<typeof parameterSummary>;
  graph?: ReturnType<typeof graphSummary>;
  checkpoint?: Record<string, unknown>;
}): string => {
  const c = r.config;
  const lines = [
    `${c.kind === "mwmae" ? "MW-MAE" : "MAE"} (${r.source})`,
    `  input ${c.input.frames}×${c.input.mels} log-mel, patches ${c.patch.time}×${c.patch.freq} → grid ${r.grid[0]}×${r.grid[1]}, n = ${r.n} patches of ${r.patchValues} values`,
    `  masking ${c.maskRatio}: ${r.keep} visible, ${r.n - r.keep} masked${c.useClsToken ? "; class token" : ""}`,
    `  encoder ${c.encoder.dim}/${c.encoder.depth}/${c.encoder.heads} (width/depth/heads), decoder ${c.decoder.dim}/${c.decoder.depth}/${c.decoder.heads}, MLP ratio ${c.mlpRatio}`,
    "",
    "decoder heads (every block):",
    ...r.heads.map((h) =>
      h.global
        ? `  head ${h.head}: global (all ${r.n} patches)`
        : `  head ${h.head}: window ${h.window} → ${h.windows} windows, ${h.biasEntries} relative-position biases`,
    ),
    "",
    "parameters (official count, sin-cos tables included):",
    `  encoder ${grouped(r.params.encoder)}   decoder ${grouped(r.params.decoder)}   total ${grouped(r.params.total)} in ${r.params.tensors} tensors`,
    `  weight decay on ${grouped(r.params.decayed)}; none on ${grouped(r.params.notDecayed)} (biases, norms, tokens, position tables, bias tables)`,
  ];
  if (r.graph !== undefined) {
    const ops = Object.entries(r.graph.byOp).map(([op, n]) => `${op} ${n}`);
    lines.push(
      "",
      `graph: ${r.graph.what}, batch ${r.graph.batch}: ${r.graph.nodes} nodes, ${r.graph.kernels} kernels after passes and fusion`,
    );
    for (let i = 0; i < ops.length; i += 8) lines.push(`  ${ops.slice(i, i + 8).join(", ")}`);
  }
  if (r.checkpoint !== undefined) {
    const ck = r.checkpoint;
    lines.push(
      "",
      `checkpoint ${String(ck["file"])} (${String(ck["format"])}): ${String(ck["tensors"])} tensors, parameters match the config${ck["step"] === undefined ? "" : `, step ${String(ck["step"])}`}`,
    );
    if (ck["chosen"] !== undefined) lines.push(`  chosen: ${String(ck["chosen"])}`);
    if (ck["resumable"] !== undefined)
      lines.push(
        ck["resumable"] === true
          ? "  optimiser state: optax.adamw, matches the parameters (resumable with pretrain --resume-from)"
          : `  optimiser state: ${String(ck["resumable"])}: usable for embedding, not for resuming`,
      );
    if (ck["notUsed"] !== undefined) lines.push(`  not used: ${(ck["notUsed"] as string[]).join(", ")}`);
  }
  return lines.join("\n");
};

/** `mwmae inspect`. */
export const inspectCommand: Command = {
  name: "inspect",
  usage,
  run: (argv) =>
    runCommand(inspectCommand, async () => {
      const { values } = parseFlags(argv, options);
      if (values.help === true) {
        process.stdout.write(`${usage}\n`);
        return exitCodes.ok;
      }
      return run(values);
    }),
};
