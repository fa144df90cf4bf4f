/**
 * @file One small forward case per primitive (typed over `OpName`, so a new primitive without a case
 * does not compile), shared by backend equivalence tests in Node and in the browser: a function of
 * named inputs, their specs, and seeded input data inside each op's domain.
 */

import {
  add,
  cast,
  concat,
  constant,
  cos,
  div,
  equal,
  erf,
  exp,
  fromData,
  gather,
  iota,
  less,
  log,
  matmul,
  max,
  maximum,
  mul,
  neg,
  pad,
  permute,
  pow,
  reshape,
  scatterAdd,
  select,
  sin,
  slice,
  sqrt,
  stopGradient,
  sub,
  sum,
  tanh,
  broadcastTo,
  type DType,
  type HostTensor,
  type OpName,
  type Tensor,
} from "../../src/ir";
import { spec, type Spec } from "../../src/trace";
import { grad } from "../../src/autodiff";
import { uniform } from "./uniform";

export interface InputSpec extends Spec {
  /** Values drawn uniformly from [lo, hi); integers for i32 (hi exclusive). */
  readonly range: readonly [number, number];
}

export interface PrimitiveCase {
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly f: (x: Readonly<Record<string, Tensor>>) => Tensor;
}

const f32 = (shape: ReadonlyArray<number>, range: readonly [number, number] = [-2, 2]): InputSpec => ({ ...spec([...shape]), range });
const i32 = (shape: ReadonlyArray<number>, hi: number): InputSpec => ({ ...spec([...shape], "i32"), range: [0, hi] });
const unary = (op: (x: Tensor) => Tensor, range?: readonly [number, number]): PrimitiveCase => ({
  inputs: { x: f32([3, 5], range) },
  f: ({ x }) => op(x!),
});
// b broadcasts along the first axis, so every binary case also checks broadcast indexing.
const binary = (op: (a: Tensor, b: Tensor) => Tensor, ra?: readonly [number, number], rb?: readonly [number, number]): PrimitiveCase => ({
  inputs: { a: f32([4, 6], ra), b: f32([1, 6], rb) },
  f: ({ a, b }) => op(a!, broadcastTo(b!, [4, 6])),
});

export const primitiveCases = {
  input: { inputs: { x: f32([2, 3]) }, f: ({ x }) => x! },
  constant: { inputs: { x: f32([2, 3]) }, f: ({ x }) => add(x!, constant([1, -2, 3, 0.5, 7, -0.25], [2, 3])) },
  iota: { inputs: { x: f32([3, 4]) }, f: ({ x }) => mul(x!, cast(iota([3, 4], 1), "f32")) },
  neg: unary(neg),
  exp: unary(exp),
  log: unary(log, [0.1, 10]),
  sin: unary(sin, [-3, 3]),
  cos: unary(cos, [-3, 3]),
  sqrt: unary(sqrt, [0, 10]),
  tanh: unary(tanh, [-3, 3]),
  erf: unary(erf, [-3, 3]),
  add: binary(add),
  sub: binary(sub),
  mul: binary(mul),
  div: binary(div, [-2, 2], [0.5, 2]),
  pow: binary(pow, [0.1, 3], [-2, 2]),
  maximum: binary(maximum),
  less: binary((a, b) => cast(less(a, b), "f32")),
  equal: { inputs: { a: i32([4, 6], 3), b: i32([4, 6], 3) }, f: ({ a, b }) => cast(equal(a!, b!), "f32") },
  select: { inputs: { a: f32([4, 6]), b: f32([4, 6]) }, f: ({ a, b }) => select(less(a!, b!), a!, mul(b!, 3)) },
  sum: { inputs: { x: f32([3, 4, 5]) }, f: ({ x }) => sum(x!, [1]) },
  max: { inputs: { x: f32([3, 4, 5]) }, f: ({ x }) => max(x!, [0, 2]) },
  reshape: { inputs: { x: f32([3, 4, 5]) }, f: ({ x }) => reshape(x!, [5, 12]) },
  permute: { inputs: { x: f32([2, 3, 4]) }, f: ({ x }) => permute(x!, [2, 0, 1]) },
  expand: { inputs: { x: f32([3, 1]) }, f: ({ x }) => broadcastTo(x!, [3, 5]) },
  slice: { inputs: { x: f32([5, 6]) }, f: ({ x }) => slice(x!, 1, 2, 5) },
  pad: { inputs: { x: f32([3, 4]) }, f: ({ x }) => pad(x!, 0, 1, 2) },
  concat: { inputs: { a: f32([2, 3]), b: f32([4, 3]) }, f: ({ a, b }) => concat([a!, b!], 0) },
  gather: { inputs: { x: f32([3, 7]), i: i32([3, 5], 7) }, f: ({ x, i }) => gather(x!, i!, 1) },
  scatterAdd: { inputs: { base: f32([3, 7]), i: i32([3, 5], 7), u: f32([3, 5]) }, f: ({ base, i, u }) => scatterAdd(base!, i!, u!, 1) },
  matmul: { inputs: { a: f32([2, 5, 7]), b: f32([2, 7, 3]) }, f: ({ a, b }) => matmul(a!, b!) },
  cast: { inputs: { x: f32([3, 4], [-5, 5]) }, f: ({ x }) => cast(cast(x!, "i32"), "f32") },
  stopGradient: { inputs: { x: f32([3, 4]) }, f: ({ x }) => stopGradient(x!) },
} satisfies { readonly [K in OpName]: PrimitiveCase };

export type PrimitiveName = keyof typeof primitiveCases;
export const primitiveNames = Object.keys(primitiveCases) as PrimitiveName[];

const dataFor = (s: InputSpec, seed: number): number[] => {
  const [lo, hi] = s.range;
  const u = uniform(
    s.shape.reduce((a, b) => a * b, 1),
    seed,
  );
  return Array.from(u, (v) => {
    const x = lo + ((v + 1) / 2) * (hi - lo);
    return s.dtype === "i32" ? Math.min(hi - 1, Math.floor(x)) : x;
  });
};

/** Seeded host inputs of a case, by input name. */
export const caseInputs = (c: PrimitiveCase): Record<string, HostTensor> =>
  Object.fromEntries(Object.entries(c.inputs).map(([name, s], i) => [name, fromData(dataFor(s, 17 + 31 * i), s.shape, s.dtype as DType)]));

/**
 * The case's VJP as a case of its own: gradients of Σ f(x)·cot with respect to the f32 inputs, for a
 * seeded constant cotangent; null when no input is f32 (nothing to differentiate).
 */
export const vjpCase = (c: PrimitiveCase): GradCase | null => {
  const floats = Object.keys(c.inputs).filter((k) => c.inputs[k]!.dtype === "f32");
  if (floats.length === 0) return null;
  return {
    inputs: c.inputs,
    f: (x) => {
      const loss = (p: Readonly<Record<string, Tensor>>): Tensor<readonly []> => {
        const y = c.f({ ...x, ...p });
        const cot = constant(
          uniform(
            y.shape.reduce((a, b) => a * b, 1),
            5,
          ),
          y.shape,
        );
        return reshape(sum(mul(y, cot)), []) as Tensor<readonly []>;
      };
      return grad(loss)(Object.fromEntries(floats.map((k) => [k, x[k]!])));
    },
  };
};

/** A case whose result is a record of tensors (gradients by input name). */
export interface GradCase {
  readonly inputs: PrimitiveCase["inputs"];
  readonly f: (x: Readonly<Record<string, Tensor>>) => Readonly<Record<string, Tensor>>;
}
