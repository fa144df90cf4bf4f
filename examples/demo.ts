/**
 * @file The DSL in one screen (`npx tsx examples/demo.ts`; `npm run demo` is the main job, docs/demo.md). A typed classifier (layerNorm, linear, softmax
 * cross-entropy), its traced graph, its gradient checked against central finite differences in
 * float64, and the graph exported as Graphviz dot to a temporary folder. Runs in about a second.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  add,
  flatten,
  fromData,
  isHostTensor,
  isNode,
  jit,
  layerNorm,
  linear,
  logSoftmax,
  mean,
  mul,
  neg,
  oneHot,
  primitiveNames,
  printGraph,
  reference,
  spec,
  sum,
  toDot,
  topo,
  unflatten,
  valueAndGrad,
  type HostTensor,
  type Tensor,
} from "mwmae-ts";

type Batch = 6;
type Features = 4;
type Classes = 3;

interface Classifier {
  readonly norm: { readonly scale: Tensor<readonly [Features]>; readonly bias: Tensor<readonly [Features]> };
  readonly head: { readonly w: Tensor<readonly [Features, Classes]>; readonly b: Tensor<readonly [Classes]> };
}

const logits = (p: Classifier, x: Tensor<readonly [Batch, Features]>): Tensor<readonly [Batch, Classes]> =>
  linear(layerNorm(x, p.norm.scale, p.norm.bias), p.head.w, p.head.b);

/** Mean softmax cross-entropy: −mean over the batch of log p(label). */
const crossEntropy = (p: Classifier, x: Tensor<readonly [Batch, Features]>, labels: Tensor<readonly [Batch]>): Tensor<readonly []> => {
  const picked: Tensor<readonly [Batch]> = sum(mul(logSoftmax(logits(p, x)), oneHot(labels, 3)), [-1]);
  return neg(mean(picked));
};

const specs = {
  params: { norm: { scale: spec([4]), bias: spec([4]) }, head: { w: spec([4, 3]), b: spec([3]) } },
  x: spec([6, 4]),
  labels: spec([6], "i32"),
};

console.log(`mwmae-ts demo: a shape-typed tensor DSL (${primitiveNames.length} primitives, everything else composites)\n`);

// 1. The model's graph, as traced: every op with its dtype and shape.
const forward = await jit(({ params, x, labels }) => crossEntropy(params, x, labels), specs, reference());
console.log("1. the loss of a typed classifier, traced:");
console.log(printGraph(forward.graph));

// 2. Its value and gradient in float64, checked with the dot-product test: for a direction t,
//    ⟨∇L, t⟩ must equal (L(p + εt) − L(p − εt)) / 2ε. The perturbation runs inside the graph, so the
//    inputs stay exact; ε = 2⁻¹⁷ is exact in float32 too.
const f64 = reference({ precision: "f64", checkFinite: true });
const lossAndGrad = await jit(({ params, x, labels }) => valueAndGrad(crossEntropy)(params, x, labels), specs, f64);
const moveAlong = <P>(params: P, dir: P, eps: Tensor<readonly []>): P => {
  const p = flatten(params, isNode);
  const t = flatten(dir, isNode).leaves;
  return unflatten(
    p.def,
    p.leaves.map((leaf, i) => add(leaf, mul(t[i]!, eps))),
  ) as P;
};
const shifted = await jit(
  ({ params, dir, eps, x, labels }) => crossEntropy(moveAlong<Classifier>(params, dir, eps), x, labels),
  { ...specs, dir: specs.params, eps: spec([]) },
  f64,
);

const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed + 1.7 * i));
const params = {
  norm: {
    scale: fromData(
      wave(4, 1).map((v) => 1 + 0.2 * v),
      [4],
    ),
    bias: fromData(
      wave(4, 2).map((v) => 0.1 * v),
      [4],
    ),
  },
  head: {
    w: fromData(wave(12, 3), [4, 3]),
    b: fromData(
      wave(3, 4).map((v) => 0.1 * v),
      [3],
    ),
  },
};
const dir = {
  norm: { scale: fromData(wave(4, 5), [4]), bias: fromData(wave(4, 6), [4]) },
  head: { w: fromData(wave(12, 7), [4, 3]), b: fromData(wave(3, 8), [3]) },
};
const x = fromData(wave(24, 9), [6, 4]);
const labels = fromData([0, 1, 2, 2, 1, 0], [6], "i32");

const [loss, grads] = await lossAndGrad({ params, x, labels });
const eps = 2 ** -17;
const plus = (await shifted({ params, dir, eps: fromData([eps], []), x, labels })).data[0]!;
const minus = (await shifted({ params, dir, eps: fromData([-eps], []), x, labels })).data[0]!;
const leaves = (t: unknown): HostTensor[] => flatten(t, isHostTensor).leaves;
const dot = (a: HostTensor[], b: HostTensor[]): number =>
  a.reduce((acc, u, i) => acc + Array.from(u.data).reduce((s, v, j) => s + v * b[i]!.data[j]!, 0), 0);
const analytic = dot(leaves(grads), leaves(dir));
const numeric = (plus - minus) / (2 * eps);
const relative = Math.abs(analytic - numeric) / Math.abs(numeric);
console.log(`\n2. loss (float64) = ${loss.data[0]!.toFixed(6)}; gradient of ${leaves(grads).length} parameter tensors`);
console.log(`   <grad, t>          = ${analytic.toFixed(9)}`);
console.log(`   central difference = ${numeric.toFixed(9)}`);
// Truncation error is O(ε²) ≈ 1e-10 and rounding O(1e-16/ε) ≈ 1e-11, so 1e-6 leaves a wide margin.
if (!(relative < 1e-6)) throw new Error(`gradient check failed: relative error ${relative}`);
console.log(`   gradient check passed (relative error ${relative.toExponential(1)} < 1e-6)`);

// 3. Graphviz export of the gradient graph.
const folder = join(tmpdir(), "mwmae-demo");
mkdirSync(folder, { recursive: true });
const dotFile = join(folder, "classifier-grad.dot");
writeFileSync(dotFile, toDot(lossAndGrad.graph, "classifier loss and gradient"));
console.log(`\n3. gradient graph: ${topo(lossAndGrad.graph.outputs).length} nodes, written as dot to ${dotFile}`);
console.log(`   render it with: dot -Tsvg ${dotFile} -o classifier-grad.svg`);
