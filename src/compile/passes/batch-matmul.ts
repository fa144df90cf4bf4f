/**
 * @file Summing a batched matmul over its batch axes is one matmul over a longer inner axis:
 * `Σ_b A_b·B_b = [A_0 … A_n]·[B_0; …; B_n]`. Weight gradients of layers applied to batches have this
 * form (the VJP of broadcasting the weight over the batch is a sum), and the rewrite turns a batch of
 * products plus a reduction (and a `batch × m × n` intermediate) into one kernel. The operands are
 * rearranged with permute and reshape, which lowering folds into the loads; for row-major activations
 * the folded index is contiguous again.
 */

import { matmul, permute, reshape, type Node } from "../../ir/index.js";
import { size } from "../../shape/index.js";
import { topo, useCounts } from "../../trace/index.js";
import { rewrite, type Pass } from "./rewrite.js";

const sumOfBatchedMatmul = (node: Node, original: Node, uses: ReadonlyMap<Node, number>): Node | undefined => {
  if (node.op !== "sum") return undefined;
  const m = node.inputs[0]!;
  const r = m.shape.length;
  const axes = (node as Node<"sum">).attrs.axes;
  if (m.op !== "matmul" || r < 3 || uses.get(original.inputs[0]!) !== 1) return undefined;
  if (axes.length !== r - 2 || !axes.every((a, i) => a === i)) return undefined;
  const [a, b] = m.inputs as [Node, Node];
  const batch = size(m.shape.slice(0, -2));
  const [rows, k] = a.shape.slice(-2) as [number, number];
  const cols = m.shape[r - 1]!;
  // A2[i, (batch, p)] = a[batch, i, p]; B2[(batch, p), j] = b[batch, p, j]
  const lead = Array.from({ length: r - 2 }, (_, i) => i);
  const a2 = reshape(permute(a, [r - 2, ...lead, r - 1] as never) as Node, [rows, batch * k]);
  const b2 = reshape(b, [batch * k, cols]);
  return reshape(matmul(a2, b2), node.shape);
};

/** Rewrites `sum over all batch axes (matmul(a, b))` into one matmul when the product has no other use. */
export const batchMatmulSums: Pass = {
  name: "batchMatmulSums",
  run: (graph) => {
    const uses = useCounts(topo(graph.outputs), graph.outputs);
    return rewrite(graph, (node, original) => sumOfBatchedMatmul(node, original, uses) ?? node);
  },
};
