/**
 * @file Which reduction-loop variables an expression depends on. Code generators use it to hoist
 * loop-invariant values out of inner loops; a reduction binds its own loop, so it is not free there.
 */

import { atomsOf } from "./index-expr.js";
import type { Index } from "./index-expr.js";
import { children, type Expr } from "./kernel-ir.js";

/** Loop variables an index depends on (through gathered values too). */
export const loopsOfIndex = (x: Index, into: Set<number>, exprLoops: (e: Expr) => ReadonlySet<number>): void =>
  atomsOf(x, (a) => {
    if (a.kind === "loop") into.add(a.id);
    if (a.kind === "value") exprLoops(a.x).forEach((l) => into.add(l));
  });

/** A memoised `expression → free loop variables` (one per kernel: expressions are shared DAG nodes). */
export const freeLoops = (): ((e: Expr) => ReadonlySet<number>) => {
  const memo = new Map<Expr, ReadonlySet<number>>();
  const exprLoops = (e: Expr): ReadonlySet<number> => {
    const hit = memo.get(e);
    if (hit !== undefined) return hit;
    const s = new Set<number>();
    if (e.kind === "load") loopsOfIndex(e.at, s, exprLoops);
    if (e.kind === "index") loopsOfIndex(e.index, s, exprLoops);
    children(e).forEach((c) => exprLoops(c).forEach((l) => s.add(l)));
    if (e.kind === "reduce") s.delete(e.loop);
    memo.set(e, s);
    return s;
  };
  return exprLoops;
};
