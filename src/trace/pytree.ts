/**
 * @file Pytrees: nested records and arrays with leaves. Flattening is depth-first with record keys in
 * sorted order (as JAX), and every leaf has a path (`encoder/blocks/0/qkv/kernel`) used to name graph
 * inputs and parameters.
 */

/** A nested structure of records and arrays whose leaves are `L`. */
export type PyTree<L> = L | ReadonlyArray<PyTree<L>> | { readonly [key: string]: PyTree<L> };

/** Replaces every leaf type in `T` (a typed pytree) with `R`, keeping the structure. */
export type MapLeaves<T, L, R> = T extends L
  ? R
  : T extends ReadonlyArray<unknown>
    ? { readonly [I in keyof T]: MapLeaves<T[I], L, R> }
    : T extends object
      ? { readonly [K in keyof T]: MapLeaves<T[K], L, R> }
      : T;

/** The shape of a pytree without its leaves; `unflatten` rebuilds a tree from it. */
export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "array"; readonly children: ReadonlyArray<TreeDef> }
  | { readonly kind: "record"; readonly keys: ReadonlyArray<string>; readonly children: ReadonlyArray<TreeDef> };

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/** Leaves in order, their paths, and the tree's structure. `isLeaf` decides what counts as a leaf. */
export const flatten = <L>(
  tree: unknown,
  isLeaf: (x: unknown) => x is L,
  prefix = "",
): { readonly leaves: L[]; readonly paths: string[]; readonly def: TreeDef } => {
  const leaves: L[] = [];
  const paths: string[] = [];
  const go = (t: unknown, path: string): TreeDef => {
    if (isLeaf(t)) {
      leaves.push(t);
      paths.push(path);
      return { kind: "leaf" };
    }
    const join = (k: string | number) => (path === "" ? `${k}` : `${path}/${k}`);
    if (Array.isArray(t)) return { kind: "array", children: t.map((c, i) => go(c, join(i))) };
    if (isRecord(t)) {
      const keys = Object.keys(t).sort();
      return { kind: "record", keys, children: keys.map((k) => go(t[k], join(k))) };
    }
    throw new TypeError(`pytree: unexpected ${t === null ? "null" : typeof t} at "${path || "<root>"}"`);
  };
  const def = go(tree, prefix);
  return { leaves, paths, def };
};

/** Rebuilds a tree of `def`'s structure from leaves in flattening order. */
export const unflatten = <L>(def: TreeDef, leaves: ReadonlyArray<L>): PyTree<L> => {
  let i = 0;
  const go = (d: TreeDef): PyTree<L> => {
    if (d.kind === "leaf") {
      if (i >= leaves.length) throw new RangeError(`unflatten: ran out of leaves at ${i}`);
      return leaves[i++]!;
    }
    if (d.kind === "array") return d.children.map(go);
    return Object.fromEntries(d.keys.map((k, j) => [k, go(d.children[j]!)]));
  };
  const out = go(def);
  if (i !== leaves.length) throw new RangeError(`unflatten: ${leaves.length} leaves for a tree of ${i}`);
  return out;
};

/** Maps every leaf, keeping the structure; `f` also receives the leaf's path. */
export const mapLeaves = <L, R>(tree: unknown, isLeaf: (x: unknown) => x is L, f: (leaf: L, path: string) => R): PyTree<R> => {
  const { leaves, paths, def } = flatten(tree, isLeaf);
  return unflatten(
    def,
    leaves.map((l, i) => f(l, paths[i]!)),
  );
};
