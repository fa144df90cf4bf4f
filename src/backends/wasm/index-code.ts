/**
 * @file Index arithmetic of a kernel function: exact i32 code for the kernel IR's integer indices
 * (`src/compile/index-expr.ts`). Each atom (lane or loop variable, floor division, modulo, clamp,
 * gathered value) and each index is bound to a local once per structural key, in the outermost scope
 * it can live in; an index whose terms depend on several loops keeps its loop-invariant part in an
 * outer local, so only the varying terms are added inside the loop. An element address is the buffer's
 * base (from the kernel's argument table) plus the index shifted left by 2; its constant part goes into
 * the load or store instruction's immediate when the rest can never be negative, so unrolled steps and
 * adjacent lanes share one address local.
 */

import { indexExpr as ix, type Atom, type Index } from "../../compile/index.js";
import type { Codegen } from "./emit-state.js";
import { I32, op } from "./module.js";

/** A local holding atom `a`. */
const atomLocal = (cx: Codegen, a: Atom): number => {
  switch (a.kind) {
    case "lane":
      return a.axis === "x" ? cx.laneX : cx.laneY;
    case "loop":
      return cx.loopVars.get(a.id)!;
    case "thread":
      throw new Error(`wasm: kernel ${cx.kernel.name} still indexes by t after tiling`);
    case "value": {
      const v = cx.emit([a.x]);
      return cx.bindIn(cx.scopes.scopeFor(cx.exprLoops(a.x)), `val:${a.key}`, I32, [...op.get(v), ...op.i32TruncSatF32S]);
    }
    default: {
      const key = `atom:${ix.atomKey(a)}`;
      const known = cx.scopes.lookup(key);
      if (known !== undefined) return known;
      const scope = cx.scopes.scopeFor(cx.indexLoops(ix.atomIndex(a)));
      const x = cx.indexLocal(a.x);
      const [lo] = ix.range(a.x);
      if (a.kind === "clamp") {
        const m = cx.bindIn(scope, `max0:${ix.indexKeySig(a.x)}`, I32, [
          ...op.get(x),
          ...op.i32Const(0),
          ...op.get(x),
          ...op.i32Const(0),
          ...op.i32GtS,
          ...op.select,
        ]);
        return cx.bindIn(scope, key, I32, [
          ...op.get(m),
          ...op.i32Const(a.hi),
          ...op.get(m),
          ...op.i32Const(a.hi),
          ...op.i32LtS,
          ...op.select,
        ]);
      }
      // Floor division and modulo of a possibly negative x: shift it by a multiple of n first.
      const k = lo < 0 ? Math.ceil(-lo / a.by) : 0;
      const shifted = k === 0 ? op.get(x) : [...op.get(x), ...op.i32Const(k * a.by), ...op.i32Add];
      const code =
        a.kind === "div"
          ? [...shifted, ...op.i32Const(a.by), ...op.i32DivU, ...(k === 0 ? [] : [...op.i32Const(k), ...op.i32Sub])]
          : [...shifted, ...op.i32Const(a.by), ...op.i32RemU];
      return cx.bindIn(scope, key, I32, code);
    }
  }
};

/** Code pushing `Σ coef·atom + offset`, term by term. */
const termsCode = (cx: Codegen, x: Index): number[] => {
  const code: number[] = [];
  x.terms.forEach((t, i) => {
    code.push(...op.get(atomLocal(cx, t.atom)));
    if (t.coef !== 1) code.push(...op.i32Const(t.coef), ...op.i32Mul);
    if (i > 0) code.push(...op.i32Add);
  });
  if (x.terms.length === 0) code.push(...op.i32Const(x.offset));
  else if (x.offset !== 0) code.push(...op.i32Const(x.offset), ...op.i32Add);
  return code;
};

/** A local holding `x`; its part that does not depend on the innermost loop it needs is hoisted. */
export const indexLocal =
  (cx: Codegen) =>
  (x: Index): number => {
    const key = `ix:${ix.indexKeySig(x)}`;
    const known = cx.scopes.lookup(key);
    if (known !== undefined) return known;
    const scope = cx.scopes.scopeFor(cx.indexLoops(x));
    const varies = (t: Index["terms"][number]): boolean => cx.indexLoops({ terms: [t], offset: 0 }).has(scope.loop);
    const inner = x.terms.filter(varies);
    if (scope === cx.scopes.outer() || inner.length === x.terms.length) return cx.bindIn(scope, key, I32, termsCode(cx, x));
    const outer = cx.indexLocal({ terms: x.terms.filter((t) => !varies(t)), offset: x.offset });
    return cx.bindIn(scope, key, I32, [...op.get(outer), ...termsCode(cx, { terms: inner, offset: 0 }), ...op.i32Add]);
  };

/** A byte address local (the buffer's base plus 4·index) and a constant byte offset for element `x` of `buffer`. */
export const address =
  (cx: Codegen) =>
  (buffer: number, x: Index): { readonly addr: number; readonly offset: number } => {
    // The offset moves into the immediate only when the rest is never negative: wasm adds the
    // immediate to the address as an unsigned number.
    const terms: Index = { terms: x.terms, offset: 0 };
    const split = x.offset >= 0 && ix.range(terms)[0] >= 0;
    const at = split ? terms : x;
    const base = cx.base(buffer);
    if (at.terms.length === 0 && at.offset === 0) return { addr: base, offset: split ? 4 * x.offset : 0 };
    const i = cx.indexLocal(at);
    const addr = cx.bindIn(cx.scopes.scopeFor(cx.indexLoops(at)), `addr:${buffer}:${ix.indexKeySig(at)}`, I32, [
      ...op.get(i),
      ...op.i32Const(2),
      ...op.i32Shl,
      ...op.get(base),
      ...op.i32Add,
    ]);
    return { addr, offset: split ? 4 * x.offset : 0 };
  };
