/**
 * @file A Flax state dict as a tree, exactly as `flax.serialization.msgpack_serialize` writes it:
 * dicts (in file order, so a tree decoded and encoded again gives the same bytes), arrays in Flax's
 * ndarray extension (type 1: `(shape, dtype name, raw little-endian bytes)`; type 3 for NumPy
 * scalars: `(dtype name, bytes)`), `nil` (e.g. a TrainState's `dynamic_scale`) and plain msgpack
 * scalars. Arrays keep their dtype and bytes as written, whatever the dtype (uint32 RNG keys, int32
 * 0-d step counts, bfloat16 weights), so nothing is lost between reading and writing; `flaxArrayToHost`
 * converts one to a `HostTensor` where that is exact (or narrows float64 as the rest of io does).
 */

import { decode, encode, ExtData, ExtensionCodec } from "@msgpack/msgpack";
import * as E from "fp-ts/lib/Either.js";
import type { HostTensor } from "../ir/index.js";
import { size } from "../shape/index.js";
import type { FormatError } from "./safetensors.js";

/** An array leaf as written: its shape, NumPy dtype name and raw little-endian bytes. */
export interface FlaxArray {
  readonly kind: "array";
  readonly shape: ReadonlyArray<number>;
  /** NumPy's name: `float32`, `int32`, `uint32`, `bfloat16`, … */
  readonly dtype: string;
  readonly bytes: Uint8Array;
  /** Written as a NumPy scalar (extension type 3) rather than a 0-d array (type 1). */
  readonly npScalar?: true;
}

/** A dict of the state dict, keys in the order written. */
export type FlaxDict = ReadonlyMap<string, FlaxTree>;

/** A node of a Flax state dict: a dict, an array, `null` (msgpack nil) or a plain msgpack scalar. */
export type FlaxTree = FlaxDict | FlaxArray | null | number | string | boolean;

/** Bytes per element of every dtype Flax writes. */
export const flaxDtypeWidths: Readonly<Record<string, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
  complex64: 8,
  complex128: 16,
};

/** Deepest nesting accepted: state dicts are a few levels deep; a deeper file is refused, not recursed into. */
const maxDepth = 64;
/** Bounds on what a document may declare: a hostile length fails early. */
const limits = { maxStrLength: 1 << 20, maxArrayLength: 1 << 20, maxMapLength: 1 << 20, maxExtLength: 2 ** 32 - 1 };
/** Map keys are decoded with this prefix so that integer-like keys ("0", "10") keep the file's order. */
const keyMark = "\u0000";

/** True for a dict node. */
export const isFlaxDict = (x: FlaxTree | undefined): x is FlaxDict => x instanceof Map;
/** True for an array leaf. */
export const isFlaxArray = (x: FlaxTree | undefined): x is FlaxArray =>
  typeof x === "object" && x !== null && !(x instanceof Map) && (x as FlaxArray).kind === "array";

interface RawExt {
  readonly ext: 1 | 3;
  readonly payload: unknown;
}

const codec = (): ExtensionCodec => {
  const c = new ExtensionCodec();
  c.register({ type: 1, encode: () => null, decode: (data: Uint8Array): RawExt => ({ ext: 1, payload: decode(data, limits) }) });
  c.register({ type: 3, encode: () => null, decode: (data: Uint8Array): RawExt => ({ ext: 3, payload: decode(data, limits) }) });
  return c;
};

const isRawExt = (x: unknown): x is RawExt => typeof x === "object" && x !== null && "ext" in x && "payload" in x;

/** An array leaf from an extension payload, checked: shape of integers ≥ 0, known dtype, bytes = size × width. */
const arrayOf = (raw: RawExt, path: string, source: string): E.Either<FormatError, FlaxArray> => {
  const bad = (message: string) => E.left<FormatError, FlaxArray>({ kind: "format", source, field: path, message });
  const p = raw.payload;
  const parts = raw.ext === 1 ? p : Array.isArray(p) ? [[], ...p] : p;
  if (!Array.isArray(parts) || parts.length !== 3) return bad(`Flax array extension ${raw.ext} must hold (shape, dtype, bytes)`);
  const [shape, dtype, bytes] = parts as [unknown, unknown, unknown];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
    return bad(`shape ${JSON.stringify(shape) ?? String(shape)} is not a list of non-negative integers`);
  if (shape.length > 8) return bad(`shape [${shape.join(", ")}] has rank ${shape.length}, more than 8`);
  if (!Number.isSafeInteger((shape as number[]).reduce((n, d) => n * d, 16)))
    return bad(`shape [${shape.join(", ")}] has more elements than any file can hold`);
  if (typeof dtype !== "string") return bad(`dtype ${JSON.stringify(dtype)} is not a string`);
  if (!(bytes instanceof Uint8Array)) return bad("array data is not msgpack binary");
  const width = flaxDtypeWidths[dtype];
  if (width === undefined) return bad(`unknown dtype ${dtype}`);
  const need = size(shape as number[]) * width;
  if (bytes.length !== need) return bad(`holds ${bytes.length} bytes, shape [${shape.join(", ")}] of ${dtype} needs ${need}`);
  const copy = new Uint8Array(bytes.length); // detached from the file's buffer, and aligned
  copy.set(bytes);
  return E.right({ kind: "array", shape: shape as number[], dtype, bytes: copy, ...(raw.ext === 3 ? { npScalar: true as const } : {}) });
};

const toTree = (node: unknown, path: string, source: string, depth: number): E.Either<FormatError, FlaxTree> => {
  const bad = (message: string) => E.left<FormatError, FlaxTree>({ kind: "format", source, field: path || "(root)", message });
  if (depth > maxDepth) return bad(`maps nest more than ${maxDepth} levels deep: not a Flax checkpoint`);
  if (node === null || typeof node === "number" || typeof node === "string" || typeof node === "boolean") return E.right(node);
  if (isRawExt(node)) return arrayOf(node, path, source);
  if (node instanceof ExtData) return bad(`msgpack extension type ${node.type} is not a Flax array (complex numbers are not supported)`);
  if (typeof node === "bigint") return bad(`integer ${node} is outside the 64-bit float range`);
  if (Array.isArray(node) || node instanceof Uint8Array) return bad("a msgpack array or binary outside a Flax array extension");
  if (typeof node !== "object") return bad(`unexpected ${typeof node}`);
  const out = new Map<string, FlaxTree>();
  for (const [marked, value] of Object.entries(node)) {
    const k = marked.startsWith(keyMark) ? marked.slice(keyMark.length) : marked;
    const child = toTree(value, path === "" ? k : `${path}/${k}`, source, depth + 1);
    if (E.isLeft(child)) return child;
    out.set(k, child.right);
  }
  return E.right(out);
};

/** What went wrong decoding msgpack bytes, naming a truncation as such. */
const msgpackFailure = (e: unknown): string => {
  const message = e instanceof Error ? e.message : String(e);
  return /insufficient data/i.test(message) ? `a truncated msgpack file (${message})` : `not a complete msgpack document: ${message}`;
};

/**
 * The state dict in `bytes` as a tree, keys in file order; `Left` names the source and the first bad field.
 * @example
 * decodeFlaxTree(bytes, "checkpoint_2"); // Right(Map { "step" → int32 [], "batch_stats" → Map {}, … })
 */
export const decodeFlaxTree = (bytes: Uint8Array, source: string): E.Either<FormatError, FlaxTree> => {
  let raw: unknown;
  try {
    raw = decode(bytes, {
      ...limits,
      extensionCodec: codec(),
      mapKeyConverter: (key: unknown) => {
        if (typeof key !== "string") throw new Error(`map key ${String(key)} is not a string`);
        return `${keyMark}${key}`;
      },
    });
  } catch (e) {
    return E.left({
      kind: "format",
      source,
      field: "msgpack",
      message: msgpackFailure(e),
    });
  }
  return toTree(raw, "", source, 0);
};

/** A msgpack map header for `n` entries (fixmap, map16, map32), as every msgpack writer makes it. */
const mapHeader = (n: number): Uint8Array => {
  if (n < 16) return Uint8Array.of(0x80 + n);
  if (n < 0x10000) return Uint8Array.of(0xde, n >> 8, n & 0xff);
  const b = new Uint8Array(5);
  b[0] = 0xdf;
  new DataView(b.buffer).setUint32(1, n);
  return b;
};

const encodeLeaf = (leaf: Exclude<FlaxTree, FlaxDict>): Uint8Array =>
  leaf !== null && typeof leaf === "object"
    ? encode(
        new ExtData(
          leaf.npScalar === true ? 3 : 1,
          encode(leaf.npScalar === true ? [leaf.dtype, leaf.bytes] : [[...leaf.shape], leaf.dtype, leaf.bytes]),
        ),
      )
    : encode(leaf);

/**
 * The bytes Flax writes for `tree` (`msgpack_serialize`): dicts in the tree's key order, arrays in
 * the ndarray extension, so `encodeFlaxTree(decodeFlaxTree(b))` is `b` for any file Flax wrote.
 * @example
 * encodeFlaxTree(new Map([["step", flaxScalar("int32", 2)]])); // 0x81 "step" <ext 1 ([], "int32", 02000000)>
 */
export const encodeFlaxTree = (tree: FlaxTree): Uint8Array => {
  const chunks: Uint8Array[] = [];
  const go = (node: FlaxTree): void => {
    if (!isFlaxDict(node)) {
      chunks.push(encodeLeaf(node));
      return;
    }
    chunks.push(mapHeader(node.size));
    for (const [k, v] of node) {
      chunks.push(encode(k));
      go(v);
    }
  };
  go(tree);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

/** Element `i` of an array leaf as a number (64-bit integers as the nearest double; bfloat16/float16 widened). */
const reader = (a: FlaxArray): ((i: number) => number | bigint) => {
  const dv = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  const half = (h: number): number => {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    return e === 0 ? s * 2 ** -14 * (f / 1024) : e === 31 ? (f === 0 ? s * Infinity : Number.NaN) : s * 2 ** (e - 15) * (1 + f / 1024);
  };
  const bf16 = new DataView(new ArrayBuffer(4));
  const readers: Record<string, (i: number) => number | bigint> = {
    bool: (i) => dv.getUint8(i),
    int8: (i) => dv.getInt8(i),
    uint8: (i) => dv.getUint8(i),
    int16: (i) => dv.getInt16(i * 2, true),
    uint16: (i) => dv.getUint16(i * 2, true),
    float16: (i) => half(dv.getUint16(i * 2, true)),
    bfloat16: (i) => {
      bf16.setUint32(0, dv.getUint16(i * 2, true) << 16);
      return bf16.getFloat32(0);
    },
    int32: (i) => dv.getInt32(i * 4, true),
    uint32: (i) => dv.getUint32(i * 4, true),
    float32: (i) => dv.getFloat32(i * 4, true),
    int64: (i) => dv.getBigInt64(i * 8, true),
    uint64: (i) => dv.getBigUint64(i * 8, true),
    float64: (i) => dv.getFloat64(i * 8, true),
  };
  return readers[a.dtype]!;
};

/**
 * An array leaf as a `HostTensor`: floats as f32 (float64 narrowed, float16/bfloat16 exact), integers
 * as i32 when every value fits (else `Left` naming the largest), bool as bool; complex is refused.
 * @example
 * flaxArrayToHost(step, "step", "checkpoint_2"); // Right({ shape: [], dtype: "i32", data: Int32Array [2] })
 */
export const flaxArrayToHost = (a: FlaxArray, path: string, source: string): E.Either<FormatError, HostTensor> => {
  const n = size(a.shape);
  if (a.dtype.startsWith("complex")) return E.left({ kind: "format", source, field: path, message: `unsupported dtype ${a.dtype}` });
  const read = reader(a);
  if (a.dtype === "bool") return E.right({ shape: [...a.shape], dtype: "bool", data: Uint8Array.from(a.bytes) });
  if (a.dtype.startsWith("float") || a.dtype === "bfloat16") {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = read(i) as number;
    return E.right({ shape: [...a.shape], dtype: "f32", data });
  }
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = read(i);
    if (v < -(2 ** 31) || v >= 2 ** 31)
      return E.left({ kind: "format", source, field: path, message: `${a.dtype} value ${v} (element ${i}) does not fit int32` });
    data[i] = Number(v);
  }
  return E.right({ shape: [...a.shape], dtype: "i32", data });
};

/**
 * An array leaf from a `HostTensor`: f32 as float32, i32 as int32 (or as `dtype` where given: the
 * same 32-bit words written as uint32), bool as bool.
 * @example
 * hostToFlaxArray({ shape: [], dtype: "i32", data: Int32Array.of(2) }); // int32 0-d array, bytes 02 00 00 00
 */
export const hostToFlaxArray = (t: HostTensor, dtype?: "uint32"): FlaxArray => {
  const data =
    t.dtype === "f32"
      ? Float32Array.from(t.data)
      : t.dtype === "i32"
        ? Int32Array.from(t.data)
        : Uint8Array.from(t.data, (v) => (v ? 1 : 0));
  const name = dtype ?? (t.dtype === "f32" ? "float32" : t.dtype === "i32" ? "int32" : "bool");
  return { kind: "array", shape: [...t.shape], dtype: name, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
};

/** A 0-d array leaf holding one integer (`int32`, as Flax writes a step count; `uint32` words for keys). */
export const flaxScalar = (dtype: "int32" | "uint32", value: number): FlaxArray => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer)[dtype === "int32" ? "setInt32" : "setUint32"](0, value, true);
  return { kind: "array", shape: [], dtype, bytes };
};

/** The values of an integer array leaf as numbers (uint32 keys, int32 counts); `undefined` for other dtypes. */
export const flaxIntegers = (a: FlaxArray): number[] | undefined => {
  if (!["int8", "uint8", "int16", "uint16", "int32", "uint32"].includes(a.dtype)) return undefined;
  const read = reader(a);
  return Array.from({ length: size(a.shape) }, (_, i) => read(i) as number);
};

/** A uint32 array leaf of `words` (a JAX PRNG key is two). */
export const flaxWords = (words: ReadonlyArray<number>): FlaxArray => {
  const data = Uint32Array.from(words);
  return { kind: "array", shape: [words.length], dtype: "uint32", bytes: new Uint8Array(data.buffer) };
};

/**
 * A dict of `a/b/c → leaf` paths nested back, every level's keys sorted (as `jax.tree_util` leaves a
 * dict of parameters); an empty record gives an empty dict.
 * @example
 * nestSorted({ "b/x": leaf1, "a": leaf2 }); // Map { "a" → leaf2, "b" → Map { "x" → leaf1 } }
 */
export const nestSorted = (flat: Readonly<Record<string, FlaxTree>>): FlaxDict => {
  const root = new Map<string, FlaxTree>();
  for (const path of Object.keys(flat)) {
    const parts = path.split("/");
    let node = root;
    for (const [i, p] of parts.slice(0, -1).entries()) {
      if (!node.has(p)) node.set(p, new Map());
      const next = node.get(p);
      if (!(next instanceof Map)) throw new RangeError(`nestSorted: "${path}" nests under the leaf "${parts.slice(0, i + 1).join("/")}"`);
      node = next;
    }
    const last = parts[parts.length - 1]!;
    if (node.get(last) instanceof Map) throw new RangeError(`nestSorted: "${path}" is a leaf and a folder of other paths`);
    node.set(last, flat[path]!);
  }
  // Level by level, as Python sorts each dict's keys ("a" before "a-b" whatever lies below "a").
  const sorted = (d: FlaxDict): FlaxDict =>
    new Map([...d.keys()].sort().map((k) => [k, isFlaxDict(d.get(k)) ? sorted(d.get(k) as FlaxDict) : d.get(k)!] as const));
  return sorted(root);
};

/** Every leaf of a tree by `a/b/c` path, in tree order (empty dicts have no leaves). */
export const flattenFlaxTree = (tree: FlaxTree, prefix = ""): Array<readonly [string, Exclude<FlaxTree, FlaxDict>]> =>
  isFlaxDict(tree) ? [...tree].flatMap(([k, v]) => flattenFlaxTree(v, prefix === "" ? k : `${prefix}/${k}`)) : [[prefix, tree] as const];
