/**
 * @file safetensors, by hand (the format is small and the npm packages for it are not maintained):
 * an 8-byte little-endian header length, a JSON header `{ name: { dtype, shape, data_offsets } ,
 * __metadata__ }`, then the raw little-endian data. Decoding checks every offset against the file, so
 * a truncated file is reported with the first tensor it cuts.
 */

import * as E from "fp-ts/lib/Either.js";
import type { DType, HostTensor } from "../ir/index.js";

/**
 * Why bytes are not a valid file of the expected format: the source (path or name), the tensor or header field at fault and what was wrong.
 */
export interface FormatError {
  readonly kind: "format";
  readonly source: string;
  /** The tensor or header field at fault, when one is. */
  readonly field: string;
  readonly message: string;
}

const formatError = (source: string, field: string, message: string): FormatError => ({ kind: "format", source, field, message });

/** A decoded safetensors file: tensors by name, and the string metadata of its `__metadata__` header entry. */
export interface SafetensorsFile {
  readonly tensors: Readonly<Record<string, HostTensor>>;
  readonly metadata: Readonly<Record<string, string>>;
}

const codes: Record<DType, string> = { f32: "F32", i32: "I32", bool: "BOOL" };

/** Serialises tensors (floats as F32) and string metadata; names are sorted for stable bytes. */
export const encodeSafetensors = (
  tensors: Readonly<Record<string, HostTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array => {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const data = t.dtype === "f32" ? Float32Array.from(t.data) : t.dtype === "i32" ? Int32Array.from(t.data) : Uint8Array.from(t.data);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: codes[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " "; // align the data to 8 bytes, as the reference writer does
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

interface Entry {
  readonly name: string;
  readonly dtype: "F32" | "F64" | "I32" | "I64";
  readonly shape: number[];
  readonly from: number;
  readonly to: number;
}

const widths = { F32: 4, F64: 8, I32: 4, I64: 8 } as const;
/** The reference implementation's bound on the JSON header (safetensors `MAX_HEADER_SIZE`). */
export const maxSafetensorsHeader = 100_000_000;

const isCount = (d: unknown): d is number => typeof d === "number" && Number.isSafeInteger(d) && d >= 0;

/** One header entry checked on its own: dtype, shape, offsets and the byte count they imply. */
const checkEntry = (name: string, raw: unknown): Entry | string => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "entry is not an object with dtype, shape and data_offsets";
  const e = raw as Record<string, unknown>;
  const extra = Object.keys(e).find((k) => k !== "dtype" && k !== "shape" && k !== "data_offsets");
  if (extra !== undefined) return `unexpected field "${extra}" (an entry has dtype, shape and data_offsets)`;
  if (typeof e["dtype"] !== "string") return "dtype is missing or not a string";
  const dtype = e["dtype"];
  if (!(dtype in widths)) return `unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(widths).join(", ")})`;
  const shape = e["shape"];
  if (!Array.isArray(shape) || !shape.every(isCount)) return `shape ${JSON.stringify(shape)} is not a list of non-negative integers`;
  const offsets = e["data_offsets"];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
    return `data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`;
  const [from, to] = offsets as [number, number];
  if (to < from) return `data_offsets [${from}, ${to}] end before they begin`;
  const w = widths[dtype as Entry["dtype"]];
  let count = 1;
  for (const d of shape as number[]) count *= d;
  if (!Number.isSafeInteger(count * w)) return `shape [${shape.join(", ")}] has more elements than any file can hold`;
  if (to - from !== count * w)
    return `holds ${to - from} bytes, shape [${shape.join(", ")}] of ${dtype} needs ${count * w} (${count} elements × ${w} bytes)`;
  return { name, dtype: dtype as Entry["dtype"], shape: shape as number[], from, to };
};

/**
 * The header's entries with their offsets checked against the data region: sorted by offset, they
 * must tile `[0, dataBytes)` exactly, every byte covered once (no gap, no overlap, nothing past the
 * end, nothing left over). An empty tensor (0 bytes) may sit anywhere.
 */
const tileDataRegion = (entries: Entry[], dataBytes: number, source: string): FormatError | undefined => {
  const sorted = [...entries].sort((a, b) => a.from - b.from || a.to - b.to);
  let at = 0;
  let last = "the header";
  for (const e of sorted) {
    if (e.to > dataBytes)
      return formatError(
        source,
        e.name,
        `data [${e.from}, ${e.to}) runs past the end of the file (${dataBytes} data bytes): a truncated safetensors file`,
      );
    if (e.from < at) return formatError(source, e.name, `data [${e.from}, ${e.to}) overlaps ${last}, which ends at ${at}`);
    if (e.from > at) return formatError(source, e.name, `data [${e.from}, ${e.to}) leaves a gap of ${e.from - at} bytes after ${last}`);
    at = e.to;
    if (e.to > e.from) last = `tensor "${e.name}"`;
  }
  if (at !== dataBytes)
    return formatError(
      source,
      "header",
      `the tensors cover ${at} of the ${dataBytes} data bytes: ${dataBytes - at} bytes after the last are not any tensor's (header length off?)`,
    );
  return undefined;
};

/** The elements of one checked entry, as f32 or i32. */
const readEntry = (bytes: Uint8Array, base: number, e: Entry): HostTensor => {
  const chunk = copyBytes(bytes.subarray(base + e.from, base + e.to)); // aligned and detached from the file buffer
  const dv = new DataView(chunk.buffer);
  const count = (e.to - e.from) / widths[e.dtype];
  const isFloat = e.dtype.startsWith("F");
  const data = isFloat ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    data[i] =
      e.dtype === "F32"
        ? dv.getFloat32(i * 4, true)
        : e.dtype === "F64"
          ? dv.getFloat64(i * 8, true)
          : e.dtype === "I32"
            ? dv.getInt32(i * 4, true)
            : Number(dv.getBigInt64(i * 8, true));
  }
  return { shape: e.shape, dtype: isFloat ? "f32" : "i32", data };
};

/**
 * Decodes every tensor; floats come back as f32 (F64 is narrowed), I32/I64 as i32. The container is
 * checked strictly before any tensor is read: the header length fits the file, the header is a JSON
 * object, every entry's dtype, shape and offsets agree, and the offsets tile the data region exactly
 * (so a header length one byte off is an error, not every tensor read one byte off).
 */
export const decodeSafetensors = (bytes: Uint8Array, source: string): E.Either<FormatError, SafetensorsFile> => {
  if (bytes.length < 8)
    return E.left(
      formatError(source, "header", `a truncated safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`),
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8))
    return E.left(
      formatError(
        source,
        "header",
        `a truncated safetensors file: its header of ${declared} bytes runs past the end of the ${bytes.length}-byte file`,
      ),
    );
  const n = Number(declared);
  if (n > maxSafetensorsHeader)
    return E.left(formatError(source, "header", `header of ${n} bytes exceeds the ${maxSafetensorsHeader}-byte limit`));
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return E.left(formatError(source, "header", `header is not UTF-8 JSON: ${e instanceof Error ? e.message : e}`));
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    return E.left(
      formatError(
        source,
        "header",
        `header is ${header === null ? "null" : Array.isArray(header) ? "an array" : typeof header}, not a JSON object`,
      ),
    );
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const entry = checkEntry(name, raw);
    if (typeof entry === "string") return E.left(formatError(source, name, entry));
    entries.push(entry);
  }
  const meta = (header as Record<string, unknown>)["__metadata__"];
  if (
    meta !== undefined &&
    (typeof meta !== "object" || meta === null || Array.isArray(meta) || Object.values(meta).some((v) => typeof v !== "string"))
  ) {
    return E.left(formatError(source, "__metadata__", "must map strings to strings"));
  }
  const base = 8 + n;
  const tiled = tileDataRegion(entries, bytes.length - base, source);
  if (tiled !== undefined) return E.left(tiled);
  const tensors: Record<string, HostTensor> = {};
  for (const e of entries) tensors[e.name] = readEntry(bytes, base, e);
  return E.right({ tensors, metadata: (meta ?? {}) as Record<string, string> });
};

/**
 * Whether bytes look like safetensors: a little-endian u64 header length whose high bytes are 0 (no
 * real header reaches 4 GB), then JSON. The length is not checked against the file, so a truncated
 * safetensors file is reported as one by `decodeSafetensors`, not as broken msgpack; a header that is
 * JSON but not an object (`null`, `[…]`) counts too, so that it is refused as a safetensors header.
 * @example
 * looksLikeSafetensors(encodeSafetensors({})); // true
 */
export const looksLikeSafetensors = (b: Uint8Array): boolean => {
  if (b.length < 9 || !b.subarray(4, 8).every((x) => x === 0)) return false;
  if (b[8] === 0x7b) return true;
  const n = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
  if (n === 0 || n > b.length - 8) return false;
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(8, 8 + n)));
    return true;
  } catch {
    return false;
  }
};

/**
 * What bytes that are no checkpoint seem to be, from their first bytes, for errors: "an empty file",
 * "a RIFF (WAV?) file", "a zip archive (a PyTorch .pt/.pth checkpoint?)", …
 * @example
 * describeBytes(new Uint8Array(0)); // "an empty file"
 */
export const describeBytes = (b: Uint8Array): string => {
  const head = String.fromCharCode(...b.subarray(0, 8));
  if (b.length === 0) return "an empty file";
  if (b.length < 9) return `a ${b.length}-byte file, too short for either`;
  if (head.startsWith("RIFF") || head.startsWith("RIFX")) return "a RIFF (WAV?) file";
  if (head.startsWith("PK")) return "a zip archive (a PyTorch .pt/.pth checkpoint?)";
  if (head.startsWith("\x93NUMPY")) return "a NumPy .npy file";
  if (b[0] === 0x7b || b[0] === 0x5b) return "a JSON document (a config file?)";
  return `${b.length} bytes starting ${Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, "0")).join(" ")}`;
};

/** A fresh copy (a Node `Buffer`'s `slice` is a view into a shared pool, so it must not be used). */
export const copyBytes = (b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
};
