/**
 * @file A small WebAssembly binary writer: just what the wasm backend emits. Kernel functions take
 * three i32 parameters and return nothing (a kernel reads and writes the one imported memory), and may call
 * imported JavaScript functions of f64 arguments (`Math.exp`, …). Encodings follow the WebAssembly
 * core specification 2.0 (LEB128 integers, sections 1/2/3/7/10) and its fixed-width SIMD proposal
 * (opcode prefix 0xfd, a LEB128 sub-opcode); a shared memory (threads proposal, limits flag 3) for
 * kernels split across worker threads. The module is written into one growing byte array, element by
 * element: never spread (a training step's module is megabytes).
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
};

/** Signed LEB128 of a 32-bit integer. */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};

const f32Scratch = new Float32Array(1);
const f32Octets = new Uint8Array(f32Scratch.buffer);
/** The 4 little-endian bytes of `v` as an f32. */
const f32Bytes = (v: number): number[] => {
  f32Scratch[0] = v;
  return [f32Octets[0]!, f32Octets[1]!, f32Octets[2]!, f32Octets[3]!];
};

const utf8 = (s: string): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};

/** Instructions, as byte sequences (operands come from the stack). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  call: (fn: number) => [0x10, ...uleb(fn)],
  select: [0x1b],
  get: (local: number) => (local < 128 ? [0x20, local] : [0x20, ...uleb(local)]),
  set: (local: number) => (local < 128 ? [0x21, local] : [0x21, ...uleb(local)]),
  tee: (local: number) => (local < 128 ? [0x22, local] : [0x22, ...uleb(local)]),
  /** Memory access: alignment hint 2^2 (every address is a multiple of 4), constant byte offset. */
  i32Load: (offset: number) => [0x28, 2, ...uleb(offset)],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset: number) => [0x38, 2, ...uleb(offset)],
  i32Const: (v: number) => (v >= -64 && v < 64 ? [0x41, v & 0x7f] : [0x41, ...sleb(v)]),
  f32Const: (v: number) => [0x43, ...f32Bytes(v)],
  i32LtS: [0x48],
  i32GtS: [0x4a],
  i32GeS: [0x4e],
  f32Eq: [0x5b],
  f32Ne: [0x5c],
  f32Lt: [0x5d],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32Shl: [0x74],
  f32Neg: [0x8c],
  f32Trunc: [0x8f],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Max: [0x97],
  f32ConvertI32S: [0xb2],
  f32ConvertI32U: [0xb3],
  f32DemoteF64: [0xb6],
  f64PromoteF32: [0xbb],
  i32TruncSatF32S: [0xfc, 0x00],
} as const;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];

/** SIMD instructions (f32x4 lanes). */
export const vop = {
  load: (offset: number) => simd(0x00, 2, ...uleb(offset)),
  load32Splat: (offset: number) => simd(0x09, 2, ...uleb(offset)),
  store: (offset: number) => simd(0x0b, 2, ...uleb(offset)),
  const4: (v: number) => simd(0x0c, ...f32Bytes(v), ...f32Bytes(v), ...f32Bytes(v), ...f32Bytes(v)),
  splat: simd(0x13),
  extract: (lane: number) => simd(0x1f, lane),
  replace: (lane: number) => simd(0x20, lane),
  eq: simd(0x41),
  ne: simd(0x42),
  lt: simd(0x43),
  and: simd(0x4e),
  bitselect: simd(0x52),
  trunc: simd(0x69),
  neg: simd(0xe1),
  sqrt: simd(0xe3),
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  div: simd(0xe7),
  max: simd(0xe9),
} as const;

/**
 * Parameters of every kernel function: its part of the outer loop, the number of parts, the byte address
 * of its scratch area, and the byte address of its argument table (the base address of each of its buffers).
 */
export const KERNEL_PARAMS = 4;

/** A function of the module: its locals' types (after the parameters, in index order) and its body (without the final `end`). */
export interface FunctionBody {
  readonly name: string;
  readonly locals: ReadonlyArray<ValType>;
  readonly code: ReadonlyArray<number>;
}

/** An imported JavaScript function of `arity` f64 arguments returning an f64. */
export interface FunctionImport {
  readonly name: string;
  readonly arity: number;
}

/** Appends `part` to `into` element by element (no spreading: a module is megabytes). */
const push = (into: number[], part: ReadonlyArray<number>): void => {
  for (let i = 0; i < part.length; i++) into.push(part[i]!);
};

/** Appends the unsigned LEB128 of `n`. */
const pushUleb = (into: number[], n: number): void => {
  let v = n >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    into.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
};

/** Appends section `id` (its size, then its body), unless the body is empty. */
const pushSection = (into: number[], id: number, body: ReadonlyArray<number>): void => {
  if (body.length === 0) return;
  into.push(id);
  pushUleb(into, body.length);
  push(into, body);
};

/** A vector: its length, then its items. */
const vec = (items: ReadonlyArray<ReadonlyArray<number>>): number[] => {
  const out: number[] = [];
  pushUleb(out, items.length);
  for (const item of items) push(out, item);
  return out;
};

/** Run-length local declarations: consecutive locals of one type share an entry. */
const localDecls = (types: ReadonlyArray<ValType>): number[][] => {
  const runs: number[][] = [];
  let i = 0;
  while (i < types.length) {
    let j = i;
    while (j < types.length && types[j] === types[i]) j++;
    runs.push([...uleb(j - i), types[i]!]);
    i = j;
  }
  return runs;
};

/** Writes `part` into `bytes` at `at`; returns the position after it. */
const write = (bytes: Uint8Array, at: number, part: ReadonlyArray<number>): number => {
  for (let i = 0; i < part.length; i++) bytes[at + i] = part[i]!;
  return at + part.length;
};

/** `head` followed by the code section (each function's size, local declarations and code, then `end`), written once into the result. */
const withCodeSection = (head: ReadonlyArray<number>, functions: ReadonlyArray<FunctionBody>): Uint8Array<ArrayBuffer> => {
  const decls = functions.map((f) => vec(localDecls(f.locals)));
  const sizes = functions.map((f, i) => decls[i]!.length + f.code.length + op.end.length);
  const prefix = uleb(functions.length);
  let body = prefix.length;
  for (const size of sizes) body += uleb(size).length + size;
  const start: number[] = [...head, 10, ...uleb(body), ...prefix];
  const bytes = new Uint8Array(start.length + body - prefix.length);
  let at = write(bytes, 0, start);
  functions.forEach((f, i) => {
    at = write(bytes, at, uleb(sizes[i]!));
    at = write(bytes, at, decls[i]!);
    at = write(bytes, at, f.code);
    at = write(bytes, at, op.end);
  });
  return bytes;
};

/**
 * The bytes of a module importing `env.memory` (`pages` 64 KiB pages; `shared` for threads, then also
 * at most `pages`) and `math.<name>` for each import (function indices 0…, in order), defining and
 * exporting `functions` (indices after the imports). Type 0 is `(i32, i32, i32, i32) → ()` (the kernels),
 * type 1+a is `(f64 × a) → f64`.
 */
export const buildModule = (
  pages: number,
  shared: boolean,
  imports: ReadonlyArray<FunctionImport>,
  functions: ReadonlyArray<FunctionBody>,
): Uint8Array<ArrayBuffer> => {
  const arities = [...new Set(imports.map((i) => i.arity))];
  const types = [
    [0x60, KERNEL_PARAMS, ...Array<number>(KERNEL_PARAMS).fill(I32), 0],
    ...arities.map((a) => [0x60, ...uleb(a), ...Array<number>(a).fill(F64), 1, F64]),
  ];
  const limits = shared ? [0x03, ...uleb(pages), ...uleb(pages)] : [0x00, ...uleb(pages)];
  const importEntries = [
    [...utf8("env"), ...utf8("memory"), 0x02, ...limits],
    ...imports.map((i) => [...utf8("math"), ...utf8(i.name), 0x00, ...uleb(1 + arities.indexOf(i.arity))]),
  ];
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  pushSection(out, 1, vec(types));
  pushSection(out, 2, vec(importEntries));
  pushSection(out, 3, vec(functions.map(() => [0])));
  pushSection(out, 7, vec(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(imports.length + i)])));
  return withCodeSection(out, functions);
};
