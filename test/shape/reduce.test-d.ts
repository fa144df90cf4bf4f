/** @file Type-level reductions: axes, keepdims, negative axes, defaults; refusals of axes out of range. */
import { describe, expectTypeOf, it } from "vitest";
import { input, max, mean, sum, variance, type Tensor } from "../../src";

const tokens = input("tokens", [8, 250, 384] as const);

describe("reduce types", () => {
  it("drops the reduced axes", () => {
    expectTypeOf(sum(tokens, [1])).toEqualTypeOf<Tensor<readonly [8, 384]>>();
    expectTypeOf(max(tokens, [0, 2])).toEqualTypeOf<Tensor<readonly [250]>>();
    expectTypeOf(mean(tokens, [2])).toEqualTypeOf<Tensor<readonly [8, 250]>>();
  });

  it("keeps them as 1 with keepdims", () => {
    expectTypeOf(sum(tokens, [1], true)).toEqualTypeOf<Tensor<readonly [8, 1, 384]>>();
    expectTypeOf(max(tokens, [0, 2], true)).toEqualTypeOf<Tensor<readonly [1, 250, 1]>>();
    expectTypeOf(mean(tokens, [-1], true)).toEqualTypeOf<Tensor<readonly [8, 250, 1]>>();
  });

  it("counts negative axes from the end", () => {
    expectTypeOf(sum(tokens, [-1])).toEqualTypeOf<Tensor<readonly [8, 250]>>();
    expectTypeOf(max(tokens, [-3, -2])).toEqualTypeOf<Tensor<readonly [384]>>();
  });

  it("reduces everything by default", () => {
    expectTypeOf(sum(tokens)).toEqualTypeOf<Tensor<readonly []>>();
    expectTypeOf(mean(tokens)).toEqualTypeOf<Tensor<readonly []>>();
    expectTypeOf(variance(tokens, [0])).toEqualTypeOf<Tensor<readonly [250, 384]>>();
  });

  it("keeps dynamic dims that are not reduced", () => {
    const x = input("x", [0 as number, 16] as const);
    expectTypeOf(sum(x, [1])).toEqualTypeOf<Tensor<readonly [number]>>();
  });

  it("refuses axes out of range", () => {
    // @ts-expect-error reduce: axis 3 out of range for rank 3
    sum(tokens, [3]);
    // @ts-expect-error reduce: axis -4 out of range for rank 3
    max(tokens, [-4]);
    // @ts-expect-error reduce: axis 5 out of range for rank 3
    mean(tokens, [0, 5], true);
  });
});
