/**
 * @file What the kit's checks share: arguments as plain values, synchronous evaluation on the
 * reference interpreter (float64 for gradients and laws, float32 as programs run), and the wording of
 * positions and numbers in failure messages.
 */

import { interpret } from "../backends/index.js";
import { input, type Data, type DType, type Node, type Tensor } from "../ir/index.js";
import { showShape, type Shape } from "../shape/index.js";

/** A value to check a function at: a shape and row-major values (a `HostTensor` qualifies). */
export interface Arg<S extends Shape = Shape> {
  readonly shape: S;
  readonly data: ArrayLike<number>;
  /** Element type (default "f32"); only f32 arguments are differentiated. */
  readonly dtype?: DType;
}

/** The tensors a checked function receives for a tuple of arguments, shapes kept. */
export type TensorsOfArgs<A extends ReadonlyArray<Arg>> = { readonly [I in keyof A]: Tensor<A[I]["shape"]> };

/** Input nodes and their values. */
export type Bindings = ReadonlyArray<readonly [Node, Data]>;

/**
 * Evaluates `nodes` in float64 on the reference interpreter, with `bound` values for input nodes.
 * @example
 * const [y] = runF64([exp(constant([0, 1], [2]))]); // Float64Array [1, 2.718281828459045]
 */
export const runF64 = (nodes: ReadonlyArray<Node>, bound: Bindings = []): Data[] => interpret(nodes, new Map(bound), { precision: "f64" });

/**
 * Evaluates `nodes` in float32, rounding after every op as a GPU does.
 * @example
 * const [y] = runF32([add(constant([1e8], [1]), 1)]); // Float32Array [100000000]
 */
export const runF32 = (nodes: ReadonlyArray<Node>, bound: Bindings = []): Data[] => interpret(nodes, new Map(bound), { precision: "f32" });

/** One input node per argument, named `x0`, `x1`, … with the argument's shape and dtype. */
export const inputsFor = (args: ReadonlyArray<Arg>, prefix = "x"): Node[] => args.map((a, i) => input(`${prefix}${i}`, a.shape, a.dtype));

/** An argument's values as the interpreter takes them: float64 for f32, Int32Array or Uint8Array otherwise. */
export const dataOf = (a: Arg): Data =>
  a.dtype === "i32" ? Int32Array.from(a.data) : a.dtype === "bool" ? Uint8Array.from(a.data) : Float64Array.from(a.data);

/** Row-major multi-index of flat index `i` in `shape`. */
export const multiIndex = (i: number, shape: Shape): number[] => {
  const out = new Array<number>(shape.length);
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = r % shape[d]!;
    r = Math.floor(r / shape[d]!);
  }
  return out;
};

/** `[1, 2]` for a multi-index (`[]` for a scalar's only element). */
export const showIndex = (index: ReadonlyArray<number>): string => `[${index.join(", ")}]`;

/** Shapes as `[2, 3], [3]`. */
export const showShapes = (shapes: ReadonlyArray<Shape>): string => (shapes.length === 0 ? "none" : shapes.map(showShape).join(", "));

/** A number for a message: 6 significant digits, exponent form when tiny or huge. */
export const num = (x: number): string => {
  if (!Number.isFinite(x) || x === 0) return Object.is(x, -0) ? "-0" : String(x);
  const a = Math.abs(x);
  return a < 1e-4 || a >= 1e6 ? x.toExponential(3).replace(/\.?0+e/, "e") : String(Number(x.toPrecision(6)));
};

/** Output leaves of a checked function's result: one tensor or a list of them. */
export const outputList = (y: Tensor | ReadonlyArray<Tensor>): ReadonlyArray<Tensor> =>
  "op" in y ? [y as Tensor] : (y as ReadonlyArray<Tensor>);
