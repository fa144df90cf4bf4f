/**
 * @file The state of one kernel's code generation, shared by the focused emitters: index arithmetic
 * (`index-code.ts`), values (`values.ts`), reduction loops (`loops.ts`) and packed panels
 * (`packing.ts`); `codegen.ts` creates it and walks the tiles. It holds the function's locals (an
 * allocator), the local of every lane and loop variable, the open scopes (`src/compile/emit-scope.ts`:
 * every value bound once per structural key in the outermost scope it can live in) and the packing
 * state of the current tile block. The emitters call each other through `Codegen`, so each file needs
 * only this interface, not the others.
 */

import {
  freeLoops,
  kernelBuffers,
  loopsOfIndex,
  scopeStack,
  type EmitScope,
  type Expr,
  type Index,
  type Kernel,
  type ScopeStack,
} from "../../compile/index.js";
import type { Lanes, Reduce } from "./fragments.js";
import type { WasmLowering } from "./lowering.js";
import { I32, KERNEL_PARAMS, op, type ValType } from "./module.js";
import type { Tiling } from "./tiling.js";

/** Kernel parameters: this call's part of the outer tile loop, the number of parts, its scratch and argument addresses (bytes). */
export const PART = 0;
/** Parameter: the number of parts the outer tile loop is split into. */
export const PARTS = 1;
/** Parameter: the byte address of this call's scratch area. */
export const SCRATCH = 2;
/**
 * Parameter: the byte address of the kernel's argument table, one i32 per buffer (`kernelBuffers` order:
 * the output, then the inputs): the address of the buffer's first element. Every copy of one kernel (each
 * layer's) shares one function and is called with its own table.
 */
export const ARGS = 3;

/** One scope of the kernel body: wasm bytes, names are local indices. */
export type Scope = EmitScope<number>;

/** A vector stream packed before the row loop: `buffer` at `at` for every trip of its loop. */
export interface Pattern {
  readonly buffer: number;
  readonly at: Index;
  /** Byte offset of its packed copy in scratch. */
  readonly slot: number;
}

/** Packing state of the current tile block (`packing.ts`). */
export interface PackState {
  /** Packed loops of the current block: loop id → extent and its patterns by buffer and index key. */
  packs: Map<number, { readonly extent: number; readonly patterns: Map<string, Pattern> }>;
  /** Whether the current block packs at all (register-blocked vector tiles). */
  enabled: boolean;
  /** Scratch bytes the current block's patterns use. */
  used: number;
}

/** The code generation of one kernel: its state and the emitters (each defined in its own file). */
export interface Codegen {
  readonly kernel: Kernel;
  readonly tiling: Tiling;
  readonly table: WasmLowering;
  /** The local holding a buffer's base address (read from the argument table by `prologue`). */
  readonly base: (buffer: number) => number;
  /** Code setting every base local from the argument table: the function's first instructions. */
  readonly prologue: ReadonlyArray<number>;
  /** Types of the locals allocated so far (after the parameters). */
  readonly locals: ValType[];
  /** A new local of type `t`. */
  readonly local: (t: ValType) => number;
  /** Locals of the lane coordinates x and y. */
  readonly laneX: number;
  readonly laneY: number;
  /** Local of each reduction loop's variable. */
  readonly loopVars: Map<number, number>;
  /** The unrolled step being emitted for each open loop. */
  readonly shifts: Map<number, number>;
  readonly scopes: ScopeStack<number, number>;
  readonly pack: PackState;
  /** Loop variables an expression / an index depends on. */
  readonly exprLoops: (e: Expr) => ReadonlySet<number>;
  readonly indexLoops: (x: Index) => Set<number>;
  /** The local bound to `key`, else a new local of `type` set to `code` in `scope`. */
  readonly bindIn: (scope: Scope, key: string, type: ValType, code: ReadonlyArray<number>) => number;
  /** values.ts: a local holding a lane list's value. */
  readonly emit: (lanes: Lanes) => number;
  /** loops.ts: one loop for reductions sharing a loop id. */
  readonly emitLoop: (group: ReadonlyArray<ReadonlyArray<Reduce>>, scope: Scope) => void;
  /** index-code.ts: a local holding an index. */
  readonly indexLocal: (x: Index) => number;
  /** index-code.ts: an address local and constant byte offset for element `x` of `buffer`. */
  readonly address: (buffer: number, x: Index) => { readonly addr: number; readonly offset: number };
  /** packing.ts: a contiguous load read from its packed stream, if it streams over a packed loop. */
  readonly packedLoad: (buffer: number, at: Index) => number[] | undefined;
}

/** The emitters `codegen.ts` wires into a `Codegen` (each takes the whole state). */
export type Emitters = Pick<Codegen, "emit" | "emitLoop" | "indexLocal" | "address" | "packedLoad">;

/** A fresh code generation state for `kernel`, the emitters bound to it. */
export const codegenState = (
  kernel: Kernel,
  tiling: Tiling,
  table: WasmLowering,
  emitters: { readonly [K in keyof Emitters]: (cx: Codegen) => Emitters[K] },
): Codegen => {
  const locals: ValType[] = [];
  const local = (t: ValType): number => KERNEL_PARAMS + locals.push(t) - 1;
  const laneX = local(I32);
  const laneY = local(I32);
  const bases = new Map([...kernelBuffers(kernel)].map(([buffer, slot]) => [buffer, { slot, local: local(I32) }]));
  const prologue = [...bases.values()].flatMap(({ slot, local: l }) => [...op.get(ARGS), ...op.i32Load(4 * slot), ...op.set(l)]);
  const exprLoops = freeLoops();
  const scopes = scopeStack<number, number>();
  const cx: Codegen = {
    kernel,
    tiling,
    table,
    base: (buffer) => {
      const b = bases.get(buffer);
      if (b === undefined) throw new Error(`wasm: kernel ${kernel.name} reads buffer ${buffer}, which it does not list`);
      return b.local;
    },
    prologue,
    locals,
    local,
    laneX,
    laneY,
    loopVars: new Map(),
    shifts: new Map(),
    scopes,
    pack: { packs: new Map(), enabled: false, used: 0 },
    exprLoops,
    indexLoops: (x) => {
      const s = new Set<number>();
      loopsOfIndex(x, s, exprLoops);
      return s;
    },
    bindIn: (scope, key, type, code) =>
      scopes.bind(scope, key, (s) => {
        const l = local(type);
        for (let i = 0; i < code.length; i++) s.code.push(code[i]!);
        s.code.push(...op.set(l));
        return l;
      }),
    emit: (lanes) => bound.emit(lanes),
    emitLoop: (group, scope) => bound.emitLoop(group, scope),
    indexLocal: (x) => bound.indexLocal(x),
    address: (buffer, x) => bound.address(buffer, x),
    packedLoad: (buffer, at) => bound.packedLoad(buffer, at),
  };
  const bound: Emitters = {
    emit: emitters.emit(cx),
    emitLoop: emitters.emitLoop(cx),
    indexLocal: emitters.indexLocal(cx),
    address: emitters.address(cx),
    packedLoad: emitters.packedLoad(cx),
  };
  return cx;
};
