/**
 * @file The scope machinery both code generators share (src/compile/emit-scope.ts): a value lives in the
 * innermost open scope whose loop it depends on (else the outermost: hoisted), a key is bound once, names
 * bound inside a loop are forgotten when it closes; top-level reductions are found once per structural
 * key and grouped by loop id, those with per-thread trip counts alone.
 */

import { describe, expect, it } from "vitest";
import { atTrip, exprKey, reductionGroups, scopeStack, topReductions, type Expr } from "../../src/compile";

const load = (loop: number): Expr => ({
  kind: "load",
  buffer: 0,
  at: { terms: [{ coef: 1, atom: { kind: "loop", id: loop, extent: 8 } }], offset: 0 },
});
const sumOver = (loop: number, body: Expr, count?: Expr): Expr => ({
  kind: "reduce",
  op: "sum",
  loop,
  extent: 8,
  body,
  ...(count === undefined ? {} : { count }),
});

describe("scopeStack", () => {
  it("hoists a value to the scope of its loops, binds a key once, forgets a loop's names", () => {
    const s = scopeStack<string, string>();
    let n = 0;
    const bind = (loops: ReadonlyArray<number>, key: string) =>
      s.bind(s.scopeFor(new Set(loops)), key, (scope) => {
        scope.code.push(`const v${n} = ${key};`);
        return `v${n++}`;
      });
    const { scope, value } = s.inLoop(0, () => [bind([0], "a[r0]"), bind([], "b[t]"), bind([0], "a[r0]")]);
    expect(value).toEqual(["v0", "v1", "v0"]);
    expect(scope.code).toEqual(["const v0 = a[r0];"]);
    expect(s.outer().code).toEqual(["const v1 = b[t];"]);
    expect(s.lookup("a[r0]")).toBeUndefined();
    expect(s.lookup("b[t]")).toBe("v1");
    s.reset();
    expect(s.lookup("b[t]")).toBeUndefined();
    expect(s.outer().code).toEqual([]);
  });
});

describe("reductions", () => {
  it("finds top-level reductions once and groups them by loop, per-thread counts alone", () => {
    const a = sumOver(0, load(0));
    const b = sumOver(0, { kind: "unary", op: "exp", x: load(0) });
    const nested = sumOver(1, { kind: "binary", op: "mul", a: load(1), b: sumOver(2, load(2)) });
    const counted = sumOver(3, load(3), { kind: "literal", value: 4 });
    const root: Expr = {
      kind: "binary",
      op: "add",
      a: { kind: "binary", op: "add", a, b },
      b: { kind: "binary", op: "add", a: nested, b: { kind: "binary", op: "add", a: counted, b: sumOver(0, load(0)) } },
    };
    const found = topReductions([[root]], (l) => exprKey(l[0]!)).map((l) => l[0]!);
    expect(found.map(exprKey)).toEqual([a, b, nested, counted].map(exprKey));
    const groups: Expr[][] = [];
    reductionGroups(
      [...found, sumOver(3, load(3), { kind: "literal", value: 5 })],
      (e) => e as Extract<Expr, { kind: "reduce" }>,
      (e) => e === b,
      (g) => groups.push([...g]),
    );
    expect(groups.map((g) => g.map((e) => (e as { loop: number }).loop))).toEqual([[0], [1], [3], [3]]);
  });

  it("atTrip shifts only its loop's variable", () => {
    const e: Expr = { kind: "binary", op: "add", a: load(0), b: load(1) };
    const r0plus2: Expr = {
      kind: "load",
      buffer: 0,
      at: { terms: [{ coef: 1, atom: { kind: "loop", id: 0, extent: 8 } }], offset: 2 },
    };
    expect(exprKey(atTrip(e, 0, 2))).toBe(exprKey({ kind: "binary", op: "add", a: r0plus2, b: load(1) }));
    expect(atTrip(e, 0, 0)).toBe(e);
  });
});
