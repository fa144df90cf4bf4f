/**
 * @file The cheap structural keys the code generators use (src/compile/index-expr.ts, kernel-ir.ts,
 * substitute.ts): atoms are hash-consed by every field, `indexKeySig` and `exprSerial` are equal exactly
 * when `indexKey` and `exprKey` are, and a named substitution (cached across calls) gives what an
 * unnamed one gives.
 */

import { describe, expect, it } from "vitest";
import {
  atTrip,
  exprKey,
  exprSerial,
  indexExpr as ix,
  resetExprSerials,
  substituteExpr,
  substituteIndex,
  type Atom,
  type Expr,
  type Index,
} from "../../src/compile";

const t = ix.threadIndex(4096);
const r = ix.loopIndex(0, 16);
const indices: Index[] = [
  ix.div(t, 64),
  ix.div(ix.add(t, ix.constIndex(0)), 64),
  ix.mod(t, 64),
  ix.add(ix.scale(ix.div(t, 64), 3), r),
  ix.add(r, ix.scale(ix.div(t, 64), 3)),
  ix.div(ix.threadIndex(2048), 64), // same key as ⌊t/64⌋ (keys ignore extents), another atom
  ix.clamp(ix.addConst(t, -3), 4000),
  ix.addConst(r, 1),
  ix.loopIndex(0, 8),
];

describe("atoms are hash-consed", () => {
  it("gives one object per structure, extents included", () => {
    const a = ix.div(t, 64).terms[0]!.atom;
    const b = ix.div(ix.threadIndex(4096), 64).terms[0]!.atom;
    const c = ix.div(ix.threadIndex(2048), 64).terms[0]!.atom;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(ix.atomKey(c)).toBe(ix.atomKey(a));
  });
});

describe("indexKeySig", () => {
  it("is equal exactly when indexKey is", () => {
    for (const x of indices)
      for (const y of indices) expect(ix.indexKeySig(x) === ix.indexKeySig(y)).toBe(ix.indexKey(x) === ix.indexKey(y));
    expect(ix.indexKeySig(indices[3]!)).toBe(ix.indexKeySig(indices[4]!));
  });
});

describe("exprSerial", () => {
  it("is equal exactly when exprKey is", () => {
    resetExprSerials(0);
    const load = (at: Index, buffer = 0): Expr => ({ kind: "load", buffer, at });
    const exprs: Expr[] = [
      ...indices.map((x) => load(x)),
      load(indices[0]!, 1),
      { kind: "binary", op: "add", a: load(indices[0]!), b: load(indices[2]!) },
      { kind: "binary", op: "add", a: load(indices[1]!), b: load(indices[2]!) },
      { kind: "binary", op: "mul", a: load(indices[0]!), b: load(indices[2]!) },
      { kind: "reduce", op: "sum", loop: 0, extent: 16, body: load(indices[3]!) },
      { kind: "reduce", op: "max", loop: 0, extent: 16, body: load(indices[4]!) },
      { kind: "literal", value: 0 },
      { kind: "literal", value: -0 },
      { kind: "unary", op: "exp", x: { kind: "literal", value: 1 } },
      { kind: "cast", to: "i32", x: { kind: "literal", value: 1 } },
    ];
    for (const x of exprs) for (const y of exprs) expect(exprSerial(x) === exprSerial(y)).toBe(exprKey(x) === exprKey(y));
  });
});

describe("named substitutions", () => {
  it("give what unnamed ones give, and repeat their results", () => {
    const shift = (u: number) => (a: Atom) => (a.kind === "loop" && a.id === 0 ? ix.addConst(ix.atomIndex(a), u) : undefined);
    for (const x of indices) {
      const named = substituteIndex(x, shift(3), "r0+3");
      expect(ix.indexKey(named)).toBe(ix.indexKey(substituteIndex(x, shift(3))));
      expect(substituteIndex(x, shift(3), "r0+3")).toBe(named);
    }
    const e: Expr = { kind: "reduce", op: "sum", loop: 1, extent: 4, body: { kind: "load", buffer: 2, at: indices[3]! } };
    expect(exprKey(atTrip(e, 0, 2))).toBe(exprKey(substituteExpr(e, shift(2))));
    expect(exprKey(atTrip(e, 0, 2))).toContain("+2");
  });

  it("substitute a shared subexpression once, keeping it shared", () => {
    const shared: Expr = { kind: "load", buffer: 0, at: t };
    const e: Expr = { kind: "binary", op: "mul", a: shared, b: shared };
    const out = substituteExpr(e, (a) => (a.kind === "thread" ? ix.constIndex(5) : undefined));
    expect(out.kind === "binary" && out.a === out.b).toBe(true);
    expect(exprKey(out)).toBe("mul(b0[+5],b0[+5])");
  });
});
