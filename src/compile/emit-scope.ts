/**
 * @file The scope machinery both code generators (gpu.js source, WebAssembly bytes) share. A kernel body
 * is emitted as nested scopes: the body, then one per open reduction loop (innermost last). Every value
 * is bound once per structural key, in the innermost open scope whose loop it depends on, so
 * loop-invariant work is hoisted out of loops and equal subexpressions share one name; names bound in a
 * loop's scope are forgotten when the loop closes. A backend supplies only what code and names are (JS
 * lines and `const` names; wasm bytes and local indices). `topReductions` finds the reductions a kernel
 * opens at its top level and `reductionGroups` groups them by loop id, so that reductions sharing a loop
 * id share one loop; `atTrip` re-expresses a loop body at an unrolled step.
 */

import { addConst, atomIndex } from "./index-expr.js";
import { children, type Expr } from "./kernel-ir.js";
import { substituteExpr } from "./substitute.js";

/** A reduction expression. */
export type ReduceExpr = Extract<Expr, { readonly kind: "reduce" }>;

/** One scope being emitted: the loop it belongs to (−1 for the kernel body), its code, and the keys bound in it. */
export interface EmitScope<C> {
  readonly loop: number;
  readonly code: C[];
  readonly keys: string[];
}

/** The open scopes of one kernel body and the names bound in them; `C` is a unit of code, `N` a name. */
export interface ScopeStack<C, N> {
  /** The outermost scope (the kernel body, or a tile's body). */
  readonly outer: () => EmitScope<C>;
  /** The innermost open scope whose loop is in `loops`, else the outermost: where a value depending on `loops` lives. */
  readonly scopeFor: (loops: ReadonlySet<number>) => EmitScope<C>;
  /** The name bound to `key` in an open scope, if any. */
  readonly lookup: (key: string) => N | undefined;
  /** The name of `key`: the one bound already, else `make(scope)` (which emits into `scope`), remembered in `scope`. */
  readonly bind: (scope: EmitScope<C>, key: string, make: (scope: EmitScope<C>) => N) => N;
  /** Names `key` without recording it in a scope (a loop's accumulators, valid after the loop). */
  readonly name: (key: string, n: N) => void;
  /** Runs `build` in a new scope for `loop`; the names bound there are forgotten when it returns. */
  readonly inLoop: <T>(loop: number, build: (scope: EmitScope<C>) => T) => { readonly scope: EmitScope<C>; readonly value: T };
  /** Starts again from one empty outermost scope, every name forgotten (a new tile block). */
  readonly reset: () => void;
}

/**
 * A fresh scope stack holding one empty outermost scope.
 * @example
 * const s = scopeStack<string, string>();
 * s.bind(s.scopeFor(new Set()), "exp(x)", (scope) => (scope.code.push("const v0 = Math.exp(x);"), "v0")); // "v0"
 */
export const scopeStack = <C, N>(): ScopeStack<C, N> => {
  let scopes: Array<EmitScope<C>> = [{ loop: -1, code: [], keys: [] }];
  let names = new Map<string, N>();
  return {
    outer: () => scopes[0]!,
    scopeFor: (loops) => {
      for (let s = scopes.length - 1; s > 0; s--) if (loops.has(scopes[s]!.loop)) return scopes[s]!;
      return scopes[0]!;
    },
    lookup: (key) => names.get(key),
    bind: (scope, key, make) => {
      const hit = names.get(key);
      if (hit !== undefined) return hit;
      const n = make(scope);
      scope.keys.push(key);
      names.set(key, n);
      return n;
    },
    name: (key, n) => {
      names.set(key, n);
    },
    inLoop: (loop, build) => {
      const scope: EmitScope<C> = { loop, code: [], keys: [] };
      scopes.push(scope);
      const value = build(scope);
      scopes.pop();
      scope.keys.forEach((k) => names.delete(k));
      return { scope, value };
    },
    reset: () => {
      scopes = [{ loop: -1, code: [], keys: [] }];
      names = new Map();
    },
  };
};

/**
 * The top-level reductions of some lane lists (one expression per lane, structurally equal; a plain
 * kernel has one lane): reductions not nested in another's body, in first-visit order, each lane list
 * visited once by `keyOf`.
 */
export const topReductions = (
  roots: ReadonlyArray<ReadonlyArray<Expr>>,
  keyOf: (lanes: ReadonlyArray<Expr>) => string,
): Array<ReadonlyArray<ReduceExpr>> => {
  const found: Array<ReadonlyArray<ReduceExpr>> = [];
  const seen = new Set<string>();
  const visit = (lanes: ReadonlyArray<Expr>): void => {
    const key = keyOf(lanes);
    if (seen.has(key)) return;
    seen.add(key);
    if (lanes[0]!.kind === "reduce") found.push(lanes as ReadonlyArray<ReduceExpr>);
    else children(lanes[0]!).forEach((_, c) => visit(lanes.map((l) => children(l)[c]!)));
  };
  roots.forEach(visit);
  return found;
};

/**
 * Emits a kernel's top-level reductions as loops: grouped by loop id in first-seen order (so the copies
 * of a tiled kernel share their trips), skipping reductions bound meanwhile (emitted inside an earlier
 * loop's body); reductions with a per-thread trip count cannot share trips and get a loop each.
 */
export const reductionGroups = <T>(
  pending: ReadonlyArray<T>,
  head: (t: T) => ReduceExpr,
  isBound: (t: T) => boolean,
  emitLoop: (group: ReadonlyArray<T>) => void,
): void => {
  for (const id of [...new Set(pending.map((t) => head(t).loop))]) {
    const group = pending.filter((t) => head(t).loop === id && !isBound(t));
    if (group.some((t) => head(t).count !== undefined)) group.forEach((t) => emitLoop([t]));
    else if (group.length > 0) emitLoop(group);
  }
};

/** `e` at step `u` of an unrolled loop `loop`: its loop variable `r` read as `r + u`. */
export const atTrip = (e: Expr, loop: number, u: number): Expr =>
  u === 0 ? e : substituteExpr(e, (a) => (a.kind === "loop" && a.id === loop ? addConst(atomIndex(a), u) : undefined), `r${loop}+${u}`);
