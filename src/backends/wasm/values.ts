/**
 * @file Values of a kernel function: a lane list (one expression per lane, `fragments.ts`) becomes an
 * f32 local (1 lane) or an f32x4 local (4 lanes), bound once per structural key in the outermost scope
 * it can live in, so loop-invariant values are hoisted out of reduction loops and equal subexpressions
 * share a local. A load whose lanes read consecutive elements is one `v128.load` (or a read of its
 * packed stream, `packing.ts`), one whose lanes agree is one `v128.load32_splat`, others gather lane by
 * lane. Ops come from the lowering table (`lowering.ts`); a reduction is emitted as its loop
 * (`loops.ts`) and named by its accumulator.
 */

import { indexExpr as ix, type Expr } from "../../compile/index.js";
import type { Codegen } from "./emit-state.js";
import { assemble, keyOf, opCode, valType, type Lanes, type Reduce } from "./fragments.js";
import type { Op } from "./lowering.js";
import { op } from "./module.js";

/** A local holding op `o` applied to the operand lane lists. */
const applyOp = (cx: Codegen, lanes: Lanes, o: Op, operands: ReadonlyArray<Lanes>): number => {
  const locals = operands.map(cx.emit);
  return cx.bindIn(cx.scopes.scopeFor(cx.exprLoops(lanes[0]!)), keyOf(lanes), valType(lanes), opCode(o, locals, lanes.length, cx.local));
};

/** Code pushing the value of a lane list of loads: uniform (splat), contiguous (vector or packed), or gathered. */
const loadCode = (cx: Codegen, lanes: ReadonlyArray<Extract<Expr, { kind: "load" }>>): number[] => {
  const at = lanes.map((l) => l.at);
  const at0 = at[0]!;
  const buffer = lanes[0]!.buffer;
  // Equal keys; keys equal to lane 0's plus q.
  if (lanes.length > 1 && at.every((x) => x.offset === at0.offset && ix.sameTerms(x, at0))) {
    const a = cx.address(buffer, at[0]!);
    return [...op.get(a.addr), ...cx.table.load.uniform(a.offset)];
  }
  if (lanes.length > 1 && at.every((x, q) => x.offset === at0.offset + q && ix.sameTerms(x, at0))) {
    const packed = cx.packedLoad(buffer, at[0]!);
    if (packed !== undefined) return packed;
    const a = cx.address(buffer, at[0]!);
    return [...op.get(a.addr), ...cx.table.load.contiguous(a.offset)];
  }
  return assemble(
    at.map((x) => {
      const a = cx.address(buffer, x);
      return [...op.get(a.addr), ...cx.table.load.scalar(a.offset)];
    }),
  );
};

/** A local holding the value of `lanes` (emitting it, and what it needs, on first sight). */
export const emit =
  (cx: Codegen) =>
  (lanes: Lanes): number => {
    const { scopes, table } = cx;
    const e = lanes[0]!;
    const key = keyOf(lanes);
    const known = scopes.lookup(key);
    if (known !== undefined) return known;
    const scope = scopes.scopeFor(cx.exprLoops(e));
    const kids = <K extends Expr["kind"], F extends keyof Extract<Expr, { kind: K }>>(_: K, field: F): Lanes =>
      lanes.map((l) => (l as Extract<Expr, { kind: K }>)[field] as Expr);
    switch (e.kind) {
      case "literal":
        return cx.bindIn(
          scopes.outer(),
          key,
          valType(lanes),
          lanes.length === 1 ? table.literal.scalar(e.value) : table.literal.vector(e.value),
        );
      case "index":
        return cx.bindIn(
          scope,
          key,
          valType(lanes),
          assemble(lanes.map((l) => [...op.get(cx.indexLocal((l as typeof e).index)), ...table.index])),
        );
      case "load":
        return cx.bindIn(scope, key, valType(lanes), loadCode(cx, lanes as ReadonlyArray<typeof e>));
      case "unary":
        return applyOp(cx, lanes, table.unary[e.op], [kids("unary", "x")]);
      case "cast":
        return applyOp(cx, lanes, table.cast[e.to], [kids("cast", "x")]);
      case "binary":
        return applyOp(cx, lanes, table.binary[e.op], [kids("binary", "a"), kids("binary", "b")]);
      case "compare":
        return applyOp(cx, lanes, table.compare[e.op], [kids("compare", "a"), kids("compare", "b")]);
      case "select":
        return applyOp(cx, lanes, table.select, [kids("select", "a"), kids("select", "b"), kids("select", "cond")]);
      case "reduce":
        cx.emitLoop([lanes as ReadonlyArray<Reduce>], scope);
        return scopes.lookup(key)!;
    }
  };
