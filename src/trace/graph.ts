/**
 * @file Closed graphs, like jaxprs: named inputs, outputs, and the pytree structures to rebuild
 * arguments and results. Topological order is the one walk every pass and backend shares.
 */

import type { Node } from "../ir/index.js";
import type { TreeDef } from "./pytree.js";

/**
 * A closed expression graph, like a jaxpr: named input nodes, output nodes, and the pytree structures that rebuild the function's arguments
 * and result. What `trace` returns and every pass and backend consumes.
 */
export interface Graph {
  /** The input placeholders, in the order of the argument pytree's leaves. */
  readonly inputs: ReadonlyArray<Node<"input">>;
  /** The result nodes, in the order of the result pytree's leaves. */
  readonly outputs: ReadonlyArray<Node>;
  /** Structure of the function's arguments (leaves are the inputs, in order). */
  readonly inputTree: TreeDef;
  /** Structure of the function's result (leaves are the outputs, in order). */
  readonly outputTree: TreeDef;
}

/** Every node reachable from `outputs`, each after its inputs (iterative: graphs are deep). */
export const topo = (outputs: ReadonlyArray<Node>): Node[] => {
  const order: Node[] = [];
  const done = new Set<Node>();
  const stack: Array<[Node, number]> = outputs.map((n) => [n, 0] as [Node, number]).reverse();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, next] = top;
    if (done.has(node)) {
      stack.pop();
      continue;
    }
    if (next < node.inputs.length) {
      top[1] = next + 1;
      const child = node.inputs[next]!;
      if (!done.has(child)) stack.push([child, 0]);
    } else {
      stack.pop();
      done.add(node);
      order.push(node);
    }
  }
  return order;
};

/** Number of uses of each node among `order` (outputs count once each). */
export const useCounts = (order: ReadonlyArray<Node>, outputs: ReadonlyArray<Node>): Map<Node, number> => {
  const uses = new Map<Node, number>();
  for (const n of order) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  return uses;
};
