/**
 * @file Reverse mode as a graph-to-graph transform. Walking the forward graph backwards from the
 * outputs, each node's cotangent (the sum over its uses) is fed to its op's VJP rule, which builds the
 * input cotangents from ops. Only nodes on a path from `wrt` to the outputs are visited, so rules whose
 * results are not needed are never called.
 */

import { add, isNode, ops, scalar, zeros, type Node, type Tensor } from "../ir/index.js";
import { sameShape, ShapeError } from "../shape/index.js";
import { flatten, topo, unflatten, type TreeDef } from "../trace/index.js";

/** Raised when a gradient is asked of something that has none (i32 inputs, non-f32 outputs). */
export class NotDifferentiableError extends Error {
  override readonly name = "NotDifferentiableError";
}

/** Nodes from which some `wrt` node is reachable, i.e. those that depend on `wrt`. */
const dependents = (order: ReadonlyArray<Node>, wrt: ReadonlyArray<Node>): Set<Node> => {
  const live = new Set<Node>(wrt);
  for (const n of order) if (n.inputs.some((i) => live.has(i))) live.add(n);
  return live;
};

/**
 * Cotangents of `wrt` given cotangents of `outputs` (same shapes). A `wrt` node the outputs do not
 * depend on gets zeros.
 */
export const backprop = (outputs: ReadonlyArray<Node>, cotangents: ReadonlyArray<Node>, wrt: ReadonlyArray<Node>): Node[] => {
  wrt.forEach((w, i) => {
    if (w.dtype !== "f32")
      throw new NotDifferentiableError(`gradient requested for input ${i} of dtype ${w.dtype}: only f32 values have gradients`);
  });
  const order = topo(outputs);
  const live = dependents(order, wrt);
  const ct = new Map<Node, Node>();
  const accumulate = (n: Node, g: Node): void => {
    if (!sameShape(n.shape, g.shape))
      throw new ShapeError(`vjp of ${n.op}`, "cotangent shape differs from the value's", [n.shape, g.shape]);
    const prev = ct.get(n);
    ct.set(n, prev === undefined ? g : add(prev, g));
  };
  outputs.forEach((o, i) => {
    if (live.has(o) && o.dtype === "f32") accumulate(o, cotangents[i]!);
  });
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    const g = ct.get(node);
    if (g === undefined || node.inputs.length === 0 || !live.has(node)) continue;
    const rule = ops[node.op].vjp as (g: Node, n: Node) => ReadonlyArray<Node | null>;
    const grads = rule(g, node);
    node.inputs.forEach((x, j) => {
      const gj = grads[j];
      if (gj !== null && gj !== undefined && live.has(x) && x.dtype === "f32") accumulate(x, gj);
    });
  }
  return wrt.map((w) => ct.get(w) ?? zeros(w.shape));
};

const leavesOf = (tree: unknown, what: string): { leaves: Node[]; def: TreeDef; paths: string[] } => {
  const { leaves, def, paths } = flatten(tree, isNode);
  if (leaves.length === 0) throw new NotDifferentiableError(`${what} holds no tensors`);
  return { leaves, def, paths };
};

/**
 * `vjp(f, primals)`: the value of `f` and a function from output cotangents (same structure) to input
 * cotangents (the primals' structure), both as graphs.
 */
export const vjp = <P, O>(
  f: (primals: P) => O,
  primals: P,
): {
  /** The value of `f(primals)`, as graphs. */
  readonly out: O;
  /** Maps cotangents shaped like `out` to cotangents shaped like `primals` (gradients when seeded with ones). */
  readonly pullback: (cotangent: O) => P;
} => {
  const inp = leavesOf(primals, "vjp: the primals");
  inp.leaves.forEach((l, i) => {
    if (l.dtype !== "f32")
      throw new NotDifferentiableError(`vjp: primal "${inp.paths[i] || i}" is ${l.dtype}; only f32 inputs are differentiable`);
  });
  const out = f(primals);
  const outs = leavesOf(out, "vjp: the result");
  return {
    out,
    pullback: (cotangent) => {
      const cts = flatten(cotangent, isNode).leaves;
      if (cts.length !== outs.leaves.length) throw new ShapeError("vjp", `${cts.length} cotangents for ${outs.leaves.length} outputs`);
      return unflatten(inp.def, backprop(outs.leaves, cts, inp.leaves)) as P;
    },
  };
};

/** Checks that `y` is a scalar f32, the only thing `grad` differentiates. */
const scalarOutput = (y: unknown): Node => {
  if (!isNode(y)) throw new NotDifferentiableError("grad: the function must return a tensor");
  if (y.dtype !== "f32") throw new NotDifferentiableError(`grad: the function returns ${y.dtype}; only f32 outputs are differentiable`);
  if (y.shape.length !== 0) throw new NotDifferentiableError(`grad: the function must return a scalar, got shape [${y.shape.join(", ")}]`);
  return y;
};

/**
 * `valueAndGrad(f)(params, ...rest)`: `f`'s scalar value and its gradient with respect to the first
 * argument, a pytree of f32 tensors; the gradient has the same structure and shapes.
 */
export const valueAndGrad =
  <P, R extends readonly unknown[]>(f: (params: P, ...rest: R) => Tensor<readonly []>) =>
  (params: P, ...rest: R): readonly [Tensor<readonly []>, P] => {
    const inp = leavesOf(params, "grad: the parameters");
    inp.leaves.forEach((l, i) => {
      if (l.dtype !== "f32")
        throw new NotDifferentiableError(`grad: parameter "${inp.paths[i] || i}" is ${l.dtype}; only f32 inputs are differentiable`);
    });
    const y = scalarOutput(f(params, ...rest));
    const grads = backprop([y], [scalar(1)], inp.leaves);
    return [y as Tensor<readonly []>, unflatten(inp.def, grads) as P];
  };

/** `grad(f)(params, ...rest)`: the gradient of a scalar `f` with respect to its first argument. */
export const grad =
  <P, R extends readonly unknown[]>(f: (params: P, ...rest: R) => Tensor<readonly []>) =>
  (params: P, ...rest: R): P =>
    valueAndGrad(f)(params, ...rest)[1];
