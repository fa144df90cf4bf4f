/**
 * @file The kernel IR: a kernel is one scalar expression per output element (jax-js `Kernel`, a gpu.js
 * kernel body over `this.thread.x`). Expressions load from buffers at index expressions over the
 * output's flat index `t`, combine values with the primitive elementwise ops, and may hold reduction
 * loops with an accumulator. A program is the kernels in schedule order over numbered buffers.
 * `exprKey` is an expression's structural key; `exprSerial` a number per distinct key, cheap to build.
 */

import type { BinaryOp, CompareOp, DType, Node, OpName, UnaryOp } from "../ir/index.js";
import type { Shape } from "../shape/index.js";
import { indexKey, indexKeySig, resetKeySigs, type Index } from "./index-expr.js";

/** How a reduction loop combines its trips: a running sum or a running max. */
export type ReduceOp = "sum" | "max";

/** The expression kinds; a backend's lowering table is a mapped type over them. */
export type Expr =
  | { readonly kind: "literal"; readonly value: number }
  /** An integer index used as a value (iota). */
  | { readonly kind: "index"; readonly index: Index }
  | { readonly kind: "load"; readonly buffer: number; readonly at: Index }
  | { readonly kind: "unary"; readonly op: UnaryOp; readonly x: Expr }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr }
  /** 1 when the comparison holds, else 0. */
  | { readonly kind: "compare"; readonly op: CompareOp; readonly a: Expr; readonly b: Expr }
  /** `cond ≠ 0 ? a : b`. */
  | { readonly kind: "select"; readonly cond: Expr; readonly a: Expr; readonly b: Expr }
  | { readonly kind: "cast"; readonly to: DType; readonly x: Expr }
  /**
   * `acc = init; for r<loop> in [0, extent): acc = op(acc, body)`; with `count`, the loop stops after
   * `count` trips (a per-thread bound, at most `extent`: segment sums of a scatter-add).
   */
  | {
      readonly kind: "reduce";
      readonly op: ReduceOp;
      readonly loop: number;
      readonly extent: number;
      readonly body: Expr;
      readonly count?: Expr;
    };

/** The tag of one expression kind (`"load"`, `"binary"`, `"reduce"`, …); lowering tables are keyed by it. */
export type ExprKind = Expr["kind"];
/** The expression variant whose kind is `K`. */
export type ExprOf<K extends ExprKind> = Extract<Expr, { readonly kind: K }>;

/** Where a buffer's data comes from and how long it lives. */
export type BufferRole = "input" | "constant" | "intermediate" | "output";

/** One numbered buffer of a program: its role, shape, dtype and element count, and the graph node whose value it holds. */
export interface BufferInfo {
  readonly id: number;
  readonly role: BufferRole;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Elements (the product of the shape). */
  readonly size: number;
  /** The graph node this buffer holds. */
  readonly node: Node;
  /** For `input`: the graph input's position; for `constant`: the data. */
  readonly inputIndex?: number;
}

/**
 * One kernel: a scalar expression evaluated for every element of its output buffer (one thread per element), reading the input buffers it
 * names.
 */
export interface Kernel {
  /** `k<step>_<ops>`: its position in the schedule and the ops fused into it. */
  readonly name: string;
  /** Buffer written (one element per thread). */
  readonly output: number;
  /** Buffers read, in first-load order. */
  readonly inputs: ReadonlyArray<number>;
  /** The value of output element `t` (the thread index), as one expression. */
  readonly expr: Expr;
  /** Primitive ops fused into this kernel, in graph order. */
  readonly ops: ReadonlyArray<OpName>;
  /** The graph node it computes (its root). */
  readonly root: Node;
}

/** Where each buffer lives: a slot of the buffer plan, reused once its previous tenant is dead. */
export interface BufferPlan {
  /** Slot of each intermediate/output buffer id. */
  readonly slotOf: ReadonlyMap<number, number>;
  /** Bytes of each slot (the largest tenant). */
  readonly slotBytes: ReadonlyArray<number>;
  /** Index of the last kernel that reads each buffer (−1: never read by a kernel). */
  readonly lastUse: ReadonlyMap<number, number>;
  /** Largest sum of live intermediate and output bytes at any kernel, inputs and constants excluded. */
  readonly peakBytes: number;
  /** Sum of slot sizes: the memory the plan needs. */
  readonly plannedBytes: number;
}

/**
 * A scheduled graph: its buffers, its kernels in execution order, which buffers hold the outputs, and the buffer plan. What backends run.
 */
export interface Program {
  readonly buffers: ReadonlyArray<BufferInfo>;
  /** Kernels in execution order. */
  readonly kernels: ReadonlyArray<Kernel>;
  /** Buffer of each graph output, in order. */
  readonly outputs: ReadonlyArray<number>;
  readonly plan: BufferPlan;
}

/** Children of an expression (index atoms excluded). */
export const children = (e: Expr): ReadonlyArray<Expr> => {
  switch (e.kind) {
    case "literal":
    case "index":
    case "load":
      return [];
    case "unary":
    case "cast":
      return [e.x];
    case "binary":
    case "compare":
      return [e.a, e.b];
    case "select":
      return [e.cond, e.a, e.b];
    case "reduce":
      return e.count === undefined ? [e.body] : [e.body, e.count];
  }
};

/** Bytes per element on every backend: everything is stored as 32-bit. */
export const BYTES_PER_ELEMENT = 4;

const exprKeys = new WeakMap<Expr, string>();

/** A structural key of an expression: equal keys compute equal values (used for value atoms and caches). */
export const exprKey = (e: Expr): string => {
  const hit = exprKeys.get(e);
  if (hit !== undefined) return hit;
  const k = ((): string => {
    switch (e.kind) {
      case "literal":
        return `${e.value}`;
      case "index":
        return `i(${indexKey(e.index)})`;
      case "load":
        return `b${e.buffer}[${indexKey(e.at)}]`;
      case "unary":
      case "cast":
        return `${e.kind === "unary" ? e.op : `cast_${e.to}`}(${exprKey(e.x)})`;
      case "binary":
      case "compare":
        return `${e.op}(${exprKey(e.a)},${exprKey(e.b)})`;
      case "select":
        return `sel(${exprKey(e.cond)},${exprKey(e.a)},${exprKey(e.b)})`;
      case "reduce":
        return `${e.op}_r${e.loop}<${e.extent}${e.count === undefined ? "" : `,${exprKey(e.count)}`}(${exprKey(e.body)})`;
    }
  })();
  exprKeys.set(e, k);
  return k;
};

let exprSerials = new Map<string, number>();
/** Serials of expressions seen lately (a plain map, cheaper than a WeakMap; emptied when large: the table keeps the numbers). */
const exprSerialOf = new Map<Expr, number>();

/**
 * A number per distinct `exprKey`, built from the children's numbers (so its cost does not grow with
 * the expression): code generators key their scopes by it. Numbers are comparable only until
 * `resetExprSerials` starts afresh.
 */
export const exprSerial = (e: Expr): number => {
  const hit = exprSerialOf.get(e);
  if (hit !== undefined) return hit;
  let k: string;
  switch (e.kind) {
    case "literal":
      k = `${e.value}`;
      break;
    case "index":
      k = `i${indexKeySig(e.index)}`;
      break;
    case "load":
      k = `b${e.buffer}[${indexKeySig(e.at)}`;
      break;
    case "unary":
      k = `${e.op}(${exprSerial(e.x)}`;
      break;
    case "cast":
      k = `cast_${e.to}(${exprSerial(e.x)}`;
      break;
    case "binary":
    case "compare":
      k = `${e.op}(${exprSerial(e.a)},${exprSerial(e.b)}`;
      break;
    case "select":
      k = `sel(${exprSerial(e.cond)},${exprSerial(e.a)},${exprSerial(e.b)}`;
      break;
    case "reduce":
      k = `${e.op}_r${e.loop}<${e.extent}${e.count === undefined ? "" : `,${exprSerial(e.count)}`}(${exprSerial(e.body)}`;
      break;
  }
  let n = exprSerials.get(k);
  if (n === undefined) {
    n = exprSerials.size;
    exprSerials.set(k, n);
  }
  if (exprSerialOf.size >= 1 << 16) exprSerialOf.clear();
  exprSerialOf.set(e, n);
  return n;
};

/**
 * Forgets every `exprSerial` once more than `limit` are known, and the atom-key numbers of `indexKeySig`
 * once more than 2^16 are (call between kernels, never while comparing them).
 */
export const resetExprSerials = (limit = 1 << 18): void => {
  resetKeySigs(1 << 16);
  if (exprSerials.size <= limit) return;
  exprSerials = new Map();
  exprSerialOf.clear();
};
