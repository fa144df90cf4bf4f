/**
 * @file Re-expressing a kernel over different thread coordinates: replace index atoms (usually the
 * flat output index `t`) throughout an expression, re-simplifying every index. Backends use it to lay
 * a kernel out differently from the IR's one-element-per-thread view, e.g. 2-D threads and several
 * output rows per thread, whose shared loads the code generator then computes once.
 */

import { add, atomIndex, clamp, constIndex, div, mod, scale, type Atom, type Index } from "./index-expr.js";
import { exprKey, type Expr } from "./kernel-ir.js";

type AtomMap = (a: Atom) => Index | undefined;

/** `x` with atoms replaced (`f` returns a replacement or undefined to keep the atom), re-simplified. */
export const substituteIndex = (x: Index, f: AtomMap): Index =>
  x.terms.reduce((acc, { coef, atom }) => {
    const own = f(atom);
    const replaced =
      own ??
      (atom.kind === "div"
        ? div(substituteIndex(atom.x, f), atom.by)
        : atom.kind === "mod"
          ? mod(substituteIndex(atom.x, f), atom.by)
          : atom.kind === "clamp"
            ? clamp(substituteIndex(atom.x, f), atom.hi)
            : atom.kind === "value"
              ? valueAtom(substituteExpr(atom.x, f), atom.extent)
              : atomIndex(atom));
    return add(acc, scale(replaced, coef));
  }, constIndex(x.offset));

const valueAtom = (x: Expr, extent: number): Index => atomIndex({ kind: "value", x, extent, key: exprKey(x) });

/** `e` with index atoms replaced everywhere (loads, index values, gathered indices). */
export const substituteExpr = (e: Expr, f: AtomMap): Expr => {
  const go = (x: Expr): Expr => {
    switch (x.kind) {
      case "literal":
        return x;
      case "index":
        return { kind: "index", index: substituteIndex(x.index, f) };
      case "load":
        return { kind: "load", buffer: x.buffer, at: substituteIndex(x.at, f) };
      case "unary":
        return { kind: "unary", op: x.op, x: go(x.x) };
      case "cast":
        return { kind: "cast", to: x.to, x: go(x.x) };
      case "binary":
        return { kind: "binary", op: x.op, a: go(x.a), b: go(x.b) };
      case "compare":
        return { kind: "compare", op: x.op, a: go(x.a), b: go(x.b) };
      case "select":
        return { kind: "select", cond: go(x.cond), a: go(x.a), b: go(x.b) };
      case "reduce":
        return {
          kind: "reduce",
          op: x.op,
          loop: x.loop,
          extent: x.extent,
          body: go(x.body),
          ...(x.count === undefined ? {} : { count: go(x.count) }),
        };
    }
  };
  return go(e);
};
