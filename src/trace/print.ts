/**
 * @file Reading graphs: a jaxpr-like text form with a typed variable per node, and Graphviz dot.
 *
 * ```
 * { lambda x:f32[2,3] w:f32[3,4] .
 *     c:f32[2,4] = matmul x w
 *   in (c) }
 * ```
 */

import type { Node } from "../ir/index.js";
import { topo, type Graph } from "./graph.js";

const typeOf = (n: Node): string => `${n.dtype}[${n.shape.join(",")}]`;

/** a, b, …, z, ba, bb, … (like jaxpr variable names). */
const varName = (i: number): string => {
  let s = "";
  let k = i;
  do {
    s = String.fromCharCode(97 + (k % 26)) + s;
    k = Math.floor(k / 26);
  } while (k > 0);
  return s;
};

const showAttrs = (n: Node): string => {
  const a = n.attrs as Record<string, unknown>;
  const parts = Object.entries(a)
    .filter(([k]) => !(k === "shape" && n.op !== "reshape" && n.op !== "expand") && k !== "dtype" && k !== "name" && k !== "data")
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : String(v)}`);
  if (n.op === "constant") {
    const d = (a as { data: ArrayLike<number> }).data;
    parts.push(
      d.length <= 4
        ? `value=[${Array.from(d)
            .map((v) => +v.toPrecision(6))
            .join(",")}]`
        : `size=${d.length}`,
    );
  }
  return parts.length === 0 ? "" : `{${parts.join(" ")}}`;
};

/** Names for every node of a graph: inputs by their names, the rest a, b, c… in topological order. */
const nameNodes = (inputs: ReadonlyArray<Node<"input">>, order: ReadonlyArray<Node>): Map<Node, string> => {
  const names = new Map<Node, string>();
  inputs.forEach((n) => names.set(n, n.attrs.name.replace(/[^A-Za-z0-9_]/g, "_")));
  const taken = new Set(names.values());
  let k = 0;
  for (const n of order) {
    if (names.has(n)) continue;
    let v = varName(k++);
    while (taken.has(v)) v = varName(k++);
    names.set(n, v);
  }
  return names;
};

/** The graph as text: one line per node with its type, op, operands and attributes. */
export const printGraph = (g: Pick<Graph, "inputs" | "outputs">): string => {
  const order = topo(g.outputs);
  const names = nameNodes(g.inputs, order);
  const header = g.inputs.map((n) => `${names.get(n)}:${typeOf(n)}`).join(" ");
  const lines = order
    .filter((n) => n.op !== "input")
    .map((n) => {
      const args = n.inputs.map((i) => names.get(i)).join(" ");
      const attrs = showAttrs(n);
      return `    ${names.get(n)}:${typeOf(n)} = ${n.op}${attrs === "" ? "" : `[${attrs.slice(1, -1)}]`}${args === "" ? "" : ` ${args}`}`;
    });
  return [`{ lambda ${header} .`, ...lines, `  in (${g.outputs.map((o) => names.get(o)).join(", ")}) }`].join("\n");
};

/** The graph in Graphviz dot: a box per op labelled with its type, edges along data flow. */
export const toDot = (g: Pick<Graph, "inputs" | "outputs">, title = "graph"): string => {
  const order = topo(g.outputs);
  const names = nameNodes(g.inputs, order);
  const outs = new Set(g.outputs);
  const node = (n: Node): string => {
    const label = `${names.get(n)} = ${n.op}${showAttrs(n)}\\n${typeOf(n)}`.replace(/"/g, '\\"');
    const style =
      n.op === "input" ? ", shape=ellipse, style=filled, fillcolor=lightblue" : outs.has(n) ? ", style=filled, fillcolor=lightyellow" : "";
    return `  "${names.get(n)}" [label="${label}"${style}];`;
  };
  const edges = order.flatMap((n) => n.inputs.map((i) => `  "${names.get(i)}" -> "${names.get(n)}";`));
  return [`digraph "${title}" {`, "  node [shape=box, fontname=monospace];", ...order.map(node), ...edges, "}"].join("\n");
};
