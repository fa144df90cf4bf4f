/**
 * @file The WebAssembly SIMD backend, with the same `Backend` API as the reference interpreter: the
 * compiler's pipeline (passes, fusion, kernels, schedule, buffer plan), then ONE WebAssembly module per
 * graph with one function per distinct kernel (`program-module.ts`), all working on one
 * `WebAssembly.Memory` laid out by the buffer plan (inputs and constants first, then the plan's
 * reusable slots, then each kernel's argument table). A run copies the inputs in, calls
 * the kernels in schedule order and copies the outputs out. Generated modules are cached by the
 * program's structural hash (`programHash`): in memory per backend instance, and in a `CodeStore` when
 * one is given (Node: a folder on disk), so preparing the same graph again, in this process or the
 * next, generates no code.
 */

import { optimize, programHash, schedule, type Program } from "../../compile/index.js";
import type { Data, DType, HostTensor, Node } from "../../ir/index.js";
import type { Graph } from "../../trace/index.js";
import { NonFiniteError, type Backend, type Runner } from "../backend.js";
import { decodeEntry, encodeEntry, type CachedModule, type CodeStore } from "./code-cache.js";
import { optimizeWasmEagerly, relaxedSimd, wasmSimd } from "./features.js";
import { mathImports, wasmLowering, wasmRelaxedLowering, type WasmLowering } from "./lowering.js";
import { memoryLayout, programModule, writeArguments, type MemoryLayout } from "./program-module.js";
import { startPool, threadSupport, type Pool } from "./threads.js";

export { memoryLayout, programModule, splitWork, WasmMemoryError, type MemoryLayout, type ProgramModule } from "./program-module.js";

/** Options of `wasm(options)`; every field is optional. */
export interface WasmOptions {
  /** Run the graph passes first (default true). */
  readonly optimize?: boolean;
  /** Fuse kernels (default true); false gives one kernel per primitive. */
  readonly fuse?: boolean;
  /** Check every kernel's output and stop at the first NaN or ±Inf, naming the op. */
  readonly checkFinite?: boolean;
  /** Time every kernel call into `stats.kernelMs`. */
  readonly profile?: boolean;
  /** Replace the lowering table. */
  readonly lowering?: WasmLowering;
  /**
   * Use relaxed SIMD (`f32x4.relaxed_madd`, a fused multiply-add on x86 with FMA and on ARM) where the engine has it (default: where
   * `relaxedSimd()` says it does: Chromium ≥ 114, Node with `--experimental-wasm-relaxed-simd`); false keeps plain SIMD.
   */
  readonly relaxed?: boolean;
  /**
   * Emit WebAssembly SIMD (default: where `wasmSimd()` says the engine has it, and said once through `onNote` where it has not);
   * false gives scalar code only: the same kernels, one float per instruction.
   */
  readonly simd?: boolean;
  /**
   * Node: have V8 compile WebAssembly with its optimising tier from the first call (default true; `optimizeWasmEagerly`: V8's
   * `--no-liftoff`, set once for the process). False leaves V8's tiering alone: first calls of each kernel then run baseline code.
   */
  readonly eager?: boolean;
  /**
   * Threads (default `"all"`: every core, `os.availableParallelism()`): kernels with enough work (`splitWork`) split their outer tile
   * loop across `threads − 1` worker threads and the calling thread, on one shared memory. Results are bit-identical for any count.
   * Where threads are unavailable (a browser, Node before 20.16: see `threadSupport`) the backend runs on one thread and says so once
   * through `onNote`.
   */
  readonly threads?: number | "all";
  /** Told once per process when the backend cannot have the threads it was asked for (default `console.info`). */
  readonly onNote?: (line: string) => void;
  /**
   * Where generated modules persist between processes (Node: `diskCodeStore()` from `mwmae-ts/node`, a folder on disk). Entries are keyed
   * by the program's structural hash; one that is corrupt, truncated or stale is regenerated and overwritten. Not used with `lowering`.
   */
  readonly store?: CodeStore;
}

/** Module and call counters of one WebAssembly backend instance, cumulative over every graph it prepared. */
export interface WasmStats {
  /** Modules compiled by WebAssembly. */
  compiles: number;
  /** Modules answered from the cache (this instance's memory). */
  cacheHits: number;
  /** Programs whose code was generated (a miss in memory and in the store). */
  generated: number;
  /** Milliseconds spent generating code, summed. */
  generateMs: number;
  /** Programs whose module came from the `store` (no code generated). */
  storeHits: number;
  /** Store entries found but not trusted (corrupt, truncated, stale), with why; each was regenerated and overwritten. */
  readonly rejected: string[];
  /** Kernel calls so far. */
  launches: number;
  /** Of those, calls split across threads. */
  splitLaunches: number;
  /** With `profile`: milliseconds per kernel name, summed over calls. */
  readonly kernelMs: Record<string, number>;
}

/** The WebAssembly SIMD backend: the `Backend` API, with runners that expose their program and module, and cumulative statistics. */
export interface WasmBackend extends Backend {
  /** Compiles `graph` to one WebAssembly module (cached by its bytes) and resolves to its runner. */
  readonly prepare: (graph: Graph) => Promise<WasmRunner>;
  /** Compile and call counters, cumulative over this backend instance. */
  readonly stats: WasmStats;
  /** The program `prepare` would run for `graph`. */
  readonly compile: (graph: Graph) => Program;
  /** Threads kernels are split across (1: the calling thread only). */
  readonly threads: number;
  /** Stops the backend's worker threads (they never keep Node alive either way); a later `prepare` starts new ones. */
  readonly close: () => Promise<void>;
}

/** A runner that also exposes its program and its module's bytes; `close` stops its worker threads. */
export type WasmRunner = Runner & {
  readonly program: Program;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Drops the runner's program from the backend's worker threads (nothing to do with one thread). */
  readonly close: () => Promise<void>;
};

const fromFloat32 = (d: Float32Array, dtype: DType): Data =>
  dtype === "f32" ? d : dtype === "i32" ? Int32Array.from(d) : Uint8Array.from(d);

let threadsNoted = false;
let simdNoted = false;

/** Whether the engine has WebAssembly SIMD; where it has not, said once per process. */
const hasSimd = (options: WasmOptions): boolean => {
  const ok = wasmSimd();
  if (!ok && !simdNoted) {
    simdNoted = true;
    (options.onNote ?? console.info)(
      "wasm: this engine has no WebAssembly SIMD; running scalar code (slower; every result the same up to rounding)",
    );
  }
  return ok;
};

/** The threads a backend runs on: all cores by default, one where threads are unavailable (said once per process). */
const threadCount = (options: WasmOptions): number => {
  const support = threadSupport();
  const asked = options.threads ?? "all";
  if (support.ok) return asked === "all" ? support.cores : Math.max(1, Math.floor(asked));
  if (asked !== 1 && !threadsNoted) {
    threadsNoted = true;
    (options.onNote ?? console.info)(`wasm: running on one thread (${asked === "all" ? "all cores" : asked} asked for): ${support.why}`);
  }
  return 1;
};

/**
 * The WebAssembly SIMD backend, on every core unless `threads` says otherwise.
 * @example
 * const f = await jit(({ x, w }) => gelu(matmul(x, w)), { x: spec([8, 16]), w: spec([16, 4]) }, wasm());
 */
export const wasm = (options: WasmOptions = {}): WasmBackend => {
  const stats: WasmStats = {
    compiles: 0,
    cacheHits: 0,
    generated: 0,
    generateMs: 0,
    storeHits: 0,
    rejected: [],
    launches: 0,
    splitLaunches: 0,
    kernelMs: {},
  };
  const threads = threadCount(options);
  if (options.eager !== false) optimizeWasmEagerly();
  // A custom lowering table is a function the hash cannot see: its modules stay in this instance's memory.
  const store = options.lowering === undefined ? options.store : undefined;
  const simd = options.simd ?? hasSimd(options);
  const relaxed = simd && options.lowering === undefined && options.relaxed !== false && relaxedSimd();
  const lowering = options.lowering ?? (relaxed ? wasmRelaxedLowering : wasmLowering);
  // The table is in the salt: a relaxed module must never be loaded where relaxed SIMD does not compile.
  const salt = `wasm-simd/threads=${threads}/lowering=${options.lowering !== undefined ? "custom" : relaxed ? "relaxed" : "plain"}/math=poly1${simd ? "" : "/scalar"}`;
  const cache = new Map<string, { readonly code: CachedModule; readonly module: WebAssembly.Module }>();
  const compile = (graph: Graph): Program =>
    schedule(options.optimize === false ? graph : optimize(graph), { fuse: options.fuse !== false });
  /** The program's module: from memory, else from the store, else generated (and stored). */
  const codeOf = (program: Program, layout: MemoryLayout, hash: string): CachedModule => {
    const expect = { hash, fingerprint: store?.fingerprint ?? "", buffers: program.buffers.length, kernels: program.kernels.length };
    const entry = store?.read(hash);
    if (entry !== undefined) {
      const decoded = decodeEntry(entry, expect);
      // The layout is the program's (its plan is in the hash), so an entry that disagrees is not this program's.
      const fits = decoded.ok && decoded.module.offsets.every((o, i) => o === layout.offsets[i]);
      if (decoded.ok && fits) {
        stats.storeHits++;
        return decoded.module;
      }
      stats.rejected.push(
        `${store!.where}: entry ${hash}: ${decoded.ok ? "buffer offsets differ from the program's layout" : decoded.why}`,
      );
    }
    const started = performance.now();
    const code = programModule(program, lowering, threads, simd);
    stats.generateMs += performance.now() - started;
    stats.generated++;
    if (!WebAssembly.validate(code.bytes)) throw new Error("wasm: generated module does not validate (a backend bug)");
    store?.write(hash, encodeEntry(hash, expect.fingerprint, code));
    return code;
  };
  const moduleOf = async (
    program: Program,
    layout: MemoryLayout,
  ): Promise<{ readonly code: CachedModule; readonly module: WebAssembly.Module }> => {
    const hash = programHash(program, salt);
    const hit = cache.get(hash);
    if (hit !== undefined) {
      stats.cacheHits++;
      return hit;
    }
    const code = codeOf(program, layout, hash);
    const module = await WebAssembly.compile(code.bytes);
    stats.compiles++;
    const built = { code, module };
    cache.set(hash, built);
    return built;
  };
  let pool: Pool | undefined;
  return {
    name: `wasm-${simd ? "simd" : "scalar"}${relaxed ? "-relaxed" : ""}${threads > 1 ? `-x${threads}` : ""}`,
    stats,
    compile,
    threads,
    close: async () => {
      const stopping = pool;
      pool = undefined;
      await stopping?.close();
    },
    prepare: async (graph: Graph): Promise<WasmRunner> => {
      const program = compile(graph);
      const layout = memoryLayout(program);
      const { code, module } = await moduleOf(program, layout);
      const { bytes, pages, offsets, functions, scratchStride } = code;
      const memory = new WebAssembly.Memory({ initial: pages, ...(threads > 1 ? { maximum: pages, shared: true } : {}) });
      const math = Object.fromEntries(Object.entries(mathImports).map(([name, { fn }]) => [name, fn]));
      const instance = await WebAssembly.instantiate(module, { env: { memory }, math });
      const splits = threads > 1 && functions.some((f) => f.split);
      if (splits) pool ??= startPool(threads);
      const shared = splits ? pool?.register(module, memory, { base: layout.bytes, stride: scratchStride }) : undefined;
      const calls = functions.map(({ kernel, fn, split }) => {
        const f = instance.exports[`f${fn}`] as (part: number, parts: number, scratch: number, args: number) => void;
        if (typeof f !== "function")
          throw new Error(`wasm: kernel ${kernel} calls function f${fn}, which the module does not export (a backend bug)`);
        const args = layout.args[kernel]!;
        const call =
          shared !== undefined && split
            ? () => {
                stats.splitLaunches++;
                shared.run(fn, args, (parts) => f(0, parts, layout.bytes, args));
              }
            : () => f(0, 1, layout.bytes, args);
        return { kernel: program.kernels[kernel]!, call };
      });
      writeArguments(new Int32Array(memory.buffer), program, layout);
      const heap = new Float32Array(memory.buffer);
      for (const b of program.buffers) {
        if (b.role === "constant") heap.set((b.node as Node<"constant">).attrs.data, offsets[b.id]! / 4);
      }
      const view = (id: number): Float32Array => heap.subarray(offsets[id]! / 4, offsets[id]! / 4 + program.buffers[id]!.size);
      const run = async (values: ReadonlyArray<HostTensor>): Promise<HostTensor[]> => {
        for (const b of program.buffers) if (b.role === "input") heap.set(values[b.inputIndex!]!.data, offsets[b.id]! / 4);
        for (const { kernel, call } of calls) {
          const started = options.profile === true ? performance.now() : 0;
          call();
          if (options.profile === true) stats.kernelMs[kernel.name] = (stats.kernelMs[kernel.name] ?? 0) + performance.now() - started;
          stats.launches++;
          const out = program.buffers[kernel.output]!;
          if (options.checkFinite === true && out.dtype === "f32") {
            const data = view(kernel.output);
            const at = data.findIndex((v) => !Number.isFinite(v));
            if (at >= 0)
              throw new NonFiniteError(kernel.root.op, `kernel ${kernel.name} (fused: ${kernel.ops.join(", ")})`, out.shape, at, data[at]!);
          }
        }
        return program.outputs.map((id) => {
          const b = program.buffers[id]!;
          const data = b.role === "input" ? values[b.inputIndex!]!.data : fromFloat32(view(id).slice(), b.dtype);
          return { shape: b.shape, dtype: b.dtype, data };
        });
      };
      return Object.assign(run, { program, bytes, close: async () => shared?.release() });
    },
  };
};
