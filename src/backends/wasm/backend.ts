/**
 * @file The WebAssembly SIMD backend, with the same `Backend` API as the reference interpreter: the
 * compiler's pipeline (passes, fusion, kernels, schedule, buffer plan), then ONE WebAssembly module per
 * graph with one function per kernel, all working on one `WebAssembly.Memory` laid out by the buffer
 * plan (inputs and constants first, then the plan's reusable slots). A run copies the inputs in, calls
 * the kernels in schedule order and copies the outputs out. Compiled modules are cached by their bytes
 * per backend instance, so preparing the same graph twice compiles nothing.
 */

import { optimize, schedule, type Program } from "../../compile";
import type { Data, DType, HostTensor, Node } from "../../ir";
import type { Graph } from "../../trace";
import { NonFiniteError, type Backend, type Runner } from "../backend";
import { kernelFunction } from "./codegen";
import { mathImports, type WasmLowering } from "./lowering";
import { buildModule, type FunctionBody } from "./module";
import { tilingOf } from "./tiling";

export interface WasmOptions {
  /** Run the graph passes first (default true). */
  readonly optimize?: boolean;
  /** Fuse kernels (default true); false gives one kernel per primitive. */
  readonly fuse?: boolean;
  /** Check every kernel's output and stop at the first NaN or ±Inf, naming the op. */
  readonly checkFinite?: boolean;
  /** Replace the lowering table. */
  readonly lowering?: WasmLowering;
}

export interface WasmStats {
  /** Modules compiled by WebAssembly. */
  compiles: number;
  /** Modules answered from the cache. */
  cacheHits: number;
  /** Kernel calls so far. */
  launches: number;
}

export interface WasmBackend extends Backend {
  readonly stats: WasmStats;
  /** The program `prepare` would run for `graph`. */
  readonly compile: (graph: Graph) => Program;
}

/** A runner that also exposes its program and its module's bytes. */
export type WasmRunner = Runner & { readonly program: Program; readonly bytes: Uint8Array };

/** Raised when a program's memory exceeds what a 32-bit WebAssembly memory can hold. */
export class WasmMemoryError extends Error {
  override readonly name = "WasmMemoryError";
}

const PAGE = 65536;
/** Largest memory this backend asks for: 65536 pages is the wasm32 limit (4 GiB); V8 allows it. */
const MAX_PAGES = 65536;

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Byte offset of every buffer: inputs and constants each their own region, then the plan's slots. */
export const memoryLayout = (program: Program): { readonly offsets: ReadonlyArray<number>; readonly bytes: number } => {
  const offsets = new Array<number>(program.buffers.length).fill(0);
  let end = 0;
  for (const b of program.buffers) {
    if (b.role !== "input" && b.role !== "constant") continue;
    offsets[b.id] = end;
    end = align16(end + 4 * b.size);
  }
  const slotStart = program.plan.slotBytes.map((bytes) => {
    const at = end;
    end = align16(end + bytes);
    return at;
  });
  for (const [id, slot] of program.plan.slotOf) offsets[id] = slotStart[slot]!;
  return { offsets, bytes: end };
};

const fromFloat32 = (d: Float32Array, dtype: DType): Data => (dtype === "f32" ? d : dtype === "i32" ? Int32Array.from(d) : Uint8Array.from(d));

/** The module of a program: memory pages needed, and its bytes. */
export const programModule = (program: Program, lowering?: WasmLowering): { readonly bytes: Uint8Array<ArrayBuffer>; readonly pages: number; readonly offsets: ReadonlyArray<number>; readonly functions: ReadonlyArray<number> } => {
  const layout = memoryLayout(program);
  const pages = Math.max(1, Math.ceil(layout.bytes / PAGE));
  if (pages > MAX_PAGES) throw new WasmMemoryError(`wasm: the program needs ${layout.bytes} bytes of memory; a WebAssembly memory holds at most ${MAX_PAGES * PAGE}`);
  const bodies: FunctionBody[] = [];
  const functions: number[] = [];
  program.kernels.forEach((k, i) => {
    const out = program.buffers[k.output]!;
    if (out.size === 0) return;
    functions.push(i);
    const f = kernelFunction(k, out.size, tilingOf(k, out.shape), (b) => layout.offsets[b]!, lowering);
    bodies.push({ ...f, name: `k${i}` });
  });
  const imports = Object.entries(mathImports).map(([name, { arity }]) => ({ name, arity }));
  return { bytes: buildModule(pages, imports, bodies), pages, offsets: layout.offsets, functions };
};

/**
 * The WebAssembly SIMD backend (one thread).
 * @example
 * const f = await jit(({ x, w }) => gelu(matmul(x, w)), { x: spec([8, 16]), w: spec([16, 4]) }, wasm());
 */
export const wasm = (options: WasmOptions = {}): WasmBackend => {
  const stats: WasmStats = { compiles: 0, cacheHits: 0, launches: 0 };
  const cache = new Map<string, WebAssembly.Module>();
  const compile = (graph: Graph): Program => schedule(options.optimize === false ? graph : optimize(graph), { fuse: options.fuse !== false });
  const moduleOf = async (bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> => {
    const key = Buffer.from(bytes).toString("base64");
    const hit = cache.get(key);
    if (hit !== undefined) {
      stats.cacheHits++;
      return hit;
    }
    if (!WebAssembly.validate(bytes)) throw new Error("wasm: generated module does not validate (a backend bug)");
    const m = await WebAssembly.compile(bytes);
    stats.compiles++;
    cache.set(key, m);
    return m;
  };
  return {
    name: "wasm-simd",
    stats,
    compile,
    prepare: async (graph: Graph): Promise<WasmRunner> => {
      const program = compile(graph);
      const { bytes, pages, offsets, functions } = programModule(program, options.lowering);
      const memory = new WebAssembly.Memory({ initial: pages });
      const math = Object.fromEntries(Object.entries(mathImports).map(([name, { fn }]) => [name, fn]));
      const instance = await WebAssembly.instantiate(await moduleOf(bytes), { env: { memory }, math });
      const calls = functions.map((i) => ({ kernel: program.kernels[i]!, call: instance.exports[`k${i}`] as () => void }));
      const heap = new Float32Array(memory.buffer);
      for (const b of program.buffers) {
        if (b.role === "constant") heap.set((b.node as Node<"constant">).attrs.data, offsets[b.id]! / 4);
      }
      const view = (id: number): Float32Array => heap.subarray(offsets[id]! / 4, offsets[id]! / 4 + program.buffers[id]!.size);
      const run = async (values: ReadonlyArray<HostTensor>): Promise<HostTensor[]> => {
        for (const b of program.buffers) if (b.role === "input") heap.set(values[b.inputIndex!]!.data, offsets[b.id]! / 4);
        for (const { kernel, call } of calls) {
          call();
          stats.launches++;
          const out = program.buffers[kernel.output]!;
          if (options.checkFinite === true && out.dtype === "f32") {
            const data = view(kernel.output);
            const at = data.findIndex((v) => !Number.isFinite(v));
            if (at >= 0) throw new NonFiniteError(kernel.root.op, `kernel ${kernel.name} (fused: ${kernel.ops.join(", ")})`, out.shape, at, data[at]!);
          }
        }
        return program.outputs.map((id) => {
          const b = program.buffers[id]!;
          const data = b.role === "input" ? values[b.inputIndex!]!.data : fromFloat32(view(id).slice(), b.dtype);
          return { shape: b.shape, dtype: b.dtype, data };
        });
      };
      return Object.assign(run, { program, bytes });
    },
  };
};
