/**
 * @file Synchronous evaluation on the reference interpreter for properties: float64 for gradient
 * checks and numeric laws, float32 (what programs run in) for structural laws.
 */

import { interpret, type Data, type Node } from "../../src";

/** Input nodes and their values. */
export type Bindings = ReadonlyArray<readonly [Node, Data]>;

/** Evaluates `nodes` in float64 with `bound` values for input nodes. */
export const runF64 = (nodes: ReadonlyArray<Node>, bound: Bindings = []): Data[] => interpret(nodes, new Map(bound), { precision: "f64" });

/** Evaluates `nodes` in float32, rounding after every op as a GPU does. */
export const runF32 = (nodes: ReadonlyArray<Node>, bound: Bindings = []): Data[] => interpret(nodes, new Map(bound), { precision: "f32" });
