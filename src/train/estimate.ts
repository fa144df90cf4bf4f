/**
 * @file What a pre-training run will cost, said before its first step: the parameter count, the
 * checkpoint size, the peak learning rate the official recipe gives at this batch, and an estimate of
 * the time per step from the step's matmul FLOPs (counted on its traced graph, backward included)
 * at the matmul throughput measured on the chosen backend a moment before. The estimate leaves out
 * the elementwise kernels, so a real step takes longer; it is there to tell seconds from hours.
 */

import { jit, type Backend } from "../backends/index.js";
import { matmul, type Node } from "../ir/index.js";
import { paramCount, type MwmaeConfig } from "../models/mwmae/index.js";
import { spec, topo, type Graph } from "../trace/index.js";
import { peakLearningRate, type TrainConfig } from "./config.js";

/** Floating-point operations of every matmul in `graph` (2·m·n·k per batch element). */
export const matmulFlops = (graph: Pick<Graph, "outputs">): number =>
  topo(graph.outputs)
    .filter((n: Node) => n.op === "matmul")
    .reduce((total, n) => {
      const k = n.inputs[0]!.shape[n.inputs[0]!.shape.length - 1]!;
      return total + 2 * n.shape.reduce((a, d) => a * d, 1) * k;
    }, 0);

/**
 * Matmul throughput of `backend` in FLOP/s, measured on a square product of side `n` (the best of
 * `repeats` runs after one warm-up call, so compilation is not counted).
 */
export const measureMatmulRate = async (backend: Backend, n = 256, repeats = 3): Promise<number> => {
  const f = await jit(({ a, b }) => matmul(a, b), { a: spec([n, n]), b: spec([n, n]) }, backend);
  const data = new Float32Array(n * n).fill(0.5);
  const args = { a: { shape: [n, n] as const, dtype: "f32" as const, data }, b: { shape: [n, n] as const, dtype: "f32" as const, data } };
  await f(args);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await f(args);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return (2 * n * n * n) / Math.max(best, 1e-9);
};

/** What `mwmae pretrain` prints before its first step. */
export interface RunEstimate {
  /** Parameters of the model (scalars, the fixed position tables included). */
  readonly params: number;
  /** Bytes of one checkpoint: parameters and both AdamW moments in float32 (metadata not counted). */
  readonly checkpointBytes: number;
  /** Matmul FLOPs of one training step (forward, backward and update). */
  readonly stepFlops: number;
  /** Seconds per step at the measured matmul rate: a lower bound (elementwise work left out). */
  readonly secondsPerStep: number;
  /** The peak learning rate the schedule reaches: base × batch / 256, the official scaling rule. */
  readonly peakLr: number;
}

/**
 * The estimate for a run of `model` with `train`, from its traced training step and the matmul rate
 * measured on `backend`.
 * @example
 * const e = await estimateRun(cfg, train, step.graph, wasm());
 * console.log(formatEstimate(e)); // "92.8M parameters, checkpoint 1.11 GB, …"
 */
export const estimateRun = async (
  model: MwmaeConfig,
  train: TrainConfig,
  stepGraph: Pick<Graph, "outputs">,
  backend: Backend,
): Promise<RunEstimate> => {
  const params = paramCount(model).scalars;
  const stepFlops = matmulFlops(stepGraph);
  const rate = await measureMatmulRate(backend);
  return { params, checkpointBytes: params * 4 * 3, stepFlops, secondsPerStep: stepFlops / rate, peakLr: peakLearningRate(train) };
};

const si = (x: number, unit: string): string =>
  x >= 1e9
    ? `${(x / 1e9).toFixed(2)} G${unit}`
    : x >= 1e6
      ? `${(x / 1e6).toFixed(1)} M${unit}`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} k${unit}`
        : `${x} ${unit}`;

const duration = (s: number): string =>
  s >= 3600
    ? `${(s / 3600).toFixed(1)} h`
    : s >= 60
      ? `${(s / 60).toFixed(1)} min`
      : s >= 1
        ? `${s.toFixed(1)} s`
        : s >= 1e-3
          ? `${(s * 1000).toFixed(0)} ms`
          : `${(s * 1e6).toFixed(0)} µs`;

/**
 * One line per fact, for stderr. Below a peak learning rate of 1e-5 it adds a warning: the official
 * recipe scales the base rate by batch/256, so a small batch trains very slowly unless `--base-lr` is
 * raised (the demo does: it fixes the peak instead).
 */
export const formatEstimate = (e: RunEstimate, steps: number): string[] => [
  `${si(e.params, "").replace(" ", "")} parameters; a checkpoint holds them and both AdamW moments: ${si(e.checkpointBytes, "B")}`,
  `${si(e.stepFlops, "FLOP")} of matmuls per step: at least ${duration(e.secondsPerStep)} per step here, ${duration(e.secondsPerStep * steps)} for ${steps} steps (elementwise work not counted)`,
  `peak learning rate ${e.peakLr.toPrecision(3)} (base × batch/256, the official rule)${
    e.peakLr < 1e-5 ? ": small enough that the loss will barely move in a short run; raise --base-lr (the demo's peak is 1e-3)" : ""
  }`,
];
