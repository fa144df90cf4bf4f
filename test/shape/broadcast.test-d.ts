/** @file Type-level broadcasting of the binary ops: tensors, numbers, dynamic dims; refusals. */
import { describe, expectTypeOf, it } from "vitest";
import { add, input, maximum, mul, select, sub, less, type Tensor } from "../../src";

const tokens = input("tokens", [8, 250, 384] as const);

describe("broadcast types", () => {
  it("broadcasts a trailing vector", () => {
    expectTypeOf(add(tokens, input("b", [384] as const))).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
  });

  it("broadcasts size-1 dims on both sides", () => {
    const a = input("a", [4, 1, 3] as const);
    const b = input("b", [5, 1] as const);
    expectTypeOf(mul(a, b)).toEqualTypeOf<Tensor<readonly [4, 5, 3]>>();
  });

  it("takes plain numbers on either side", () => {
    expectTypeOf(add(tokens, 1)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
    expectTypeOf(sub(1, tokens)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
    expectTypeOf(maximum(tokens, 0)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
  });

  it("lets a dynamic dim meet a literal", () => {
    const x = input("x", [0 as number, 384] as const);
    expectTypeOf(add(x, input("y", [16, 384] as const))).toEqualTypeOf<Tensor<readonly [16, 384]>>();
    expectTypeOf(add(x, input("z", [384] as const))).toEqualTypeOf<Tensor<readonly [number, 384]>>();
  });

  it("types comparisons and select like arithmetic", () => {
    const m = less(tokens, 0);
    expectTypeOf(m).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
    expectTypeOf(select(m, tokens, 0)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
  });

  it("refuses dims that do not broadcast", () => {
    // @ts-expect-error broadcast: dims 384 and 383 do not broadcast
    add(tokens, input("b", [383] as const));
    // @ts-expect-error broadcast: dims 250 and 8 do not broadcast
    mul(tokens, input("c", [8, 384] as const));
  });
});
