/** @file Type-level matmul: inferred shapes for plain, batched and broadcast-batch products; refusals. */
import { describe, expectTypeOf, it } from "vitest";
import { input, matmul, type Tensor } from "../../src";

const tokens = input("tokens", [8, 250, 384] as const);
const w = input("w", [384, 64] as const);

describe("matmul types", () => {
  it("infers [m, n] for two matrices", () => {
    const a = input("a", [3, 4] as const);
    const b = input("b", [4, 5] as const);
    expectTypeOf(matmul(a, b)).toEqualTypeOf<Tensor<readonly [3, 5]>>();
  });

  it("keeps the batch dims of a batched left operand", () => {
    expectTypeOf(matmul(tokens, w)).toEqualTypeOf<Tensor<readonly [8, 250, 64]>>();
  });

  it("broadcasts batch dims of both operands", () => {
    const a = input("a", [2, 1, 3, 4] as const);
    const b = input("b", [5, 4, 6] as const);
    expectTypeOf(matmul(a, b)).toEqualTypeOf<Tensor<readonly [2, 5, 3, 6]>>();
  });

  it("lets dynamic dims flow through", () => {
    const x = input("x", [0 as number, 384] as const);
    expectTypeOf(matmul(x, w)).toEqualTypeOf<Tensor<readonly [number, 64]>>();
    const dynInner = input("d", [384, 7 as number] as const);
    expectTypeOf(matmul(dynInner, input("e", [9, 2] as const))).toEqualTypeOf<Tensor<readonly [384, 2]>>();
  });

  it("gives an unknown-rank shape for a fully dynamic operand", () => {
    const anyShape: Tensor = input("any", [2, 384]);
    expectTypeOf(matmul(anyShape, w)).toEqualTypeOf<Tensor<readonly number[]>>();
  });

  it("refuses mismatched inner dims", () => {
    const wBad = input("wBad", [383, 64] as const);
    // @ts-expect-error matmul: inner dims 384 and 383 differ
    matmul(tokens, wBad);
    // @ts-expect-error inner dims 64 and 250 differ (w's output fed back as a left operand)
    matmul(matmul(tokens, w), tokens);
  });

  it("refuses batch dims that do not broadcast", () => {
    const a = input("a", [2, 3, 4] as const);
    const b = input("b", [5, 4, 6] as const);
    // @ts-expect-error matmul batch: dims 2 and 5 do not broadcast
    matmul(a, b);
  });

  it("refuses a vector operand", () => {
    const v = input("v", [384] as const);
    // @ts-expect-error matmul: right operand [384] needs rank >= 2
    matmul(tokens, v);
  });
});
