import { expectTypeOf } from "vitest";
import { input, matmul, add, sum, permute, concat, reshape, type Tensor } from "../../src/ir";
const tokens = input("t", [8, 250, 384] as const);
const w = input("w", [384, 64] as const);
expectTypeOf(matmul(tokens, w)).toEqualTypeOf<Tensor<readonly [8, 250, 64]>>();
const wb = input("w", [383, 64] as const);
// @ts-expect-error inner dims differ
matmul(tokens, wb);
expectTypeOf(add(tokens, input("b", [384] as const))).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
expectTypeOf(add(tokens, 1)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
expectTypeOf(sum(tokens, [-1])).toEqualTypeOf<Tensor<readonly [8, 250]>>();
expectTypeOf(sum(tokens, [1], true)).toEqualTypeOf<Tensor<readonly [8, 1, 384]>>();
expectTypeOf(sum(tokens)).toEqualTypeOf<Tensor<readonly []>>();
expectTypeOf(permute(tokens, [0, 2, 1])).toEqualTypeOf<Tensor<readonly [8, 384, 250]>>();
expectTypeOf(concat([tokens, tokens], 1)).toEqualTypeOf<Tensor<readonly [8, number, 384]>>();
expectTypeOf(reshape(tokens, [8, -1])).toEqualTypeOf<Tensor<readonly [8, number]>>();
// @ts-expect-error broadcast mismatch
add(tokens, input("b", [383] as const));
// @ts-expect-error permute arity
permute(tokens, [0, 1]);
// @ts-expect-error axis out of range
sum(tokens, [3]);
// @ts-expect-error concat mismatch
concat([tokens, w], 0);
