/**
 * @file The benchmark's output, as an io-ts codec: what `npm run bench -- --json` prints and what the
 * CI smoke test decodes. Workload and implementation names are closed sets; timings are non-negative.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { PathReporter } from "io-ts/lib/PathReporter.js";

/** The workloads, as named in issue 4. */
export const Workload = t.keyof({
  "matmul-256": null,
  "matmul-512": null,
  "matmul-1024": null,
  "mha-fwd-bwd": null,
  "mwmha-fwd-bwd": null,
  "train-step-tiny": null,
  "embed-tiny": null,
  "embed-base": null,
  "hear-downstream": null,
  "explorer-page": null,
});
export type Workload = t.TypeOf<typeof Workload>;
export const workloads = Object.keys(Workload.keys) as Workload[];

/** A finite number ≥ 0 (typed as a plain number: the bench builds these values itself). */
const NonNegative = new t.Type<number, number, unknown>(
  "NonNegative",
  (u): u is number => typeof u === "number" && Number.isFinite(u) && u >= 0,
  (u, c) => (typeof u === "number" && Number.isFinite(u) && u >= 0 ? t.success(u) : t.failure(u, c, "expected a finite number ≥ 0")),
  t.identity,
);

export const BenchResult = t.intersection([
  t.type({
    workload: Workload,
    /** Ours or the peer library. */
    impl: t.keyof({ "mwmae-ts": null, tfjs: null }),
    /** The backend as it names itself (`reference-f32`, `gpujs-webasm`, `gpujs-webasm/rows4u4`, `wasm`…). */
    backend: t.string,
    medianMs: NonNegative,
    minMs: NonNegative,
    maxMs: NonNegative,
  }),
  t.partial({
    /** Matmul workloads: 2·m·k·n / median. */
    gflops: NonNegative,
    /** Kernel launches per call, where the backend counts them. */
    launches: NonNegative,
    /** Time of preparing the graph plus the first call, minus a steady call. */
    compileMs: NonNegative,
    /** Peak bytes of intermediate buffers, where the backend plans them. */
    peakBytes: NonNegative,
    /**
     * train-step-tiny: bytes of the WebAssembly memory the step runs in. Ours (wasm backends): the compiled
     * step's memory, pages × 64 KiB (inputs, constants, every planned buffer and the kernels' scratch;
     * allocated once, when the step is prepared). tfjs: its wasm backend's heap, where all its tensors
     * live, after the step's calls; a heap only grows, so this is the most tfjs has held at once in the
     * process (the training step dominates every other workload's).
     */
    memoryBytes: NonNegative,
    /** Seconds of audio per second of compute (embed-tiny, embed-base). */
    audioSecondsPerSecond: NonNegative,
    /** The explorer page: from navigation to its first reconstruction of both models (kernel builds included). */
    firstReconstructionMs: NonNegative,
  }),
]);
export type BenchResult = t.TypeOf<typeof BenchResult>;

export const BenchReport = t.type({
  machine: t.type({ cpu: t.string, cores: NonNegative, node: t.string, platform: t.string }),
  results: t.array(BenchResult),
});
export type BenchReport = t.TypeOf<typeof BenchReport>;

/** Decodes a report and checks min ≤ median ≤ max per result; errors name the path. */
export const decodeBenchReport = (json: unknown): E.Either<string[], BenchReport> =>
  pipe(
    BenchReport.decode(json),
    E.mapLeft((errors) => PathReporter.report(E.left(errors))),
    E.chain((report) => {
      const bad = report.results.filter((r) => !(r.minMs <= r.medianMs && r.medianMs <= r.maxMs));
      return bad.length === 0 ? E.right(report) : E.left(bad.map((r) => `${r.workload}/${r.impl}/${r.backend}: min ≤ median ≤ max fails`));
    }),
  );
