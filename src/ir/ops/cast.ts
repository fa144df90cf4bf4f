/**
 * @file `cast` between dtypes and `stopGradient`. Neither passes a gradient: a cast to or from an
 * integer has none, and a float-to-float cast is the identity and never built.
 */

import type { Shape } from "../../shape/index.js";
import { alloc, apply, type OpDef } from "../op-def.js";
import type { DType, Tensor } from "../node.js";

export const castDef: OpDef<"cast"> = {
  name: "cast",
  shape: ([x]) => x!.shape,
  dtype: (_, { to }) => to,
  vjp: () => [null],
  evaluate: ([x], node, ctx) => {
    const out = alloc(node.dtype, x!.length, ctx);
    const to = node.attrs.to;
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      out[i] = to === "i32" ? Math.trunc(v) : to === "bool" ? (v !== 0 ? 1 : 0) : v;
    }
    return out;
  },
};

export const stopGradientDef: OpDef<"stopGradient"> = {
  name: "stopGradient",
  shape: ([x]) => x!.shape,
  dtype: ([x]) => x!.dtype,
  vjp: () => [null],
  evaluate: ([x], node, ctx) => {
    const out = alloc(node.dtype, x!.length, ctx);
    out.set(x!);
    return out;
  },
};

/** Converts dtype; f32 → i32 truncates toward zero, anything → bool tests ≠ 0. */
export const cast = <S extends Shape>(x: Tensor<S>, to: DType): Tensor<S> =>
  (x.dtype === to ? x : apply(castDef, [x], { to })) as Tensor<S>;

/** The identity, with zero derivative: gradients do not flow through it. */
export const stopGradient = <S extends Shape>(x: Tensor<S>): Tensor<S> =>
  (x.op === "stopGradient" || x.dtype !== "f32" ? x : apply(stopGradientDef, [x], {})) as Tensor<S>;
