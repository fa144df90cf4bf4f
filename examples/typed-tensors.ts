/**
 * @file A typed tensor, broadcasting, a matmul and a reduction, evaluated eagerly on the reference
 * backend. The annotations are not needed (inference finds them); they show what the checker knows.
 * Run: `npx tsx examples/typed-tensors.ts`.
 */

import { add, constant, matmul, mul, printGraph, realize, spec, sum, toNested, trace, type Tensor } from "mwmae-ts";

// A tensor's shape is part of its type: a readonly tuple of literal dims.
const x: Tensor<readonly [2, 3]> = constant([1, 2, 3, 4, 5, 6], [2, 3]);
const bias: Tensor<readonly [3]> = constant([10, 20, 30], [3]);

// Broadcasting follows NumPy (right-aligned; size-1 and missing dims stretch), in the type and at trace time.
const shifted: Tensor<readonly [2, 3]> = add(x, bias);
const column: Tensor<readonly [2, 1]> = constant([1, -1], [2, 1]);
const signed: Tensor<readonly [2, 3]> = mul(shifted, column);
const halved: Tensor<readonly [2, 3]> = mul(signed, 0.5); // a number is a scalar of the tensor's dtype

// Matmul: [2, 3] @ [3, 2] → [2, 2]; the inner dims must agree.
const w: Tensor<readonly [3, 2]> = constant([1, 0, 0, 1, 1, 1], [3, 2]);
const y: Tensor<readonly [2, 2]> = matmul(halved, w);

// Reductions name their axes (negative counts from the end); the reduced axes leave the type.
const rows: Tensor<readonly [2]> = sum(y, [-1]);
const total: Tensor<readonly []> = sum(y);

// Nothing has run yet: these are graph nodes. `realize` evaluates constant-only graphs eagerly.
const host = await realize({ shifted, signed, y, rows, total });
const show = (name: string, t: { shape: ReadonlyArray<number>; dtype: string }, value: unknown) =>
  console.log(`${name}: ${t.dtype}[${t.shape.join(",")}] = ${JSON.stringify(value)}`);
show("x + bias", host.shifted, toNested(host.shifted));
show("(x + bias) * column", host.signed, toNested(host.signed));
show("y = halved @ w", host.y, toNested(host.y));
show("sum(y, [-1])", host.rows, toNested(host.rows));
show("sum(y)", host.total, toNested(host.total));

// The same operations on named placeholders instead of constants: `trace` closes them into a graph.
// Broadcasting shows up as reshape + expand, which is how the primitives see it.
const affine = trace(({ x, w, b }) => add(matmul(x, w), b), { x: spec([2, 3]), w: spec([3, 4]), b: spec([4]) });
console.log(printGraph(affine));
