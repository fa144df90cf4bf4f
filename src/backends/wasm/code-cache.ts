/**
 * @file Generated code kept between processes: a `CodeStore` is a key → bytes store (Node injects a
 * folder on disk, `diskCodeStore` in `mwmae-ts/node`; nothing here touches files), and a cache entry is
 * one program's module with everything needed to run it without generating code again. An entry names
 * its format version, the program's structural hash and the code generator's fingerprint, and ends with
 * a checksum of all of it, so a truncated, corrupt, foreign or stale entry is detected and rebuilt,
 * never trusted.
 */

import { hasher } from "../../compile/index.js";

/** A persistent key → bytes store for generated code (a folder on disk in Node). Keys are 32 hex digits. */
export interface CodeStore {
  /** Where the entries live, for messages (a folder). */
  readonly where: string;
  /**
   * Changes whenever the code generator could generate different code (Node: a digest of the compiler's and the backend's own files), so
   * entries written by another version read as stale.
   */
  readonly fingerprint: string;
  /** The entry stored under `key`, or undefined when there is none (or it cannot be read). */
  readonly read: (key: string) => Uint8Array | undefined;
  /** Stores `bytes` under `key` (atomically: a reader sees the old entry or the new one); failures are the store's to report. */
  readonly write: (key: string, bytes: Uint8Array) => void;
}

/** A program's module as the backend runs it: bytes, memory pages, scratch per thread and the kernel of each function. */
export interface CachedModule {
  /** The module's binary, ready for `WebAssembly.compile`. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Memory size the module needs, in 64 KiB WebAssembly pages. */
  readonly pages: number;
  /** Byte offset of every program buffer in memory, indexed by buffer id. */
  readonly offsets: ReadonlyArray<number>;
  /** Each kernel's function (exported as `f<fn>`; copies of one kernel share one; empty kernels have none), and whether it is worth splitting. */
  readonly functions: ReadonlyArray<{ readonly kernel: number; readonly fn: number; readonly split: boolean }>;
  /** Bytes of scratch each thread's part uses (part p's scratch starts p·scratchStride after the first). */
  readonly scratchStride: number;
}

/** Version of the entry layout below; an entry of another version is stale. */
export const CODE_ENTRY_VERSION = 2;
const MAGIC = "MWMAE-WASM-CODE\n";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const checksum = (b: Uint8Array): Uint8Array => {
  const h = hasher();
  h.bytes(b);
  return encoder.encode(h.digest());
};

/**
 * An entry's bytes: magic, then a JSON header (version, hash, fingerprint, pages, offsets, functions,
 * scratch, module length) and its length, the module, and a 32-hex-digit checksum of everything before it.
 */
export const encodeEntry = (hash: string, fingerprint: string, m: CachedModule): Uint8Array => {
  const header = encoder.encode(
    JSON.stringify({
      version: CODE_ENTRY_VERSION,
      hash,
      fingerprint,
      pages: m.pages,
      scratchStride: m.scratchStride,
      offsets: m.offsets,
      functions: m.functions,
      moduleBytes: m.bytes.length,
    }),
  );
  const magic = encoder.encode(MAGIC);
  const body = new Uint8Array(magic.length + 4 + header.length + m.bytes.length);
  body.set(magic, 0);
  new DataView(body.buffer).setUint32(magic.length, header.length, true);
  body.set(header, magic.length + 4);
  body.set(m.bytes, magic.length + 4 + header.length);
  const sum = checksum(body);
  const out = new Uint8Array(body.length + sum.length);
  out.set(body, 0);
  out.set(sum, body.length);
  return out;
};

const isNat = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;

/**
 * The module in an entry, or why the entry cannot be trusted: wrong magic, truncated, bad checksum,
 * another format version, another program's hash, another code generator's fingerprint, or a header that
 * does not fit the program (`buffers` buffers, `kernels` kernels).
 */
export const decodeEntry = (
  entry: Uint8Array,
  expect: { readonly hash: string; readonly fingerprint: string; readonly buffers: number; readonly kernels: number },
): { readonly ok: true; readonly module: CachedModule } | { readonly ok: false; readonly why: string } => {
  const bad = (why: string) => ({ ok: false as const, why });
  const magic = encoder.encode(MAGIC);
  if (entry.length < magic.length + 4 + 32 || decoder.decode(entry.subarray(0, magic.length)) !== MAGIC)
    return bad("not a code cache entry");
  const body = entry.subarray(0, entry.length - 32);
  if (decoder.decode(entry.subarray(entry.length - 32)) !== decoder.decode(checksum(body)))
    return bad(`checksum mismatch (truncated or corrupt, ${entry.length} bytes)`);
  const headerLength = new DataView(entry.buffer, entry.byteOffset + magic.length, 4).getUint32(0, true);
  const start = magic.length + 4 + headerLength;
  if (start > body.length) return bad("header runs past the end");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(decoder.decode(body.subarray(magic.length + 4, start))) as Record<string, unknown>;
  } catch {
    return bad("header is not JSON");
  }
  if (header.version !== CODE_ENTRY_VERSION) return bad(`format version ${String(header.version)}, expected ${CODE_ENTRY_VERSION}`);
  if (header.hash !== expect.hash) return bad(`holds program ${String(header.hash)}, expected ${expect.hash}`);
  if (header.fingerprint !== expect.fingerprint) return bad("stale: written by another version of the code generator");
  const { pages, scratchStride, offsets, functions, moduleBytes } = header;
  if (!isNat(pages) || !isNat(scratchStride) || moduleBytes !== body.length - start) return bad("header does not match the module's size");
  if (!Array.isArray(offsets) || offsets.length !== expect.buffers || !offsets.every(isNat)) return bad("offsets do not fit the program");
  const fns = Array.isArray(functions) ? (functions as ReadonlyArray<{ kernel?: unknown; fn?: unknown; split?: unknown }>) : [];
  const fits = (f: (typeof fns)[number]): boolean =>
    isNat(f.kernel) && f.kernel < expect.kernels && isNat(f.fn) && f.fn < expect.kernels && typeof f.split === "boolean";
  if (!Array.isArray(functions) || !fns.every(fits)) return bad("functions do not fit the program");
  const bytes = body.slice(start);
  if (!WebAssembly.validate(bytes)) return bad("module does not validate");
  return {
    ok: true,
    module: { bytes, pages, scratchStride, offsets, functions: fns as CachedModule["functions"] },
  };
};
