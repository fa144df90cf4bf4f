/**
 * @file `mwmae inspect`: what a configuration is (patch grid, n, windows per decoder head), how many
 * parameters it has (encoder, decoder, total; decayed or not), what its pre-training graph looks like
 * (nodes per op, and kernels after the compiler's passes and fusion), and whether a checkpoint fits
 * it. `--json` prints the same as one JSON document.
 */

import { existsSync, readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { optimize, schedule } from "../compile/index.js";
import type { HostTensor } from "../ir/index.js";
import { decodeSafetensors } from "../io/index.js";
import {
  decodeOfficialConfig,
  geometry,
  paramCount,
  paramShapes,
  pretrainLoss,
  treeFromFlat,
  type MwmaeConfig,
} from "../models/mwmae/index.js";
import { defaultDecayMask } from "../optim/index.js";
import { size } from "../shape/index.js";
import { spec, topo, trace } from "../trace/index.js";
import { loadState, paramsFromTensors, readTensors, weightsFormat } from "../train/index.js";
import { exitCodes, parseFlags, runCommand, UsageError, type Command } from "./command.js";
import { hasModelFlags, modelOptions, modelUsage, resolveModel } from "./model-options.js";

const options = {
  ...modelOptions,
  checkpoint: { type: "string" },
  graph: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const usage = [
  "usage: mwmae inspect [model options] [--checkpoint FILE] [--graph forward|none] [--json]",
  "",
  "Prints a model's configuration, patch grid, windows per decoder head, parameter counts and a",
  "summary of its pre-training graph (nodes per op, kernels after fusion).",
  "",
  ...modelUsage,
  "",
  "options:",
  "  --checkpoint FILE      check a checkpoint against the config (this project's .safetensors or official",
  "                         Flax .msgpack); without model flags, a checkpoint that records its config is",
  "                         inspected with that config",
  "  --graph forward|none   trace the pre-training loss at batch 1 and count nodes and kernels (forward)",
  "  --json                 print JSON (parameter counts, grid, n, windows, graph, checkpoint)",
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

/** A config recorded in a checkpoint: ours (training metadata) or an official `config` entry. */
const recordedConfig = (path: string): { readonly config: MwmaeConfig; readonly step?: number } | undefined => {
  if (weightsFormat(path) !== "safetensors" || !existsSync(path)) return undefined;
  const state = loadState(path);
  if (E.isRight(state)) return { config: state.right.setup.model, step: state.right.state.step };
  const file = decodeSafetensors(new Uint8Array(readFileSync(path)), path);
  const official = E.isRight(file) ? file.right.metadata["config"] : undefined;
  if (official === undefined) return undefined;
  try {
    const cfg = decodeOfficialConfig(`${path} (metadata)`)(JSON.parse(official));
    return E.isRight(cfg) ? { config: cfg.right } : undefined;
  } catch {
    return undefined;
  }
};

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

const run = async (f: Flags): Promise<number> => {
  const graphMode = f.graph ?? "forward";
  if (graphMode !== "forward" && graphMode !== "none") throw new UsageError(`--graph: expected forward or none, got "${graphMode}"`);
  const recorded = f.checkpoint !== undefined && !hasModelFlags(f) ? recordedConfig(f.checkpoint) : undefined;
  const model = recorded !== undefined ? E.right({ config: recorded.config, source: f.checkpoint! }) : resolveModel(f);
  if (E.isLeft(model)) {
    process.stderr.write(`mwmae inspect: ${model.left}\n`);
    return exitCodes.failure;
  }
  const cfg = model.right.config;
  let checkpoint: Record<string, unknown> | undefined;
  if (f.checkpoint !== undefined) {
    const path = f.checkpoint;
    const checked = E.chain((flat: Record<string, HostTensor>) =>
      E.map(() => Object.keys(flat).length)(paramsFromTensors(cfg, flat, path)),
    )(readTensors(path));
    if (E.isLeft(checked)) {
      process.stderr.write(`mwmae inspect: ${checked.left}\n`);
      return exitCodes.failure;
    }
    checkpoint = {
      file: path,
      format: weightsFormat(path),
      tensors: checked.right,
      matchesConfig: true,
      ...(recorded?.step === undefined ? {} : { step: recorded.step }),
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
    lines.push(
      "",
      `checkpoint ${String(r.checkpoint["file"])} (${String(r.checkpoint["format"])}): ${String(r.checkpoint["tensors"])} tensors, parameters match the config${r.checkpoint["step"] === undefined ? "" : `, step ${String(r.checkpoint["step"])}`}`,
    );
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
