/**
 * @file The gpu.js backend, with the same `Backend` API as the reference interpreter: optimise the
 * graph, schedule it into fused kernels, generate gpu.js sources through the lowering table, build
 * them once (cached per backend instance by structural key) and run them. Works in Node (`cpu`,
 * `webasm`, `async`, `headlessgl` when the `gl` package is present) and in browsers (`webgl2`,
 * `webgpu`, …); the `GPU` class can be injected (a browser bundle passes the global one), else it is
 * imported from `gpu.js` on first use.
 */

import { optimize, schedule, type Program } from "../../compile/index.js";
import type { Graph } from "../../trace/index.js";
import type { Backend, Runner } from "../backend.js";
import type { Lowering } from "./lowering.js";
import { prepareProgram, type GpuLike, type KernelStats, type RuntimeConfig } from "./runtime.js";

/** gpu.js modes this backend drives; `auto` picks the fastest available here. */
export type GpujsMode = "cpu" | "webasm" | "async" | "webgl" | "webgl2" | "webgpu" | "headlessgl";

/** The static side of gpu.js's `GPU` class that mode detection reads. */
export interface GpuClass {
  new (settings: { mode: string }): GpuLike;
  readonly isWebGL2Supported?: boolean;
  readonly isHeadlessGLSupported?: boolean;
  readonly isWebGPUSupported?: boolean;
}

/** Options of `gpujs(options)`; every field is optional. */
export interface GpujsOptions {
  /** The gpu.js mode to run in; default `"auto"`, the fastest one available here. */
  readonly mode?: GpujsMode | "auto";
  /** gpu.js's `GPU` class; default: `globalThis.GPU` (the browser bundle), else `import("gpu.js")`. */
  readonly GPU?: GpuClass;
  /** Run the graph passes first (default true). */
  readonly optimize?: boolean;
  /** Fuse kernels (default true); false gives one kernel per primitive. */
  readonly fuse?: boolean;
  /** Read every kernel's output back and stop at the first NaN or ±Inf, naming the op. */
  readonly checkFinite?: boolean;
  /** Time every kernel launch into `stats.kernelMs` (GL/WebGPU launches are asynchronous: times there
   * include only the queueing). */
  readonly profile?: boolean;
  /** Replace the lowering table (tests use it to mark an op unsupported). */
  readonly lowering?: Lowering;
}

/** A gpu.js backend: the `Backend` API plus the resolved mode, cumulative kernel statistics and access to the compiled program. */
export interface GpujsBackend extends Backend {
  /** The mode actually used (`auto` resolved). */
  readonly mode: GpujsMode;
  /** Compile and launch counters, cumulative over this backend instance. */
  readonly stats: KernelStats;
  /** The program `prepare` would run for `graph` (passes, fusion, schedule, buffer plan). */
  readonly compile: (graph: Graph) => Program;
}

/** A runner that also exposes the program it runs. */
export type GpujsRunner = Runner & { readonly program: Program };

/**
 * Most buffers a kernel may read: WebGPU binds at most 8 storage buffers per shader stage by default
 * (the output is one); WebGL2 guarantees 16 texture units. The host modes have no limit.
 */
const maxInputs: Readonly<Record<GpujsMode, number | undefined>> = {
  cpu: undefined,
  webasm: undefined,
  async: undefined,
  webgl: 15,
  webgl2: 15,
  headlessgl: 15,
  webgpu: 7,
};

const pipelineModes = new Set<GpujsMode>(["webgl", "webgl2", "webgpu", "headlessgl"]);

const isNode = (): boolean => typeof process !== "undefined" && typeof process.versions?.node === "string";

/**
 * The fastest mode available: WebGPU, then WebGL2, then headless GL; else WebAssembly, on the worker
 * pool in Node (`async`: kernels of ≥ 4096 cells split across cores, 1.4–1.6× `webasm` on matmuls on
 * an idle 2-core machine per docs/gpujs-notes.md; smaller kernels stay on the calling thread).
 */
const pickMode = (GPU: GpuClass | undefined): GpujsMode => {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (!isNode() && nav?.gpu !== undefined) return "webgpu";
  if (GPU?.isWebGL2Supported === true && !isNode()) return "webgl2";
  if (GPU?.isHeadlessGLSupported === true) return "headlessgl";
  return isNode() ? "async" : "webasm";
};

/**
 * gpu.js's `GPU` class on the global object (its script-tag bundle sets it), if any. Browsers with
 * WebGPU also have a global `GPU` (WebGPU's interface, which cannot be constructed), so the global
 * counts only if it is gpu.js's: a class whose instances have `createKernel`.
 */
const globalGpu = (): GpuClass | undefined => {
  const key: string = "GPU"; // a `string`, not the literal: the DOM library types the WebGPU global
  const candidate: unknown = Reflect.get(globalThis, key);
  return typeof candidate === "function" && typeof Reflect.get(candidate.prototype as object, "createKernel") === "function"
    ? (candidate as GpuClass)
    : undefined;
};

const loadGpu = async (given: GpuClass | undefined): Promise<GpuClass> => {
  if (given !== undefined) return given;
  const global = globalGpu();
  if (global !== undefined) return global;
  const mod = (await import("gpu.js")) as unknown as { GPU?: GpuClass; default?: { GPU: GpuClass } };
  return mod.GPU ?? mod.default!.GPU;
};

/**
 * The gpu.js backend.
 * @example
 * const f = await jit(({ x, w }) => gelu(matmul(x, w)), { x: spec([8, 16]), w: spec([16, 4]) }, gpujs({ mode: "webasm" }));
 */
export const gpujs = (options: GpujsOptions = {}): GpujsBackend => {
  const requested = options.mode ?? "auto";
  const mode: GpujsMode = requested === "auto" ? pickMode(options.GPU ?? globalGpu()) : requested;
  const name = `gpujs-${mode}`;
  const stats: KernelStats = { compiles: 0, cacheHits: 0, launches: 0, kernelMs: {} };
  const cache: RuntimeConfig["cache"] = new Map();
  let gpu: GpuLike | undefined;
  const compile = (graph: Graph): Program =>
    schedule(options.optimize === false ? graph : optimize(graph), { fuse: options.fuse !== false, maxInputs: maxInputs[mode] });
  return {
    name,
    mode,
    stats,
    compile,
    prepare: async (graph: Graph): Promise<GpujsRunner> => {
      const program = compile(graph);
      if (gpu === undefined) {
        const GPU = await loadGpu(options.GPU);
        try {
          gpu = new GPU({ mode });
        } catch (e) {
          throw new Error(`${name}: gpu.js cannot run mode "${mode}" here (${e instanceof Error ? e.message : String(e)})`);
        }
      }
      const run = prepareProgram(
        {
          gpu,
          mode,
          backend: name,
          pipeline: pipelineModes.has(mode),
          lowering: options.lowering,
          checkFinite: options.checkFinite === true,
          profile: options.profile === true,
          cache,
          stats,
        },
        program,
      );
      return Object.assign((inputs: Parameters<Runner>[0]) => run(inputs), { program });
    },
  };
};
