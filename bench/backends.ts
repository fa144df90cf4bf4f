/**
 * @file Our backends under test: the reference interpreter, every gpu.js mode that runs in Node
 * (`headlessgl` needs the optional native `gl` package, absent here; WebGL2 and WebGPU are browser-only
 * and timed by `npm run bench:browser`), and the WebAssembly SIMD backend.
 */

import { gpujs, reference, wasm, type Backend, type Graph } from "../src";
import type { Prepared } from "./job";

export const ourBackends = async (): Promise<Backend[]> => [
  reference(),
  gpujs({ mode: "cpu" }),
  gpujs({ mode: "webasm" }),
  gpujs({ mode: "async" }),
  wasm(),
];

/** Backends fast enough for the model workloads by default (a training step is ~100 GFLOP). */
export const fastBackends: ReadonlyArray<string> = ["gpujs-async", "wasm-simd"];

/** Kernel launches per call and peak intermediate bytes from the backend's compiled program, if it has one. */
export const programStats = (backend: Backend, graph: Graph): Pick<Prepared, "launches" | "peakBytes"> => {
  const compile = (backend as { compile?: (g: Graph) => { kernels: ReadonlyArray<unknown>; plan: { peakBytes: number } } }).compile;
  if (compile === undefined) return {};
  const program = compile(graph);
  return { launches: program.kernels.length, peakBytes: program.plan.peakBytes };
};
