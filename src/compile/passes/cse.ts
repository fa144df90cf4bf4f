/**
 * @file Common-subexpression elimination by hash-consing: a node's key is its op, its attributes and
 * the canonical ids of its inputs, so two structurally equal subgraphs become one node. Constants are
 * keyed by value (dtype, shape and a hash of the data, confirmed element by element). Inputs are never
 * merged: each is a distinct argument.
 */

import type { Data, Node } from "../../ir/index.js";
import { rewrite, type Pass } from "./rewrite.js";

const hashData = (d: Data): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    // Mix the value's integer and fractional parts; equal values always hash equal (NaN included).
    const bits = Number.isNaN(v) ? 0x7fc00000 : Math.floor(v) ^ Math.round((v - Math.floor(v)) * 0x7fffffff);
    h = Math.imul(h ^ bits, 0x01000193) >>> 0;
  }
  return h;
};

const sameData = (a: Data, b: Data): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);

const attrsKey = (node: Node): string => JSON.stringify(node.attrs, (k, v: unknown) => (k === "data" ? undefined : v));

/** Merges structurally equal nodes. */
export const cse: Pass = {
  name: "cse",
  run: (graph) => {
    const ids = new Map<Node, number>();
    const byKey = new Map<string, Node[]>();
    // Graph inputs reach the rule only as operands: they get ids on first sight.
    const idOf = (x: Node): number => {
      const known = ids.get(x);
      if (known !== undefined) return known;
      ids.set(x, ids.size);
      return ids.size - 1;
    };
    return rewrite(graph, (node) => {
      const inputIds = node.inputs.map(idOf);
      const key =
        node.op === "constant"
          ? `constant:${node.dtype}:[${node.shape}]:${hashData((node as Node<"constant">).attrs.data)}`
          : `${node.op}:${node.dtype}:${attrsKey(node)}:${inputIds.join(",")}`;
      const same = node.op === "input" ? [] : (byKey.get(key) ?? []);
      const hit =
        node.op === "constant"
          ? same.find((c) => sameData((c as Node<"constant">).attrs.data, (node as Node<"constant">).attrs.data))
          : same[0];
      if (hit !== undefined) return hit;
      byKey.set(key, [...same, node]);
      idOf(node);
      return node;
    });
  },
};
