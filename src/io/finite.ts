/**
 * @file Finite or refused: the first NaN or infinite value among a checkpoint's tensors, named, so a
 * loader can refuse weights that would turn every output into NaN (or accept them when asked to).
 */

import type { HostTensor } from "../ir/index.js";

/** Where the first non-finite value is: the tensor, the flat index, and the value. */
export interface NonFiniteValue {
  readonly tensor: string;
  readonly index: number;
  readonly value: number;
  /** How many of the tensor's values are not finite. */
  readonly count: number;
}

/**
 * The first non-finite value of the float tensors, in name order, or undefined when all are finite.
 * @example
 * firstNonFinite({ "params/w": { shape: [2], dtype: "f32", data: Float32Array.of(1, NaN) } }); // { tensor: "params/w", index: 1, … }
 */
export const firstNonFinite = (tensors: Readonly<Record<string, HostTensor>>): NonFiniteValue | undefined => {
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name]!;
    if (t.dtype !== "f32") continue;
    const at = t.data.findIndex((v) => !Number.isFinite(v));
    if (at < 0) continue;
    let count = 0;
    for (const v of t.data) if (!Number.isFinite(v)) count += 1;
    return { tensor: name, index: at, value: t.data[at]!, count };
  }
  return undefined;
};

/**
 * The sentence for a non-finite tensor, for errors: `tensor "params/w" holds NaN at index 1 (3 of 10 values non-finite)`.
 * @example
 * describeNonFinite({ tensor: "params/w", index: 1, value: NaN, count: 1 });
 */
export const describeNonFinite = (n: NonFiniteValue): string =>
  `tensor "${n.tensor}" holds ${n.value} at index ${n.index} (${n.count} non-finite value${n.count === 1 ? "" : "s"})`;
