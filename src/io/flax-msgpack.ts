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
    decode: (data: Uint8Array): RawArray => {
      const [shape, dtype, bytes] = decode(data) as [number[], string, Uint8Array];
      return { shape, dtype, bytes };
    },
  });
  return codec;
};

const isRaw = (x: unknown): x is RawArray => typeof x === "object" && x !== null && "bytes" in x && "dtype" in x && "shape" in x;

const toHost = (raw: RawArray, path: string, source: string): E.Either<FormatError, HostTensor> => {
  const n = size(raw.shape);
  const bad = (message: string) => E.left<FormatError, HostTensor>({ kind: "format", source, field: path, message });
  const width = { float32: 4, float64: 8, int32: 4, int64: 8 }[raw.dtype];
  if (width === undefined) return bad(`unsupported dtype ${raw.dtype}`);
  if (raw.bytes.length !== n * width)
    return bad(`holds ${raw.bytes.length} bytes, shape [${raw.shape.join(", ")}] of ${raw.dtype} needs ${n * width}`);
  const chunk = copyBytes(raw.bytes);
  const dv = new DataView(chunk.buffer);
  const isFloat = raw.dtype.startsWith("float");
  const data = isFloat ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    data[i] =
      raw.dtype === "float32"
        ? dv.getFloat32(i * 4, true)
        : raw.dtype === "float64"
          ? dv.getFloat64(i * 8, true)
          : raw.dtype === "int32"
            ? dv.getInt32(i * 4, true)
            : Number(dv.getBigInt64(i * 8, true));
  }
  return E.right({ shape: raw.shape, dtype: isFloat ? "f32" : "i32", data });
};

/** Flat `path → tensor` from a Flax msgpack checkpoint (e.g. `params/encoder_block_00/...`). */
export const decodeFlaxMsgpack = (bytes: Uint8Array, source: string): E.Either<FormatError, Record<string, HostTensor>> => {
  let tree: unknown;
  try {
    tree = decode(bytes, { extensionCodec: rawArrayCodec() });
  } catch (e) {
    return E.left({
      kind: "format",
      source,
      field: "msgpack",
      message: `not a complete msgpack document: ${e instanceof Error ? e.message : e}`,
    });
  }
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
