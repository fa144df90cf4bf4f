/** @file Type-level movement ops: permute, transpose, concat, slice, pad, reshape, squeeze, unsqueeze. */
import { describe, expectTypeOf, it } from "vitest";
import { concat, input, pad, permute, reshape, slice, squeeze, transpose, unsqueeze, type Tensor } from "../../src";

const tokens = input("tokens", [8, 250, 384] as const);

describe("movement types", () => {
  it("permutes dims, negative axes included", () => {
    expectTypeOf(permute(tokens, [0, 2, 1])).toEqualTypeOf<Tensor<readonly [8, 384, 250]>>();
    expectTypeOf(permute(tokens, [-1, 0, 1])).toEqualTypeOf<Tensor<readonly [384, 8, 250]>>();
  });

  it("transposes the last two axes", () => {
    expectTypeOf(transpose(tokens)).toEqualTypeOf<Tensor<readonly [8, 384, 250]>>();
  });

  it("makes the concatenated axis dynamic and keeps the rest", () => {
    expectTypeOf(concat([tokens, tokens], 1)).toEqualTypeOf<Tensor<readonly [8, number, 384]>>();
    expectTypeOf(concat([tokens, input("more", [8, 250, 16] as const)], -1)).toEqualTypeOf<Tensor<readonly [8, 250, number]>>();
  });

  it("makes a sliced or padded axis dynamic", () => {
    expectTypeOf(slice(tokens, 1, 0, 50)).toEqualTypeOf<Tensor<readonly [8, number, 384]>>();
    expectTypeOf(pad(tokens, 2, 1, 1)).toEqualTypeOf<Tensor<readonly [8, 250, number]>>();
  });

  it("reshapes to literal dims, with -1 becoming dynamic", () => {
    expectTypeOf(reshape(tokens, [2000, 384])).toEqualTypeOf<Tensor<readonly [2000, 384]>>();
    expectTypeOf(reshape(tokens, [8, -1])).toEqualTypeOf<Tensor<readonly [8, number]>>();
  });

  it("squeezes a size-1 axis and unsqueezes anywhere", () => {
    const col = input("col", [8, 1, 384] as const);
    expectTypeOf(squeeze(col, 1)).toEqualTypeOf<Tensor<readonly [8, 384]>>();
    expectTypeOf(squeeze(col, -2)).toEqualTypeOf<Tensor<readonly [8, 384]>>();
    expectTypeOf(unsqueeze(tokens, 0)).toEqualTypeOf<Tensor<readonly [1, 8, 250, 384]>>();
    expectTypeOf(unsqueeze(tokens, 3)).toEqualTypeOf<Tensor<readonly [8, 250, 384, 1]>>();
  });

  it("lets dynamic dims through", () => {
    const x = input("x", [0 as number, 4, 1] as const);
    expectTypeOf(permute(x, [2, 0, 1])).toEqualTypeOf<Tensor<readonly [1, number, 4]>>();
    expectTypeOf(squeeze(x, 2)).toEqualTypeOf<Tensor<readonly [number, 4]>>();
  });

  it("refuses a permutation of the wrong arity", () => {
    // @ts-expect-error permute: 2 axes given for rank 3 [8, 250, 384]
    permute(tokens, [0, 1]);
    // @ts-expect-error permute: axis 3 out of range for rank 3
    permute(tokens, [0, 1, 3]);
  });

  it("refuses concatenating shapes that differ outside the axis", () => {
    const w = input("w", [384, 64] as const);
    // @ts-expect-error concat: ranks differ
    concat([tokens, w], 0);
    // @ts-expect-error concat: dim 2 differs (384 vs 16) outside axis 1
    concat([tokens, input("n", [8, 250, 16] as const)], 1);
  });

  it("refuses squeezing a dim that is not 1, and axes out of range", () => {
    // @ts-expect-error squeeze: axis 1 of [8, 250, 384] has size 250, not 1
    squeeze(tokens, 1);
    // @ts-expect-error unsqueeze: axis 5 out of range for rank 3
    unsqueeze(tokens, 5);
    // @ts-expect-error slice: axis 3 out of range for rank 3
    slice(tokens, 3, 0, 1);
  });
});
