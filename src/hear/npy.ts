/**
 * @file NumPy `.npy` files by hand, the format `np.save` writes and hear-eval-kit reads: the magic
 * `\x93NUMPY`, a version, a little-endian header length, an ASCII Python dict
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (83, 160), }` padded with spaces and a newline
 * so the data starts on a 64-byte boundary, then the raw little-endian row-major data. Version 1.0
 * (u16 header length) is written unless the header needs more, then 2.0 (u32); reading takes 1, 2 and 3.
 */

import * as E from "fp-ts/lib/Either.js";

const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const alignment = 64;

/** Array types `.npy` files here hold. */
export type NpyDescr = "<f4" | "<f8" | "<i4";

/** A decoded `.npy` array. */
export interface NpyArray {
  readonly descr: NpyDescr;
  readonly shape: ReadonlyArray<number>;
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** Python's repr of a shape tuple: `()`, `(3,)`, `(2, 3)`. */
const shapeRepr = (shape: ReadonlyArray<number>): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`);

const descrOf = (data: NpyArray["data"]): NpyDescr => (data instanceof Float64Array ? "<f8" : data instanceof Int32Array ? "<i4" : "<f4");

/**
 * The bytes of a `.npy` file holding `data` with `shape` (row-major). Float32 unless the data is a
 * Float64Array or Int32Array.
 * @example
 * writeFileAtomic("clip.wav.embedding.npy", encodeNpy(scene, [3840]));
 */
export const encodeNpy = (data: Float32Array | Float64Array | Int32Array, shape: ReadonlyArray<number>): Uint8Array => {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeNpy: ${data.length} values for shape [${shape.join(", ")}]`);
  const dict = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  const version = dict.length + 1 + 10 > 0xffff ? 2 : 1;
  const prefix = version === 1 ? 10 : 12;
  const padded = Math.ceil((prefix + dict.length + 1) / alignment) * alignment;
  const header = `${dict + " ".repeat(padded - prefix - dict.length - 1)}\n`;
  const out = new Uint8Array(padded + data.byteLength);
  const view = new DataView(out.buffer);
  out.set(magic, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  // Typed arrays use the platform's byte order; write explicitly little-endian.
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    const at = padded + i * width;
    if (data instanceof Float32Array) view.setFloat32(at, data[i]!, true);
    else if (data instanceof Float64Array) view.setFloat64(at, data[i]!, true);
    else view.setInt32(at, data[i]!, true);
  }
  return out;
};

/**
 * A `.npy` file's array, or what is wrong with it (`source` names the file in the message).
 * @example
 * const { shape, data } = E.getOrElseW(fail)(decodeNpy(bytes, "clip.wav.embedding.npy"));
 */
export const decodeNpy = (bytes: Uint8Array, source: string): E.Either<string, NpyArray> => {
  const fail = (why: string) => E.left(`${source}: ${why}`);
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) return fail("not a .npy file (no \\x93NUMPY magic)");
  const version = bytes[6]!;
  if (version < 1 || version > 3) return fail(`unsupported .npy version ${version}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = version === 1 ? 10 : 12;
  const length = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + length > bytes.length) return fail("truncated header");
  const header = new TextDecoder(version === 3 ? "utf-8" : "latin1").decode(bytes.subarray(prefix, prefix + length));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    return fail(`malformed header ${JSON.stringify(header.trim())}`);
  if (descr !== "<f4" && descr !== "<f8" && descr !== "<i4") return fail(`unsupported dtype ${descr} (reads <f4, <f8, <i4)`);
  if (fortran === "True") return fail("Fortran-ordered arrays are not supported");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) return fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = descr === "<f8" ? 8 : 4;
  const start = prefix + length;
  if (bytes.length - start !== count * width)
    return fail(`holds ${bytes.length - start} data bytes, shape (${shapeText}) of ${descr} needs ${count * width}`);
  const data = descr === "<f4" ? new Float32Array(count) : descr === "<f8" ? new Float64Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = start + i * width;
    data[i] = descr === "<f4" ? view.getFloat32(at, true) : descr === "<f8" ? view.getFloat64(at, true) : view.getInt32(at, true);
  }
  return E.right({ descr, shape, data });
};
