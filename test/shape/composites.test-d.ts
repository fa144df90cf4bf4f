/** @file Types of composites: shape-keeping activations and norms, linear, and a typed two-layer MLP. */
import { describe, expectTypeOf, it } from "vitest";
import { argmax, gelu, input, layerNorm, linear, logSoftmax, mse, relu, softmax, type Tensor } from "../../src";

type Batch = 8;
type Patches = 250;
type Width = 384;
const tokens = input("tokens", [8, 250, 384] as const);

interface Mlp<D extends number, H extends number, O extends number> {
  readonly fc1: { readonly w: Tensor<readonly [D, H]>; readonly b: Tensor<readonly [H]> };
  readonly fc2: { readonly w: Tensor<readonly [H, O]>; readonly b: Tensor<readonly [O]> };
}
/** A typed two-layer MLP on the last axis. */
const mlp = <S extends readonly [...number[], D], D extends number, H extends number, O extends number>(p: Mlp<D, H, O>, x: Tensor<S>) =>
  linear(gelu(linear(x, p.fc1.w, p.fc1.b)), p.fc2.w, p.fc2.b);

const params: Mlp<Width, 1536, 64> = {
  fc1: { w: input("fc1/w", [384, 1536] as const), b: input("fc1/b", [1536] as const) },
  fc2: { w: input("fc2/w", [1536, 64] as const), b: input("fc2/b", [64] as const) },
};

describe("composite types", () => {
  it("keeps the shape through softmax, logSoftmax, gelu and relu", () => {
    expectTypeOf(softmax(tokens)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
    expectTypeOf(logSoftmax(tokens)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
    expectTypeOf(gelu(tokens)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
    expectTypeOf(relu(tokens)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
  });

  it("keeps the shape through layerNorm", () => {
    const scale = input("scale", [384] as const);
    expectTypeOf(layerNorm(tokens, scale, scale)).toEqualTypeOf<Tensor<readonly [8, 250, 384]>>();
  });

  it("maps the last axis with linear", () => {
    const w = input("w", [384, 64] as const);
    expectTypeOf(linear(tokens, w, input("b", [64] as const))).toEqualTypeOf<Tensor<readonly [8, 250, 64]>>();
  });

  it("gives a scalar loss and drops the last axis in argmax", () => {
    expectTypeOf(mse(tokens, tokens)).toEqualTypeOf<Tensor<readonly []>>();
    expectTypeOf(argmax(tokens)).toEqualTypeOf<Tensor<readonly [8, 250]>>();
  });

  it("types a two-layer MLP end to end", () => {
    expectTypeOf(mlp(params, tokens)).toEqualTypeOf<Tensor<readonly [Batch, Patches, 64]>>();
  });

  it("carries a dynamic batch through the MLP", () => {
    const x = input("x", [0 as number, 384] as const);
    expectTypeOf(mlp(params, x)).toEqualTypeOf<Tensor<readonly [number, 64]>>();
  });

  it("refuses features that do not match the weights", () => {
    const w = input("w", [383, 64] as const);
    // @ts-expect-error 384 is not assignable to 383: the weight's rows must equal the last dim
    linear(tokens, w);
    const scale = input("scale", [383] as const);
    // @ts-expect-error the scale's length must equal the last dim
    layerNorm(tokens, scale, scale);
    // @ts-expect-error the MLP's input width is 384
    mlp(params, input("narrow", [8, 383] as const));
  });
});
