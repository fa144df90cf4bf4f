/**
 * @file Re-expressing a kernel over different thread coordinates: replace index atoms (usually the
 * flat output index `t`) throughout an expression, re-simplifying every index. Backends use it to lay
 * a kernel out differently from the IR's one-element-per-thread view, e.g. 2-D threads and several
 * output rows per thread, whose shared loads the code generator then computes once. A substitution is
 * memoised per node (a shared subexpression is substituted once and stays shared); a named one (`atTrip`,
 * a tile's copies) also caches its results by index signature across calls, since every copy and
 * unrolled trip of a tile rebuilds the same few indices.
 */

import { add, atomIndex, clamp, constIndex, div, indexSig, mod, scale, type Atom, type Index } from "./index-expr.js";
import { exprKey, type Expr } from "./kernel-ir.js";

type AtomMap = (a: Atom) => Index | undefined;

const valueAtom = (x: Expr, extent: number): Index => atomIndex({ kind: "value", x, extent, key: exprKey(x) });

/**
 * `x` with atoms replaced (`f` returns a replacement or undefined to keep the atom), re-simplified.
 * `name`, when given, names what `f` does (equal names: equal substitutions): results are then cached
 * by it and the index's structure, across calls.
 */
export const substituteIndex = (x: Index, f: AtomMap, name?: string): Index => substituter(f, name).index(x);

/** `e` with index atoms replaced everywhere (loads, index values, gathered indices); `name` as for `substituteIndex`. */
export const substituteExpr = (e: Expr, f: AtomMap, name?: string): Expr => substituter(f, name).expr(e);

/** Substituted indices by substitution name, then index signature (a pure cache; cleared when large). */
let named = new Map<string, Map<string, Index>>();
let namedSize = 0;
const NAMED_LIMIT = 1 << 17;

/** The cache of substitution `name`. */
const namedCache = (name: string): Map<string, Index> => {
  if (namedSize >= NAMED_LIMIT) {
    named = new Map();
    namedSize = 0;
  }
  let cache = named.get(name);
  if (cache === undefined) {
    cache = new Map();
    named.set(name, cache);
  }
  return cache;
};

/**
 * One substitution `f`, memoised by node: expressions are DAGs (a shared subexpression is substituted
 * once, and stays shared), and indices repeat across loads.
 */
const substituter = (f: AtomMap, name?: string): { readonly index: (x: Index) => Index; readonly expr: (e: Expr) => Expr } => {
  const indices = new Map<Index, Index>();
  const exprs = new Map<Expr, Expr>();
  const cache = name === undefined ? undefined : namedCache(name);
  const index = (x: Index): Index => {
    const hit = indices.get(x);
    if (hit !== undefined) return hit;
    if (cache === undefined) return substituted(x);
    const sig = indexSig(x);
    const known = cache.get(sig);
    if (known !== undefined) {
      indices.set(x, known);
      return known;
    }
    const y = substituted(x);
    cache.set(sig, y);
    namedSize++;
    return y;
  };
  const substituted = (x: Index): Index => {
    let acc = constIndex(x.offset);
    for (const { coef, atom } of x.terms) {
      const own = f(atom);
      const replaced =
        own ??
        (atom.kind === "div"
          ? div(index(atom.x), atom.by)
          : atom.kind === "mod"
            ? mod(index(atom.x), atom.by)
            : atom.kind === "clamp"
              ? clamp(index(atom.x), atom.hi)
              : atom.kind === "value"
                ? valueAtom(expr(atom.x), atom.extent)
                : atomIndex(atom));
      acc = add(acc, scale(replaced, coef));
    }
    indices.set(x, acc);
    return acc;
  };
  const expr = (x: Expr): Expr => {
    const hit = exprs.get(x);
    if (hit !== undefined) return hit;
    const y = go(x);
    exprs.set(x, y);
    return y;
  };
  const go = (x: Expr): Expr => {
    switch (x.kind) {
      case "literal":
        return x;
      case "index":
        return { kind: "index", index: index(x.index) };
      case "load":
        return { kind: "load", buffer: x.buffer, at: index(x.at) };
      case "unary":
        return { kind: "unary", op: x.op, x: expr(x.x) };
      case "cast":
        return { kind: "cast", to: x.to, x: expr(x.x) };
      case "binary":
        return { kind: "binary", op: x.op, a: expr(x.a), b: expr(x.b) };
      case "compare":
        return { kind: "compare", op: x.op, a: expr(x.a), b: expr(x.b) };
      case "select":
        return { kind: "select", cond: expr(x.cond), a: expr(x.a), b: expr(x.b) };
      case "reduce":
        return {
          kind: "reduce",
          op: x.op,
          loop: x.loop,
          extent: x.extent,
          body: expr(x.body),
          ...(x.count === undefined ? {} : { count: expr(x.count) }),
        };
    }
  };
  return { index, expr };
};
