/**
 * @file A two-layer MLP as a typed pytree of parameters, its loss, `valueAndGrad`, and one step of
 * gradient descent that lowers the loss; then the printed graph of the gradient of a smaller function.
 * Run: `npx tsx examples/mlp-gradient.ts`.
 */

import {
  flatten,
  fold,
  fromData,
  isNode,
  jit,
  key,
  linear,
  mse,
  mul,
  normal,
  printGraph,
  realize,
  reference,
  spec,
  sub,
  sum,
  tanh,
  trace,
  unflatten,
  valueAndGrad,
  zeros,
  type Key,
  type Tensor,
} from "mwmae-ts";

// Parameters are a plain record of tensors (a pytree): the gradient has the very same type.
interface Mlp {
  readonly fc1: { readonly w: Tensor<readonly [3, 8]>; readonly b: Tensor<readonly [8]> };
  readonly fc2: { readonly w: Tensor<readonly [8, 1]>; readonly b: Tensor<readonly [1]> };
}

const mlp = (p: Mlp, x: Tensor<readonly [4, 3]>): Tensor<readonly [4, 1]> => linear(tanh(linear(x, p.fc1.w, p.fc1.b)), p.fc2.w, p.fc2.b);

const loss = (p: Mlp, x: Tensor<readonly [4, 3]>, y: Tensor<readonly [4, 1]>): Tensor<readonly []> => mse(mlp(p, x), y);

// Plain gradient descent over any pytree: p − lr·g, leaf by leaf.
const sgd = <P>(params: P, grads: P, lr: number): P => {
  const p = flatten(params, isNode);
  const g = flatten(grads, isNode).leaves;
  return unflatten(
    p.def,
    p.leaves.map((leaf, i) => sub(leaf, mul(g[i]!, lr))),
  ) as P;
};

// One training step as a function of tensors: the loss before the step and the updated parameters.
const step = ({ params, x, y }: { params: Mlp; x: Tensor<readonly [4, 3]>; y: Tensor<readonly [4, 1]> }) => {
  const [value, grads] = valueAndGrad(loss)(params, x, y);
  return { loss: value, params: sgd(params, grads, 0.1) };
};

// Specs name the inputs' shapes; `jit` traces `step` once and prepares it for a backend.
const specs = {
  params: { fc1: { w: spec([3, 8]), b: spec([8]) }, fc2: { w: spec([8, 1]), b: spec([1]) } },
  x: spec([4, 3]),
  y: spec([4, 1]),
};
const train = await jit(step, specs, reference());

// Initial parameters from a key: `normal` builds constants from counter-based bits, so the same seed
// gives the same numbers on every run and every backend; `fold` derives one key per layer.
const init = (k: Key): Mlp => ({
  fc1: { w: mul(normal(fold(k, 1), [3, 8]), 1 / Math.sqrt(3)), b: zeros([8]) },
  fc2: { w: mul(normal(fold(k, 2), [8, 1]), 1 / Math.sqrt(8)), b: zeros([1]) },
});
const params0 = await realize(init(key(0))); // constants only, so they evaluate eagerly to host tensors
const x = fromData([0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1], [4, 3]);
const y = fromData([0.5, -0.5, 1, 0], [4, 1]);

const first = await train({ params: params0, x, y });
const second = await train({ params: first.params, x, y });
const before = first.loss.data[0]!;
const after = second.loss.data[0]!;
console.log(`step graph: ${train.graph.inputs.length} inputs, ${train.graph.outputs.length} outputs (loss + 4 updated parameters)`);
console.log(`loss before the step: ${before.toFixed(6)}`);
console.log(`loss after one SGD step (lr 0.1): ${after.toFixed(6)}`);
if (!(after < before)) throw new Error(`one SGD step did not lower the loss (${before} → ${after})`);
console.log("the step lowered the loss");

// The gradient is itself a graph. Printed for a small function: d/dw Σ tanh(x·w).
const small = trace(({ x, w }) => valueAndGrad((v: Tensor<readonly [2]>) => sum(tanh(mul(x, v))))(w), {
  x: spec([2]),
  w: spec([2]),
});
console.log("\nvalue and gradient of sum(tanh(x * w)) with respect to w:");
console.log(printGraph(small));
