/**
 * @file A scheduled program → one WebAssembly module: where every buffer lives in memory (the buffer
 * plan's layout), one function per *distinct* kernel, and which kernel calls which function with which
 * argument table. Copies of one kernel (every layer's attention, every layer's gradient of it) hash equal
 * under `kernelHash` and share one function: the tiny MW-MAE training step's 2133 kernels are 318
 * functions, so code generation and V8's compile do a seventh of the work. A kernel reads its buffers'
 * addresses from its argument table in memory (`ARGS`, `emit-state.ts`), written by the host.
 */

import { children, kernelBuffers, kernelHash, type Expr, type Program } from "../../compile/index.js";
import type { CachedModule } from "./code-cache.js";
import { kernelFunction } from "./codegen.js";
import { mathImports, type WasmLowering } from "./lowering.js";
import { buildModule, type FunctionBody } from "./module.js";
import { tilingOf } from "./tiling.js";

/** Raised when a program's memory exceeds what a 32-bit WebAssembly memory can hold. */
export class WasmMemoryError extends Error {
  override readonly name = "WasmMemoryError";
}

/** Bytes in a WebAssembly page. */
export const PAGE = 65536;
/** Largest memory this backend asks for: 65536 pages is the wasm32 limit (4 GiB); V8 allows it. */
const MAX_PAGES = 65536;

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Where a program lives in memory: every buffer, every kernel's argument table, and where scratch starts. */
export interface MemoryLayout {
  /** Byte offset of every buffer, by buffer id. */
  readonly offsets: ReadonlyArray<number>;
  /** Byte offset of every kernel's argument table, by kernel index (one i32 per buffer, `kernelBuffers` order). */
  readonly args: ReadonlyArray<number>;
  /** Bytes before the scratch area (buffers and argument tables). */
  readonly bytes: number;
}

/**
 * The layout of a program: inputs and constants each their own region, then the plan's slots, then the
 * kernels' argument tables; the threads' scratch areas follow, at `bytes`.
 */
export const memoryLayout = (program: Program): MemoryLayout => {
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
  const args = program.kernels.map((k) => {
    const at = end;
    end += 4 * kernelBuffers(k).size;
    return at;
  });
  return { offsets, args, bytes: align16(end) };
};

/** Writes every kernel's argument table (its buffers' addresses) into `heap`, the module's memory as i32s. */
export const writeArguments = (heap: Int32Array, program: Program, layout: MemoryLayout): void =>
  program.kernels.forEach((k, i) => {
    for (const [buffer, slot] of kernelBuffers(k)) heap[layout.args[i]! / 4 + slot] = layout.offsets[buffer]!;
  });

/** Rough operations per output element: a reduction multiplies its body's cost by its trips. */
const costOf = (e: Expr, memo = new Map<Expr, number>()): number => {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  const c = Math.min(
    1e12,
    e.kind === "reduce" ? e.extent * costOf(e.body, memo) : 1 + children(e).reduce((a, x) => a + costOf(x, memo), 0),
  );
  memo.set(e, c);
  return c;
};

/**
 * Work (output elements × operations per element, `costOf`) from which a kernel is split across threads: a split costs tens of
 * microseconds of signalling, about what 2^16 operations take on one core.
 */
export const splitWork = 2 ** 16;

/** A program compiled to one WebAssembly module: its bytes, the memory it needs and where each buffer lives. */
export type ProgramModule = CachedModule;

/**
 * The module of a program for `threads` threads (scalar code only when `simd` is false): memory pages
 * needed, its bytes, and for each kernel its function.
 */
export const programModule = (program: Program, lowering?: WasmLowering, threads = 1, simd = true): ProgramModule => {
  const layout = memoryLayout(program);
  const bodies: FunctionBody[] = [];
  const byHash = new Map<string, number>();
  const functions: Array<{ kernel: number; fn: number; split: boolean }> = [];
  let scratch = 0;
  program.kernels.forEach((k, i) => {
    const out = program.buffers[k.output]!;
    if (out.size === 0) return;
    // The tiling is a function of the expression and the output's shape, both in the hash.
    const hash = kernelHash(k, out.shape, "");
    let fn = byHash.get(hash);
    if (fn === undefined) {
      const f = kernelFunction(k, out.size, tilingOf(k, out.shape, simd), lowering);
      scratch = Math.max(scratch, f.scratchBytes);
      fn = bodies.push({ name: `f${bodies.length}`, locals: f.locals, code: f.code }) - 1;
      byHash.set(hash, fn);
    }
    functions.push({ kernel: i, fn, split: out.size * costOf(k.expr) >= splitWork });
  });
  const scratchStride = align16(scratch);
  const bytes = layout.bytes + threads * scratchStride;
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  if (pages > MAX_PAGES)
    throw new WasmMemoryError(`wasm: the program needs ${bytes} bytes of memory; a WebAssembly memory holds at most ${MAX_PAGES * PAGE}`);
  const imports = Object.entries(mathImports).map(([name, { arity }]) => ({ name, arity }));
  return { bytes: buildModule(pages, threads > 1, imports, bodies), pages, offsets: layout.offsets, functions, scratchStride };
};
