/**
 * @file The op-traits table covers every primitive by construction: its keys are exactly `OpName`, a
 * table without an op or with a new op name lacking traits is a compile error, and a unary, binary or
 * comparison op must be declared elementwise (fusion and simplify read their traits, so an op they do
 * not know cannot be added silently).
 */

import { describe, expectTypeOf, it } from "vitest";
import type { OpName } from "../../src";
import { opTraits, type OpTraitTable } from "../../src/compile";

describe("op traits", () => {
  it("has one entry per primitive", () => {
    expectTypeOf<keyof typeof opTraits>().toEqualTypeOf<OpName>();
    expectTypeOf(opTraits.exp.kind).toEqualTypeOf<"elementwise">();
    expectTypeOf(opTraits.matmul).toEqualTypeOf<{ readonly kind: "reduction"; readonly reduction: "contraction" }>();
  });

  it("refuses a table without an op", () => {
    const { exp: _exp, ...withoutExp } = opTraits;
    // @ts-expect-error "exp" is missing
    const missing: OpTraitTable = withoutExp;
    void missing;
  });

  it("refuses a new op name without traits", () => {
    // @ts-expect-error a primitive "softplus" added to OpName would need an entry
    const grown: OpTraitTable<OpName | "softplus"> = opTraits;
    void grown;
  });

  it("requires a unary, binary or comparison op to be elementwise", () => {
    // @ts-expect-error exp declared as movement
    const wrong: OpTraitTable = { ...opTraits, exp: { kind: "movement", movement: "view" } };
    void wrong;
  });
});
