/**
 * @file safetensors, by hand (the format is small and the npm packages for it are not maintained):
 * an 8-byte little-endian header length, a JSON header `{ name: { dtype, shape, data_offsets } ,
 * __metadata__ }`, then the raw little-endian data. Decoding checks every offset against the file, so
 * a truncated file is reported with the first tensor it cuts.
 */

import * as E from "fp-ts/lib/Either.js";
import type { DType, HostTensor } from "../ir/index.js";
import { size } from "../shape/index.js";

export interface FormatError {
  readonly kind: "format";
  readonly source: string;
  /** The tensor or header field at fault, when one is. */
  readonly field: string;
  readonly message: string;
}

const formatError = (source: string, field: string, message: string): FormatError => ({ kind: "format", source, field, message });

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
  readonly dtype: string;
  readonly shape: number[];
  readonly data_offsets: [number, number];
}

const isEntry = (x: unknown): x is Entry => {
  const e = x as Entry;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.dtype === "string" &&
    Array.isArray(e.shape) &&
    e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
    Array.isArray(e.data_offsets) &&
    e.data_offsets.length === 2 &&
    e.data_offsets.every((d) => Number.isInteger(d) && d >= 0)
  );
};

const widths: Record<string, number> = { F32: 4, F64: 8, I32: 4, I64: 8, BOOL: 1, F16: 2, BF16: 2 };

/** Decodes every tensor; floats come back as f32 (F64 is narrowed), I32/I64 as i32. */
export const decodeSafetensors = (bytes: Uint8Array, source: string): E.Either<FormatError, SafetensorsFile> => {
  if (bytes.length < 8)
    return E.left(formatError(source, "header", `file is ${bytes.length} bytes, shorter than the 8-byte header length`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length)
    return E.left(formatError(source, "header", `header of ${n} bytes runs past the end of the ${bytes.length}-byte file (truncated?)`));
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    return E.left(formatError(source, "header", `header is not JSON: ${e instanceof Error ? e.message : e}`));
  }
  const base = 8 + n;
  const tensors: Record<string, HostTensor> = {};
  const entries = Object.entries(header)
    .filter(([k]) => k !== "__metadata__")
    .sort((a, b) => offsetOf(a[1]) - offsetOf(b[1]));
  for (const [name, raw] of entries) {
    if (!isEntry(raw)) return E.left(formatError(source, name, "entry needs dtype, shape and data_offsets"));
    const w = widths[raw.dtype];
    if (w === undefined || !["F32", "F64", "I32", "I64"].includes(raw.dtype))
      return E.left(formatError(source, name, `unsupported dtype ${raw.dtype}`));
    const [from, to] = raw.data_offsets;
    if (to - from !== size(raw.shape) * w) {
      return E.left(
        formatError(source, name, `holds ${to - from} bytes, shape [${raw.shape.join(", ")}] of ${raw.dtype} needs ${size(raw.shape) * w}`),
      );
    }
    if (base + to > bytes.length) {
      return E.left(
        formatError(source, name, `data [${from}, ${to}) runs past the end of the file (${bytes.length - base} data bytes): truncated`),
      );
    }
    const chunk = copyBytes(bytes.subarray(base + from, base + to)); // aligned and detached from the file buffer
    const dv = new DataView(chunk.buffer);
    const count = size(raw.shape);
    const read = (i: number): number =>
      raw.dtype === "F32"
        ? dv.getFloat32(i * 4, true)
        : raw.dtype === "F64"
          ? dv.getFloat64(i * 8, true)
          : raw.dtype === "I32"
            ? dv.getInt32(i * 4, true)
            : Number(dv.getBigInt64(i * 8, true));
    const isFloat = raw.dtype.startsWith("F");
    const data = isFloat ? new Float32Array(count) : new Int32Array(count);
    for (let i = 0; i < count; i++) data[i] = read(i);
    tensors[name] = { shape: raw.shape, dtype: isFloat ? "f32" : "i32", data };
  }
  const meta = header["__metadata__"];
  if (meta !== undefined && (typeof meta !== "object" || meta === null || Object.values(meta).some((v) => typeof v !== "string"))) {
    return E.left(formatError(source, "__metadata__", "must map strings to strings"));
  }
  return E.right({ tensors, metadata: (meta ?? {}) as Record<string, string> });
};

const offsetOf = (x: unknown): number => (isEntry(x) ? x.data_offsets[0] : -1);

/** A fresh copy (a Node `Buffer`'s `slice` is a view into a shared pool, so it must not be used). */
export const copyBytes = (b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
};
