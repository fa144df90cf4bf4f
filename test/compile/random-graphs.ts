/**
 * @file Random graphs over the primitive set for properties of the compiler: a pool of tensors (two
 * [2, 3] inputs, splats and constants) grown by steps that each apply one primitive, through its typed
 * constructor, to pool members picked by index; the last three pool entries are the outputs. Steps
 * and values are drawn independently, so a failure shrinks to few steps and simple values.
 */

import fc from "fast-check";
import {
  add,
  broadcastTo,
  concat,
  constant,
  cos,
  div,
  exp,
  flatten,
  full,
  input,
  isNode,
  less,
  matmul,
  max,
  maximum,
  mul,
  neg,
  pad,
  reshape,
  select,
  slice,
  stopGradient,
  sub,
  sum,
  tanh,
  transpose,
  type Graph,
  type Node,
  type Tensor,
} from "../../src";

interface Step {
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly k: number;
}

const build = (x: Tensor, y: Tensor, steps: ReadonlyArray<Step>, values: ReadonlyArray<number>): Tensor[] => {
  const pool: Tensor[] = [
    x,
    y,
    full([2, 3], 0),
    full([2, 3], 1),
    constant(values.slice(0, 6), [2, 3]),
    constant(values.slice(0, 6), [2, 3]),
  ];
  const pick = (i: number): Tensor => pool[i % pool.length]!;
  for (const s of steps) {
    const [a, b] = [pick(s.a), pick(s.b)];
    const k = s.k;
    const next: Tensor = [
      () => add(a, b),
      () => sub(a, b),
      () => mul(a, b),
      () => div(a, add(mul(b, b), 1)),
      () => maximum(a, b),
      () => neg(a),
      () => exp(tanh(a)),
      () => cos(a),
      () => reshape(reshape(a, [3, 2]), [2, 3]),
      () => transpose(transpose(a)),
      () => broadcastTo(sum(a, [k % 2] as never, true) as Tensor, [2, 3]),
      () => broadcastTo(max(a, [1], true) as Tensor, [2, 3]),
      () => select(less(a, b), a, stopGradient(b)),
      () => mul(a, k === 0 ? 0 : 1),
      () => add(a, k),
      () => slice(pad(a, 1, 1, 2), 1, k % 3, (k % 3) + 3),
      () => slice(concat([a, b], 0), 0, k % 3, (k % 3) + 2),
      () => broadcastTo(sum(matmul(a, transpose(b)), [1], true) as Tensor, [2, 3]),
    ][s.op]!();
    pool.push(next);
  }
  return pool.slice(-3);
};

const step: fc.Arbitrary<Step> = fc.record({ op: fc.nat({ max: 17 }), a: fc.nat(), b: fc.nat(), k: fc.nat({ max: 5 }) });

/** A random graph of inputs `x`, `y` (both [2, 3])and 12 float32 values: x's are the first 6, y's the rest. */
export const randomGraph: fc.Arbitrary<{ readonly graph: Graph; readonly values: ReadonlyArray<number> }> = fc
  .tuple(
    fc.array(step, { minLength: 1, maxLength: 12 }),
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }).map(Math.fround), { minLength: 12, maxLength: 12 }),
  )
  .map(([steps, values]) => {
    const x = input("x", [2, 3]);
    const y = input("y", [2, 3]);
    const outputs = build(x, y, steps, values);
    const inputs = [x, y] as Node<"input">[];
    return { graph: { inputs, outputs, inputTree: flatten(inputs, isNode).def, outputTree: flatten(outputs, isNode).def }, values };
  });
