/**
 * @file `npm run bench`: times every workload on the reference backend, every gpu.js Node mode, the
 * WebAssembly SIMD backend, the hand-tuned gpu.js matmul kernels, and TensorFlow.js-WebAssembly, in one
 * process and one run, so ratios are comparable. Prints a table (or, with --json, one `BenchReport` object on stdout); progress and
 * failures go to stderr, and any failed job makes the exit code 1.
 */

import * as E from "fp-ts/lib/Either.js";
import { fastBackends, isWasmBackend, ourBackends } from "./backends";
import { runJob, type Job } from "./job";
import { machine } from "./machine";
import { parseBenchOptions, usage, type BenchOptions } from "./options";
import { workloads, type BenchReport, type BenchResult, type Workload } from "./schema";
import { formatTable } from "./table";
import { destroyKernelGpus, kernelMatmulJob } from "./workloads/kernels";
import { downstreamJob } from "./workloads/downstream";
import { modelJobs } from "./workloads/model";
import { ourAttentionJobs, ourMatmulJob } from "./workloads/ours";
import { initTfjs, tfjsAttentionJobs, tfjsMatmulJob } from "./workloads/tfjs";
import { tfjsTrainStepJob } from "./workloads/tfjs-mwmae";

const matmulSizes = [
  ["matmul-256", 256],
  ["matmul-512", 512],
  ["matmul-1024", 1024],
] as const;

/** Every job, in report order: per workload, the peer first, then ours. */
const plan = async (options: BenchOptions): Promise<Job[]> => {
  const backends = await ourBackends();
  const matmul = matmulSizes.flatMap(([workload, n]): Job[] => [
    tfjsMatmulJob(workload, n),
    ...backends.map((b) => ourMatmulJob(workload, n, b)),
    ...(options.quick
      ? [kernelMatmulJob(workload, n, "webasm", "rows4u4")]
      : [
          kernelMatmulJob(workload, n, "webasm", "naive"),
          kernelMatmulJob(workload, n, "webasm", "rows4"),
          kernelMatmulJob(workload, n, "webasm", "rows4u4"),
          kernelMatmulJob(workload, n, "cpu", "rows4u4"),
          kernelMatmulJob(workload, n, "async", "rows4u4"),
        ]),
  ]);
  const attention = [...tfjsAttentionJobs(options.quick), ...backends.flatMap((b) => ourAttentionJobs(b, options.quick))];
  // A training step is ~100 GFLOP: minutes per call below 1 GFLOP/s, so by default only the fastest
  // backends run the model workloads (--quick: only when named by --only); --slow runs them everywhere.
  const modelsRun = !(options.quick && options.only.length === 0);
  const modelBackends = modelsRun ? backends.filter((b) => options.slow || fastBackends.includes(b.name)) : [];
  const model = [...(modelsRun ? [tfjsTrainStepJob(options.quick)] : []), ...modelBackends.flatMap((b) => modelJobs(b, options.quick))];
  // One grid search is minutes on the fastest backend: wasm only (one thread and all), and with --quick only when named.
  const downstream = modelsRun ? backends.filter((b) => isWasmBackend(b.name)).map(downstreamJob) : [];
  const all = [...matmul, ...attention, ...model, ...downstream];
  const order = (w: Workload) => workloads.indexOf(w);
  return all
    .filter((j) => options.only.length === 0 || options.only.includes(j.workload))
    .sort((a, b) => order(a.workload) - order(b.workload));
};

const main = async (): Promise<number> => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const parsed = parseBenchOptions(argv);
  if (E.isLeft(parsed)) {
    process.stderr.write(`${parsed.left}\n`);
    return 2;
  }
  const options = parsed.right;
  await initTfjs();
  const jobs = await plan(options);
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const job of jobs) {
    const label = `${job.workload} ${job.impl} ${job.backend}`;
    try {
      const r = await runJob(job, { warmup: 1, runs: options.runs });
      results.push(r);
      process.stderr.write(`${label}: median ${r.medianMs.toFixed(1)} ms\n`);
    } catch (e) {
      failures.push(`${label}: ${(e as Error).message.split("\n")[0]}`);
      process.stderr.write(`${label}: FAILED ${(e as Error).stack ?? e}\n`);
    }
  }
  await destroyKernelGpus();
  const report: BenchReport = { machine: machine(), results };
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${formatTable(report, "npm run bench")}\n`);
  if (failures.length > 0) process.stderr.write(`\n${failures.length} job(s) failed:\n${failures.join("\n")}\n`);
  return failures.length > 0 ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
