/**
 * @file Our backends under test: the reference interpreter, every gpu.js mode that runs in Node
 * (`headlessgl` needs the optional native `gl` package, absent here; WebGL2 and WebGPU are browser-only
 * and timed by `npm run bench:browser`), and the WebAssembly SIMD backend on one thread (`wasm-simd`) and,
 * where the machine has more than one core, on all of them (`wasm-simd-x<n>`).
 */

import { availableParallelism } from "node:os";
import { gpujs, programModule, reference, wasm, type Backend, type Graph, type WasmBackend } from "../src";
import type { Prepared } from "./job";

/** Cores for the all-thread wasm row; 1 means there is no such row. */
const cores = availableParallelism();

/** The wasm backends timed: one thread, and every core when there is more than one (once, where threads are unavailable). */
const wasmBackends = (): Backend[] => {
  const all: Backend[] = [wasm({ threads: 1 }), ...(cores > 1 ? [wasm({ threads: cores })] : [])];
  return all.filter((b, i) => all.findIndex((c) => c.name === b.name) === i);
};

export const ourBackends = async (): Promise<Backend[]> => [
  reference(),
  gpujs({ mode: "cpu" }),
  gpujs({ mode: "webasm" }),
  gpujs({ mode: "async" }),
  ...wasmBackends(),
];

/** True for our WebAssembly backend, on any number of threads (`wasm-simd`, `wasm-simd-x<n>`). */
export const isWasmBackend = (name: string): boolean => /^wasm-simd(-x\d+)?$/.test(name);

/** Backends fast enough for the model workloads by default (a training step is ~100 GFLOP): gpujs-async and every wasm row. */
export const fastBackends: ReadonlyArray<string> = ["gpujs-async", "wasm-simd", ...(cores > 1 ? [`wasm-simd-x${cores}`] : [])];

/**
 * The WebAssembly memory a graph's runner allocates on a wasm backend, pages × 64 KiB (inputs, constants,
 * every planned buffer and the kernels' scratch, one scratch area per thread); undefined on other backends.
 * Generates the module's code again, so call it outside timed work.
 */
export const wasmMemoryBytes = (backend: Backend, graph: Graph): number | undefined => {
  if (!isWasmBackend(backend.name)) return undefined;
  const b = backend as WasmBackend;
  return programModule(b.compile(graph), undefined, b.threads ?? 1).pages * 65536;
};

/** Kernel launches per call and peak intermediate bytes from the backend's compiled program, if it has one. */
export const programStats = (backend: Backend, graph: Graph): Pick<Prepared, "launches" | "peakBytes"> => {
  const compile = (backend as { compile?: (g: Graph) => { kernels: ReadonlyArray<unknown>; plan: { peakBytes: number } } }).compile;
  if (compile === undefined) return {};
  const program = compile(graph);
  return { launches: program.kernels.length, peakBytes: program.plan.peakBytes };
};
