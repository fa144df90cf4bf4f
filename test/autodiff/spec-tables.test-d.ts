/**
 * @file The spec tables cover every op by construction: their keys are exactly the primitive names
 * and the composites' exports, so adding an op without a spec is a compile error.
 */

import { describe, expectTypeOf, it } from "vitest";
import type { OpName } from "../../src";
import type * as composites from "../../src/ir/composites";
import type { compositeSpecs } from "../support/composite-specs";
import { primitiveSpecs } from "../support/primitive-specs";
import type { Spec } from "../support/spec";

describe("spec tables", () => {
  it("has one spec per primitive", () => {
    expectTypeOf<keyof typeof primitiveSpecs>().toEqualTypeOf<OpName>();
    // @ts-expect-error a table without "exp" is refused
    const missing: { readonly [K in OpName]: Spec } = { ...primitiveSpecs, exp: undefined };
    void missing;
  });

  it("has one spec per composite, plus abs and minimum", () => {
    expectTypeOf<keyof typeof compositeSpecs>().toEqualTypeOf<keyof typeof composites | "abs" | "minimum">();
  });
});
