/**
 * @file The one way a pass changes a graph: rebuild it bottom-up, giving each node (with its inputs
 * already rewritten) to a rule that returns its replacement. Nodes are immutable, so a rebuilt node is
 * a new value and an unchanged one is kept as is; graph inputs are never replaced, because a prepared
 * graph is called with one value per input.
 */

import { apply, opDef, type Node, type OpDef, type OpName } from "../../ir/index.js";
import { sameShape } from "../../shape/index.js";
import { topo, type Graph } from "../../trace/index.js";

/** A graph-to-graph transform with a name (for printing the pipeline and its tests). */
export interface Pass {
  /** The pass's name, as printed in the pipeline. */
  readonly name: string;
  /** Transforms a graph into an equivalent one; it returns new nodes and never mutates the input. */
  readonly run: (graph: Graph) => Graph;
}

/** `node` with new inputs (the same node when they did not change), shape and dtype rules rerun. */
export const withInputs = (node: Node, inputs: ReadonlyArray<Node>): Node =>
  inputs.every((x, i) => x === node.inputs[i]) ? node : apply(opDef(node.op) as unknown as OpDef<OpName>, inputs, node.attrs);

/**
 * Rebuilds `graph`, replacing each node by `rule(node, original)` where `node` already has rewritten
 * inputs and `original` is the node in `graph` (for facts about the old graph, such as use counts). A
 * replacement must have the node's shape and dtype (checked: a rule that changes either is a bug).
 */
export const rewrite = (graph: Graph, rule: (node: Node, original: Node) => Node): Graph => {
  const done = new Map<Node, Node>();
  for (const node of topo(graph.outputs)) {
    if (node.op === "input") {
      done.set(node, node);
      continue;
    }
    const rebuilt = withInputs(
      node,
      node.inputs.map((x) => done.get(x)!),
    );
    const out = rule(rebuilt, node);
    if (!sameShape(out.shape, node.shape) || out.dtype !== node.dtype) {
      throw new Error(`rewrite: a rule replaced ${node.op}:${node.dtype}[${node.shape}] by ${out.op}:${out.dtype}[${out.shape}]`);
    }
    done.set(node, out);
  }
  return { ...graph, outputs: graph.outputs.map((o) => done.get(o)!) };
};

/** Number of nodes a graph's outputs reach, inputs included. */
export const nodeCount = (graph: Pick<Graph, "outputs">): number => topo(graph.outputs).length;
