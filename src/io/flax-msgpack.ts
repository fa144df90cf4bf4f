/**
 * @file Official Flax checkpoints as flat `path → tensor` records: `flax.serialization.msgpack_serialize`
 * of a nested dict whose array leaves are msgpack extension type 1 holding `(shape, dtype name, raw
 * little-endian bytes)`. Both directions go through the state-dict tree of ./flax-tree.ts (its
 * bounds, dtypes and key order): decoding flattens it to `a/b/c` paths (the official parameter
 * names), encoding nests paths back with every level's keys sorted, as Flax writes them, so a
 * checkpoint written here loads with `flax.serialization.msgpack_restore`.
 */

import * as E from "fp-ts/lib/Either.js";
import type { HostTensor } from "../ir/index.js";
import { decodeFlaxTree, encodeFlaxTree, flattenFlaxTree, flaxArrayToHost, hostToFlaxArray, isFlaxArray, nestSorted } from "./flax-tree.js";
import type { FormatError } from "./safetensors.js";

/**
 * Flat `path → tensor` from a Flax msgpack checkpoint (e.g. `params/encoder_block_00/...`). Scalars
 * that are not arrays (a plain saved number, `None`) are not tensors and are left out; a malformed
 * document or array is a `Left` naming the path.
 * @example
 * decodeFlaxMsgpack(bytes, "tiny_hear.msgpack"); // Right({ "params/encoder_norm/scale": …, … })
 */
export const decodeFlaxMsgpack = (bytes: Uint8Array, source: string): E.Either<FormatError, Record<string, HostTensor>> => {
  const tree = decodeFlaxTree(bytes, source);
  if (E.isLeft(tree)) return tree;
  const out: Record<string, HostTensor> = {};
  for (const [path, leaf] of flattenFlaxTree(tree.right)) {
    if (!isFlaxArray(leaf)) continue;
    const t = flaxArrayToHost(leaf, path, source);
    if (E.isLeft(t)) return t;
    out[path] = t.right;
  }
  return E.right(out);
};

/**
 * A Flax msgpack checkpoint from flat `a/b/c → tensor` paths (nested back into dicts, keys sorted per level).
 * @example
 * encodeFlaxMsgpack({ "params/w": fromData([1, 2], [2]) }); // bytes msgpack_restore reads as {"params": {"w": array([1., 2.])}}
 */
export const encodeFlaxMsgpack = (tensors: Readonly<Record<string, HostTensor>>): Uint8Array =>
  encodeFlaxTree(nestSorted(Object.fromEntries(Object.entries(tensors).map(([path, t]) => [path, hostToFlaxArray(t)]))));
