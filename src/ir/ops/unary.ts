/**
 * @file Elementwise unary primitives on f32. Each VJP is one identity, reusing the output where the
 * derivative is a function of it (exp, sqrt, tanh).
 */

import type { Shape } from "../../shape/index.js";
import { alloc, apply, input0, sameDtype, type OpDef } from "../op-def.js";
import type { Node, Tensor } from "../node.js";
import type { UnaryOp } from "../op-names.js";
import { div, mul, sub } from "./binary.js";
import { scalar } from "./source.js";

const unaryOp = <K extends UnaryOp>(spec: {
  readonly name: K;
  readonly scalar: (x: number) => number;
  readonly vjp: (g: Node, y: Node, x: Node) => Node;
}): OpDef<K> => ({
  name: spec.name,
  shape: (inputs) => inputs[0]!.shape,
  dtype: sameDtype(spec.name, ["f32"]),
  vjp: (g, node) => [spec.vjp(g, node, input0(node))],
  evaluate: ([x], node, ctx) => {
    const out = alloc(node.dtype, x!.length, ctx);
    for (let i = 0; i < x!.length; i++) out[i] = spec.scalar(x![i]!);
    return out;
  },
});

const twoOverSqrtPi = 2 / Math.sqrt(Math.PI);

/**
 * erf to about 1e-15 in float64: the Maclaurin series below 2 and a continued fraction for erfc above
 * (smooth, so finite-difference gradient checks see no kinks).
 */
export const erfScalar = (x: number): number => {
  const ax = Math.abs(x);
  // Above 2 the series' alternating terms cancel (error ~ e^(x²)·1e-16, 2e-14 at 2.9); the fraction is exact to 1e-16.
  if (ax < 2) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 1; k < 80; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return twoOverSqrtPi * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated from the tail.
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
};

export const negDef = unaryOp({ name: "neg", scalar: (x) => -x, vjp: (g) => neg(g) });
export const expDef = unaryOp({ name: "exp", scalar: Math.exp, vjp: (g, y) => mul(g, y) }); // d eˣ = eˣ dx
export const logDef = unaryOp({ name: "log", scalar: Math.log, vjp: (g, _, x) => div(g, x) }); // d log x = dx/x
export const sinDef = unaryOp({ name: "sin", scalar: Math.sin, vjp: (g, _, x) => mul(g, cos(x)) });
export const cosDef = unaryOp({ name: "cos", scalar: Math.cos, vjp: (g, _, x) => neg(mul(g, sin(x))) });
// d √x = dx / (2√x)
export const sqrtDef = unaryOp({ name: "sqrt", scalar: Math.sqrt, vjp: (g, y) => div(g, mul(y, 2)) });
// d tanh x = (1 − tanh² x) dx
export const tanhDef = unaryOp({ name: "tanh", scalar: Math.tanh, vjp: (g, y) => mul(g, sub(1, mul(y, y))) });
// d erf x = 2/√π · e^(−x²) dx
export const erfDef = unaryOp({
  name: "erf",
  scalar: erfScalar,
  vjp: (g, _, x) => mul(g, mul(exp(neg(mul(x, x))), scalar(twoOverSqrtPi))),
});

type Unary = <S extends Shape>(x: Tensor<S>) => Tensor<S>;
const unary =
  <K extends UnaryOp>(def: OpDef<K>): Unary =>
  (x) =>
    apply(def, [x], {}) as never;

/** −x. */
export const neg: Unary = unary(negDef);
/** eˣ, elementwise. */
export const exp: Unary = unary(expDef);
/** Natural logarithm, elementwise. */
export const log: Unary = unary(logDef);
/** sin x, elementwise, x in radians. */
export const sin: Unary = unary(sinDef);
/** cos x, elementwise, x in radians. */
export const cos: Unary = unary(cosDef);
/** √x, elementwise; NaN for x < 0, and the gradient 1/(2√x) is infinite at 0. */
export const sqrt: Unary = unary(sqrtDef);
/** tanh x, elementwise. */
export const tanh: Unary = unary(tanhDef);
/** The error function (for exact GELU). */
export const erf: Unary = unary(erfDef);
