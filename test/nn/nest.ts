/**
 * @file Test helpers for layer goldens: golden weight tables keyed by flat paths (`qkv/kernel`) become
 * nested parameter records of graph inputs, named by those paths, with their values bound for the
 * reference interpreter; and a summary of how far a result is from a golden array.
 */

import { input, type Data, type HostTensor, type Node, type Tensor } from "../../src";
import { maxAbs, maxAbsDiff } from "../support/golden";

/** Input nodes for flat host tensors, nested by their `/` paths, and the bindings to run them. */
export const inputsOf = (
  flat: Readonly<Record<string, HostTensor>>,
): { readonly tree: unknown; readonly bound: Array<readonly [Node, Data]> } => {
  const tree: Record<string, unknown> = {};
  const bound: Array<readonly [Node, Data]> = [];
  for (const [path, host] of Object.entries(flat)) {
    const node = input(path, host.shape, host.dtype);
    bound.push([node, host.data]);
    const keys = path.split("/");
    let at = tree;
    keys.slice(0, -1).forEach((k) => {
      at[k] ??= {};
      at = at[k] as Record<string, unknown>;
    });
    at[keys[keys.length - 1]!] = node;
  }
  return { tree, bound };
};

/** One input node and its binding. */
export const inputOf = (name: string, host: HostTensor): readonly [Tensor, readonly [Node, Data]] => {
  const node = input(name, host.shape, host.dtype);
  return [node, [node, host.data]];
};

/** Max absolute error and the error relative to the golden's largest magnitude (normwise, so near-zero entries do not blow it up). */
export interface Deviation {
  readonly maxAbs: number;
  readonly rel: number;
}

export const deviation = (actual: ArrayLike<number>, expected: ArrayLike<number>): Deviation => {
  const abs = maxAbsDiff(actual, expected);
  return { maxAbs: abs, rel: abs / Math.max(maxAbs(expected), Number.MIN_VALUE) };
};
