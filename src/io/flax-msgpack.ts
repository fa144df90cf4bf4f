/**
 * @file Official Flax checkpoints: `flax.serialization.msgpack_serialize` of a nested dict whose array
 * leaves are msgpack extension type 1 holding `(shape, dtype name, raw little-endian bytes)`. Decoding
 * flattens the tree to `a/b/c` paths (the official parameter names); encoding nests paths back, so a
 * checkpoint written here loads with `flax.serialization.msgpack_restore`.
 */

import { decode, encode, ExtensionCodec } from "@msgpack/msgpack";
import * as E from "fp-ts/lib/Either.js";
import type { HostTensor } from "../ir/index.js";
import { size } from "../shape/index.js";
import { flaxArrayToHost, flaxDtypeWidths } from "./flax-tree.js";
import { copyBytes, type FormatError } from "./safetensors.js";

const ndarrayType = 1;

interface RawArray {
  readonly shape: number[];
  readonly dtype: string;
  readonly bytes: Uint8Array;
}

const rawArrayCodec = (): ExtensionCodec => {
  const codec = new ExtensionCodec();
  codec.register({
    type: ndarrayType,
    encode: (x: unknown) => {
      if (typeof x !== "object" || x === null || !("dtype" in x) || !("data" in x)) return null;
      const t = x as HostTensor;
      const data = t.dtype === "f32" ? Float32Array.from(t.data) : Int32Array.from(t.data);
      const dtype = t.dtype === "f32" ? "float32" : "int32";
      return encode([[...t.shape], dtype, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
    },
    decode: (data: Uint8Array): RawArray => rawArrayParts(decode(data, msgpackLimits)),
  });
  return codec;
};

/** Bounds on what a msgpack document may declare (sizes), and on how deep its maps may nest. */
const msgpackLimits = { maxStrLength: 1 << 20, maxArrayLength: 1 << 20, maxMapLength: 1 << 20, maxExtLength: 2 ** 32 - 1 };
/** Deepest nesting accepted: Flax trees are a few levels deep (TrainState ~10); the walk stays far from the stack limit. */
export const maxMsgpackDepth = 64;

/** An array extension's parts, as decoded: checked later (`checkRawArray`), so a bad one is named by its path. */
const rawArrayParts = (parts: unknown): RawArray => {
  const [shape, dtype, bytes] = Array.isArray(parts) ? (parts as unknown[]) : [undefined, undefined, undefined];
  return { shape, dtype, bytes } as unknown as RawArray;
};

/** Why an array extension's shape, dtype or data are malformed, or undefined when they are sound. */
const checkRawArray = (raw: RawArray): string | undefined => {
  const shape: unknown = raw.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0))
    return `shape ${JSON.stringify(shape) ?? String(shape)} is not a list of non-negative integers`;
  if (shape.length > 8) return `shape [${shape.join(", ")}] has rank ${shape.length}, more than 8`;
  if (!Number.isSafeInteger((shape as number[]).reduce((n, d) => n * d, 8)))
    return `shape [${shape.join(", ")}] has more elements than any file can hold`;
  if (typeof raw.dtype !== "string") return `dtype ${JSON.stringify(raw.dtype) ?? String(raw.dtype)} is not a string`;
  if (!(raw.bytes instanceof Uint8Array)) return "the array's data is not a byte string";
  return undefined;
};

/** The path of the first map nested deeper than `max` levels, found without recursion, or undefined. */
const tooDeep = (tree: unknown, max: number): string | undefined => {
  const stack: Array<{ node: unknown; path: string; depth: number }> = [{ node: tree, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (typeof node !== "object" || node === null || isRaw(node)) continue;
    if (depth >= max) return path === "" ? "(root)" : path;
    for (const [k, v] of Object.entries(node)) stack.push({ node: v, path: path === "" ? k : `${path}/${k}`, depth: depth + 1 });
  }
  return undefined;
};

const isRaw = (x: unknown): x is RawArray => typeof x === "object" && x !== null && "bytes" in x && "dtype" in x && "shape" in x;

const toHost = (raw: RawArray, path: string, source: string): E.Either<FormatError, HostTensor> => {
  const bad = (message: string) => E.left<FormatError, HostTensor>({ kind: "format", source, field: path, message });
  const malformed = checkRawArray(raw);
  if (malformed !== undefined) return bad(malformed);
  // Every dtype Flax writes (src/io/flax-tree.ts): floats as f32, integers as i32 where they fit, bool.
  const n = size(raw.shape);
  const width = flaxDtypeWidths[raw.dtype];
  if (width === undefined) return bad(`unsupported dtype ${raw.dtype}`);
  if (raw.bytes.length !== n * width)
    return bad(`holds ${raw.bytes.length} bytes, shape [${raw.shape.join(", ")}] of ${raw.dtype} needs ${n * width}`);
  return flaxArrayToHost({ kind: "array", shape: raw.shape, dtype: raw.dtype, bytes: copyBytes(raw.bytes) }, path, source);
};

/** What went wrong decoding msgpack bytes, naming a truncation as such. */
const msgpackFailure = (e: unknown): string => {
  const message = e instanceof Error ? e.message : String(e);
  return /insufficient data/i.test(message) ? `a truncated msgpack file (${message})` : `not a complete msgpack document: ${message}`;
};

/** Flat `path → tensor` from a Flax msgpack checkpoint (e.g. `params/encoder_block_00/...`). */
export const decodeFlaxMsgpack = (bytes: Uint8Array, source: string): E.Either<FormatError, Record<string, HostTensor>> => {
  let tree: unknown;
  try {
    tree = decode(bytes, { extensionCodec: rawArrayCodec(), ...msgpackLimits });
  } catch (e) {
    return E.left({ kind: "format", source, field: "msgpack", message: msgpackFailure(e) });
  }
  const deep = tooDeep(tree, maxMsgpackDepth);
  if (deep !== undefined)
    return E.left({
      kind: "format",
      source,
      field: deep,
      message: `maps nest more than ${maxMsgpackDepth} levels deep: not a Flax checkpoint`,
    });
  const out: Record<string, HostTensor> = {};
  const walk = (node: unknown, path: string): FormatError | null => {
    if (isRaw(node)) {
      const t = toHost(node, path, source);
      if (E.isLeft(t)) return t.left;
      out[path] = t.right;
      return null;
    }
    if (typeof node === "object" && node !== null && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node)) {
        const err = walk(v, path === "" ? k : `${path}/${k}`);
        if (err !== null) return err;
      }
      return null;
    }
    return null; // scalars (e.g. a saved step count) are not tensors: ignored
  };
  const err = walk(tree, "");
  return err === null ? E.right(out) : E.left(err);
};

/** A Flax msgpack checkpoint from flat `a/b/c → tensor` paths (nested back into dicts). */
export const encodeFlaxMsgpack = (tensors: Readonly<Record<string, HostTensor>>): Uint8Array => {
  const root: Record<string, unknown> = {};
  for (const path of Object.keys(tensors).sort()) {
    const parts = path.split("/");
    let node = root;
    parts.slice(0, -1).forEach((p) => {
      node[p] ??= {};
      node = node[p] as Record<string, unknown>;
    });
    node[parts[parts.length - 1]!] = tensors[path];
  }
  return encode(root, { extensionCodec: rawArrayCodec() });
};
