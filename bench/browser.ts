/**
 * @file `npm run bench:browser`: the matmul workloads on gpu.js's WebGL2 and WebGPU backends in headless
 * Chromium, through our compiler (`gpujs-<mode>`) and as the hand-tuned kernels (`gpujs-<mode>/<variant>`). There is no GPU here: SwiftShader emulates both on the CPU, so these figures say what the
 * kernels cost under emulation (every backend label says so), not what a GPU would do. Options as
 * `npm run bench` (only the matmul workloads apply; matmul-1024 only when named with --only), and
 * `explorer-page`: the explorer with its shipped models on webgpu, webgl2 and wasm, the time from
 * page load to the first reconstruction and one forward pass of each model.
 */

import * as E from "fp-ts/lib/Either.js";
import type { MatmulVariant } from "../src/backends/gpujs/matmul-kernels";
import { openPage } from "../test/browser/harness";
import { settled, snapshot, startExplorer } from "../test/explorer/page";
import type { BackendApi, GraphTiming } from "../test/browser/backend-page";
import type { KernelsApi, MatmulRun, PageInfo } from "../test/browser/kernels-page";
import { machine } from "./machine";
import { parseBenchOptions } from "./options";
import type { BenchReport, BenchResult, Workload } from "./schema";
import { gflops, median } from "./stats";
import { formatTable } from "./table";
import { uniform } from "../test/support/uniform";

type Page = { readonly kernels: KernelsApi; readonly backend: BackendApi };

const emulated = "(SwiftShader, emulated)";

const sizes: ReadonlyArray<readonly [Workload, number]> = [
  ["matmul-256", 256],
  ["matmul-512", 512],
  ["matmul-1024", 1024],
];

/**
 * The explorer page with its shipped models on each backend: the time from navigation to the first
 * reconstruction, then `runs` re-draws of the mask, each one forward pass of both models (the MW-MAE's
 * time is the result; the MAE's is printed beside it).
 */
const explorerResults = async (runs: number): Promise<BenchResult[]> => {
  const explorer = await startExplorer();
  const results: BenchResult[] = [];
  try {
    for (const choice of ["webgpu", "webgl2", "wasm"] as const) {
      const { page } = await explorer.open(choice);
      const first = await snapshot(page);
      const mwmae: number[] = [];
      const mae: number[] = [];
      for (let i = 0; i < runs; i++) {
        await page.click("#redraw");
        await settled(page);
        const s = await snapshot(page);
        mwmae.push(s.models.mwmae.forwardMs);
        mae.push(s.models.mae.forwardMs);
      }
      await page.close();
      const label = choice === "wasm" ? "wasm" : `gpujs-${choice} ${emulated}`;
      results.push({
        workload: "explorer-page",
        impl: "mwmae-ts",
        backend: label,
        medianMs: median(mwmae),
        minMs: Math.min(...mwmae),
        maxMs: Math.max(...mwmae),
        firstReconstructionMs: first.firstReconstructionMs,
      });
      process.stderr.write(
        `explorer-page ${label}: first reconstruction ${first.firstReconstructionMs.toFixed(0)} ms after load; forward MW-MAE median ${median(mwmae).toFixed(0)} ms, MAE ${median(mae).toFixed(0)} ms\n`,
      );
    }
  } finally {
    await explorer.close();
  }
  return results;
};

const main = async (): Promise<number> => {
  const parsed = parseBenchOptions(process.argv.slice(2));
  if (E.isLeft(parsed)) {
    process.stderr.write(`${parsed.left}\n`);
    return 2;
  }
  const options = parsed.right;
  // matmul-1024 takes minutes per call on emulated WebGL2, so it runs only when named with --only.
  const defaults: ReadonlyArray<Workload> = options.quick ? ["matmul-256"] : ["matmul-256", "matmul-512"];
  const chosen = sizes.filter(([w]) => (options.only.length === 0 ? defaults : options.only).includes(w));
  const variants: ReadonlyArray<MatmulVariant> = options.quick ? ["rows4u4"] : ["naive", "rows4u4"];
  const browser = await openPage(new URL("../test/browser/backend-page.ts", import.meta.url).pathname);
  const results: BenchResult[] = [];
  try {
    const info: PageInfo = await browser.page.evaluate(() => (globalThis as unknown as Page).kernels.info());
    process.stderr.write(`${info.userAgent}\n${info.renderer}\n`);
    for (const [workload, n] of chosen) {
      const a = uniform(n * n, 1);
      const b = uniform(n * n, 2);
      for (const mode of ["webgl2", "webgpu"] as const) {
        const compiled: GraphTiming = await browser.page.evaluate(
          ([m, size, x, y, runs]) => (globalThis as unknown as Page).backend.timeMatmul(m, size, x, y, runs),
          [mode, n, a, b, options.runs] as const,
        );
        const compiledMedian = median(compiled.timesMs);
        results.push({
          workload,
          impl: "mwmae-ts",
          backend: `gpujs-${mode} ${emulated}`,
          medianMs: compiledMedian,
          minMs: Math.min(...compiled.timesMs),
          maxMs: Math.max(...compiled.timesMs),
          gflops: gflops(2 * n ** 3, compiledMedian),
          launches: compiled.launches,
          compileMs: Math.max(0, compiled.firstMs - compiledMedian),
          peakBytes: compiled.peakBytes,
        });
        process.stderr.write(`${workload} gpujs-${mode}: median ${compiledMedian.toFixed(1)} ms\n`);
        for (const variant of variants) {
          const spec = { m: n, k: n, n, variant };
          const run: MatmulRun = await browser.page.evaluate(
            ([m, s, x, y, timed]) => (globalThis as unknown as Page).kernels.matmul(m, s, x, y, timed),
            [mode, spec, a, b, options.runs] as const,
          );
          const medianMs = median(run.timesMs);
          const flops = 2 * n ** 3;
          results.push({
            workload,
            impl: "mwmae-ts",
            backend: `gpujs-${mode}/${variant} ${emulated}`,
            medianMs,
            minMs: Math.min(...run.timesMs),
            maxMs: Math.max(...run.timesMs),
            gflops: gflops(flops, medianMs),
            launches: 1,
            compileMs: Math.max(0, run.firstMs - medianMs),
          });
          process.stderr.write(`${workload} ${mode} ${variant} (${run.kernelClass}): median ${medianMs.toFixed(1)} ms\n`);
        }
      }
    }
  } finally {
    await browser.close();
  }
  if (options.only.length === 0 || options.only.includes("explorer-page"))
    results.push(...(await explorerResults(options.quick ? 1 : options.runs)));
  const report: BenchReport = { machine: machine(), results };
  process.stdout.write(
    options.json ? `${JSON.stringify(report)}\n` : `${formatTable(report, "npm run bench:browser (SwiftShader, emulated on the CPU)")}\n`,
  );
  return 0;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench:browser: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
