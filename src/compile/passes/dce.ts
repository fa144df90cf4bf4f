/**
 * @file Dead-code elimination. A graph is what its outputs reach, so an unused node is gone by
 * construction; what is left to remove is work whose result is never needed: `stopGradient` (the
 * identity once gradients are graphs of their own) and the condition of a `select` whose branches are
 * the same node.
 */

import type { Node } from "../../ir/index.js";
import { rewrite, type Pass } from "./rewrite.js";

const dead = (node: Node): Node => {
  if (node.op === "stopGradient") return node.inputs[0]!;
  if (node.op === "select" && node.inputs[1] === node.inputs[2]) return node.inputs[1]!;
  return node;
};

/** Removes identities that only matter to autodiff, and selects that do not choose. */
export const dce: Pass = { name: "dce", run: (graph) => rewrite(graph, dead) };
