/**
 * @file Algebraic simplification, one rule per op family:
 * - identities: x + 0, x − 0, x · 1, x / 1, x ^ 1 and −(−x) give x. `x · 0` is NOT rewritten to 0:
 *   IEEE says NaN · 0 = NaN and ∞ · 0 = NaN, and the reference backend keeps that, so the rewrite would
 *   change results on non-finite inputs (and hide the NaN that `checkFinite` exists to find).
 *   `x + 0` maps −0 to +0; the rewrite keeps −0. Values compare equal, so we accept it.
 * - movement: reshape∘reshape, permute∘permute and expand∘expand compose into one; an identity
 *   reshape, permute or expand disappears.
 * - splats (a constant with one value, possibly reshaped or expanded): an elementwise op on splats is
 *   a splat of the op's value, and reshaping or permuting a splat is a splat of the new shape: it stays
 *   a scalar expanded, never a buffer.
 * Transposes feeding a matmul need no rewrite: lowering folds every permute into the kernel's load
 * indices, so `matmul(transpose(a), b)` reads `a` with swapped strides and copies nothing.
 */

import { broadcastTo, constant, opDef, permute, reshape, type Node, type OpDef, type OpName } from "../../ir/index.js";
import { sameShape, size } from "../../shape/index.js";
import { isElementwise } from "../op-traits.js";
import { rewrite, withInputs, type Pass } from "./rewrite.js";

/** The single value of a splat: a one-valued constant, or a reshape/expand/permute of one. */
export const splatValue = (node: Node): number | undefined => {
  if (node.op === "constant") {
    const d = (node as Node<"constant">).attrs.data;
    return d.length > 0 && d.every((v) => Object.is(v, d[0])) ? d[0] : undefined;
  }
  if (node.op === "reshape" || node.op === "expand" || node.op === "permute") return splatValue(node.inputs[0]!);
  return undefined;
};

/** `value` broadcast to `node`'s shape and dtype: a scalar constant expanded. */
const splat = (node: Node, value: number): Node =>
  node.shape.length === 0 ? constant([value], [], node.dtype) : broadcastTo(constant([value], [], node.dtype), node.shape as number[]);

/** The value of an elementwise op on splat inputs, by the op's own evaluator. */
const evalSplats = (node: Node, values: ReadonlyArray<number>): number => {
  const def = opDef(node.op) as unknown as OpDef<OpName>;
  const one = { ...node, shape: [] } as Node;
  const data = node.inputs.map((x, i) =>
    x.dtype === "f32" ? Float64Array.of(values[i]!) : x.dtype === "i32" ? Int32Array.of(values[i]!) : Uint8Array.of(values[i]!),
  );
  return def.evaluate(data, one, { floats: (n) => new Float64Array(n) })[0]!;
};

const isSplatOf = (node: Node, v: number): boolean => splatValue(node) === v;

const identity = (node: Node): Node | undefined => {
  const [a, b] = node.inputs;
  switch (node.op) {
    case "add":
      return isSplatOf(b!, 0) ? a : isSplatOf(a!, 0) ? b : undefined;
    case "sub":
      return isSplatOf(b!, 0) ? a : undefined;
    case "mul":
      return isSplatOf(b!, 1) ? a : isSplatOf(a!, 1) ? b : undefined;
    case "div":
    case "pow":
      return isSplatOf(b!, 1) ? a : undefined;
    case "neg":
      return a!.op === "neg" ? a!.inputs[0] : undefined;
    default:
      return undefined;
  }
};

const movement = (node: Node): Node | undefined => {
  const x = node.inputs[0]!;
  switch (node.op) {
    case "reshape": {
      if (sameShape(x.shape, node.shape)) return x;
      return x.op === "reshape" ? reshape(x.inputs[0]!, node.shape as number[]) : undefined;
    }
    case "permute": {
      const q = (node as Node<"permute">).attrs.perm.map((a) => (a < 0 ? a + node.shape.length : a));
      if (q.every((a, i) => a === i)) return x;
      if (x.op !== "permute") return undefined;
      const p = (x as Node<"permute">).attrs.perm.map((a) => (a < 0 ? a + node.shape.length : a));
      // out[i] = x[q[i]] and x[j] = y[p[j]], so out[i] = y[p[q[i]]]
      return permute(x.inputs[0]!, q.map((i) => p[i]!) as never);
    }
    case "expand": {
      if (sameShape(x.shape, node.shape)) return x;
      return x.op === "expand" ? withInputs(node, [x.inputs[0]!]) : undefined;
    }
    default:
      return undefined;
  }
};

const splats = (node: Node): Node | undefined => {
  if (node.op === "constant" || (size(node.shape) === 1 && node.op === "expand")) return undefined;
  if (node.op === "reshape" || node.op === "permute") {
    const v = splatValue(node.inputs[0]!);
    return v === undefined || node.inputs[0]!.op === "constant" ? undefined : splat(node, v);
  }
  if (!isElementwise(node.op)) return undefined;
  const values = node.inputs.map(splatValue);
  if (values.some((v) => v === undefined)) return undefined;
  return splat(node, evalSplats(node, values as number[]));
};

const simplifyNode = (node: Node): Node => identity(node) ?? movement(node) ?? splats(node) ?? node;

/** Identities, movement composition and splat propagation (see the file comment for the rules). */
export const simplify: Pass = { name: "simplify", run: (graph) => rewrite(graph, simplifyNode) };
