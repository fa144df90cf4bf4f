/**
 * @file Constant folding: a node whose inputs are all constants is evaluated now, in float64, by its
 * op's own reference evaluator. Folding never makes data bigger: a node is folded only when its output
 * has no more elements than its largest input, so `expand` of a scalar stays a (free, virtual) expand
 * instead of becoming a buffer, and `iota` stays an index expression.
 */

import { constant, opDef, type Data, type EvalContext, type Node, type OpDef, type OpName } from "../../ir/index.js";
import { size } from "../../shape/index.js";
import { rewrite, type Pass } from "./rewrite.js";

const f64: EvalContext = { floats: (n) => new Float64Array(n) };

const foldable = (node: Node): boolean =>
  node.inputs.length > 0 &&
  node.inputs.every((x) => x.op === "constant") &&
  size(node.shape) <= Math.max(...node.inputs.map((x) => size(x.shape)));

const evaluate = (node: Node): Data => {
  const def = opDef(node.op) as unknown as OpDef<OpName>;
  return def.evaluate(
    node.inputs.map((x) => (x as Node<"constant">).attrs.data),
    node,
    f64,
  );
};

/** Evaluates constant subgraphs that do not grow. */
export const fold: Pass = {
  name: "fold",
  run: (graph) => rewrite(graph, (node) => (foldable(node) ? constant(evaluate(node), node.shape, node.dtype) : node)),
};
