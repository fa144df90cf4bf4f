/**
 * @file The optimisation pipeline: dead-code elimination, constant folding, simplification, CSE and
 * the batched-matmul-sum rewrite, repeated while the graph keeps shrinking (each pass can expose work
 * for the others: a fold makes a splat, a simplification makes two nodes equal).
 */

import type { Graph } from "../../trace/index.js";
import { batchMatmulSums } from "./batch-matmul.js";
import { cse } from "./cse.js";
import { dce } from "./dce.js";
import { fold } from "./fold.js";
import { nodeCount, type Pass } from "./rewrite.js";
import { simplify } from "./simplify.js";

/** The passes `optimize` runs, in order. */
export const pipeline: ReadonlyArray<Pass> = [dce, fold, simplify, cse, batchMatmulSums];

/**
 * Runs the pipeline to a fixed point (at most `rounds` times).
 * @example
 * const g = optimize(trace(({ x }) => mul(add(x, 0), 1), { x: spec([3]) })); // just x
 */
export const optimize = (graph: Graph, rounds = 4): Graph => {
  let g = graph;
  for (let r = 0; r < rounds; r++) {
    const before = nodeCount(g);
    const next = pipeline.reduce((acc, p) => p.run(acc), g);
    const changed = next.outputs.some((o, i) => o !== g.outputs[i]);
    g = next;
    if (!changed || nodeCount(g) >= before) break;
  }
  return g;
};
