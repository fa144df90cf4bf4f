/**
 * @file `trace`: runs a function on named placeholder nodes and closes over what it returns, giving a
 * `Graph` (a jaxpr). Arguments are pytrees of specs (anything with a shape and a dtype, host tensors
 * included); results are pytrees of tensors.
 */

import { input, isNode, type DType, type Node, type Tensor } from "../ir/index.js";
import type { Shape } from "../shape/index.js";
import type { Graph } from "./graph.js";
import { flatten, type TreeDef } from "./pytree.js";

/** What a traced argument looks like: its shape and dtype (a host tensor qualifies). */
export interface Spec<S extends Shape = Shape> {
  /** The argument's dims; literal dims keep the traced function's types literal. */
  readonly shape: S;
  /** The argument's element type. */
  readonly dtype: DType;
}

/** An f32 spec. */
export const spec = <const S extends Shape>(shape: S, dtype: DType = "f32"): Spec<S> => ({ shape, dtype });

/** The tensors a function receives for a pytree of specs, shapes kept. */
export type TensorsOf<T> =
  T extends Spec<infer S>
    ? Tensor<S>
    : T extends ReadonlyArray<unknown>
      ? { readonly [I in keyof T]: TensorsOf<T[I]> }
      : T extends object
        ? { readonly [K in keyof T]: TensorsOf<T[K]> }
        : never;

/** True for anything with an array `shape` and a string `dtype` (specs and host tensors): the leaf test `trace` uses on its arguments. */
export const isSpec = (x: unknown): x is Spec =>
  typeof x === "object" && x !== null && Array.isArray((x as Spec).shape) && typeof (x as Spec).dtype === "string";

/** Pytree structure and leaves of a result (leaves are nodes). */
export const flattenOutputs = (out: unknown): { readonly leaves: Node[]; readonly def: TreeDef } => {
  const { leaves, def } = flatten(out, isNode);
  return { leaves, def };
};

/**
 * Traces `f` on placeholders shaped like `args` (one per leaf, named by its path) into a closed graph.
 * @example
 * const g = trace(({ x, w }) => matmul(x, w), { x: spec([2, 3]), w: spec([3, 4]) });
 */
export const trace = <A>(f: (args: TensorsOf<A>) => unknown, args: A): Graph => {
  const { leaves, paths, def } = flatten(args, isSpec);
  const inputs = leaves.map((s, i) => input(paths[i] || `arg${i}`, [...s.shape], s.dtype) as Node<"input">);
  let k = 0;
  const rebuild = (d: TreeDef): unknown =>
    d.kind === "leaf"
      ? inputs[k++]
      : d.kind === "array"
        ? d.children.map(rebuild)
        : Object.fromEntries(d.keys.map((key, j) => [key, rebuild(d.children[j]!)]));
  const out = flattenOutputs(f(rebuild(def) as TensorsOf<A>));
  return { inputs, outputs: out.leaves, inputTree: def, outputTree: out.def };
};
