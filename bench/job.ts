/**
 * @file One benchmark job: a workload on one implementation and backend. `prepare` builds what is
 * timed (compiling, uploading weights) and returns the call; `runJob` times it and turns the timing
 * into a result row.
 */

import type { BenchResult, Workload } from "./schema";
import { gflops, measure, type TimingPlan } from "./stats";

export interface Prepared {
  /** One timed call; awaited. */
  readonly call: () => unknown;
  /** Floating-point operations per call, for GFLOP/s (matmul workloads). */
  readonly flops?: number;
  /** Seconds of audio one call embeds, for throughput (embed-tiny). */
  readonly audioSeconds?: number;
  /** Kernel launches per call and peak intermediate bytes, where the backend reports them. */
  readonly launches?: number;
  readonly peakBytes?: number;
  /**
   * The WebAssembly memory the call runs in (train-step-tiny; see `BenchResult.memoryBytes`), read after
   * the timed calls so that measuring it costs no timed or compile time.
   */
  readonly memoryBytes?: () => Promise<number>;
}

export interface Job {
  readonly workload: Workload;
  readonly impl: BenchResult["impl"];
  readonly backend: string;
  readonly prepare: () => Promise<Prepared>;
  /** Timed calls when one call takes minutes (hear-downstream): overrides `--runs` (after the one warm-up call). */
  readonly runs?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Prepares and times a job; compile time is preparation plus the first call minus a steady call. */
export const runJob = async (job: Job, plan: TimingPlan): Promise<BenchResult> => {
  const t0 = performance.now();
  const prepared = await job.prepare();
  const prepareMs = performance.now() - t0;
  const timing = await measure(prepared.call, job.runs === undefined ? plan : { warmup: 0, runs: job.runs });
  const result: Mutable<BenchResult> = {
    workload: job.workload,
    impl: job.impl,
    backend: job.backend,
    medianMs: timing.medianMs,
    minMs: timing.minMs,
    maxMs: timing.maxMs,
    compileMs: Math.max(0, prepareMs + timing.firstMs - timing.medianMs),
  } as Mutable<BenchResult>;
  if (prepared.flops !== undefined) result.gflops = gflops(prepared.flops, timing.medianMs);
  if (prepared.audioSeconds !== undefined) result.audioSecondsPerSecond = prepared.audioSeconds / (timing.medianMs / 1000);
  if (prepared.launches !== undefined) result.launches = prepared.launches;
  if (prepared.peakBytes !== undefined) result.peakBytes = prepared.peakBytes;
  if (prepared.memoryBytes !== undefined) result.memoryBytes = await prepared.memoryBytes();
  return result;
};
