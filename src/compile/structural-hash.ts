/**
 * @file The structural hash of a scheduled program: a 128-bit digest of everything a code generator
 * reads (buffers' roles, dtypes, shapes and constant bytes, every kernel's expression DAG with its index
 * atoms, the outputs and the buffer plan), and of nothing it does not (kernel names, graph node
 * identities). Equal programs hash equal in every process, so backends key their generated code by it:
 * in memory, and on disk in Node (`src/io/code-cache.ts`). The digest is four 32-bit MurmurHash3-style
 * lanes with a final cross-lane mix: a cache key, not a cryptographic hash (entries on disk carry their
 * own byte checksum).
 */

import type { Node } from "../ir/index.js";
import type { Atom, Index } from "./index-expr.js";
import type { Expr, Kernel, Program } from "./kernel-ir.js";

/** An incremental hasher: feed words, numbers, strings and bytes, then read the digest (32 hex digits). */
export interface Hasher {
  /** Feeds one unsigned 32-bit word. */
  readonly word: (w: number) => void;
  /** Feeds a number exactly (its float64 bits: −0 and 0 differ). */
  readonly number: (x: number) => void;
  /** Feeds a string (its length, then its UTF-16 code units). */
  readonly string: (s: string) => void;
  /** Feeds bytes (their length, then four bytes per word). */
  readonly bytes: (b: Uint8Array) => void;
  /** The digest of everything fed so far, as 32 lowercase hex digits. */
  readonly digest: () => string;
}

const C1 = [0xcc9e2d51, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const;
const C2 = [0x1b873593, 0x9e3779b1, 0x165667b1, 0x61c88647] as const;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const fmix = (h: number): number => {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
};

/** A fresh `Hasher` (seeded, so an empty input does not digest to zeros). */
export const hasher = (): Hasher => {
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a];
  let count = 0;
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const word = (w: number): void => {
    count++;
    for (let i = 0; i < 4; i++) {
      let k = Math.imul(w | 0, C1[i]!);
      k = Math.imul(rotl(k, 15 + i), C2[i]!);
      h[i] = (Math.imul(rotl(h[i]! ^ k, 13 + i), 5) + 0xe6546b64 + i) | 0;
    }
  };
  return {
    word,
    number: (x) => {
      f64[0] = x;
      word(u32[0]!);
      word(u32[1]!);
    },
    string: (s) => {
      word(s.length);
      for (let i = 0; i < s.length; i++) word(s.charCodeAt(i));
    },
    bytes: (b) => {
      word(b.length);
      const whole = b.length >>> 2;
      if (b.byteOffset % 4 === 0) {
        const words = new Uint32Array(b.buffer, b.byteOffset, whole);
        for (let i = 0; i < whole; i++) word(words[i]!);
      } else {
        for (let i = 0; i < whole; i++) word(b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24));
      }
      for (let i = 4 * whole; i < b.length; i++) word(b[i]!);
    },
    digest: () => {
      const [a0, b0, c0, d0] = h as [number, number, number, number];
      let a = a0 ^ count;
      let b = b0 ^ count;
      let c = c0 ^ count;
      let d = d0 ^ count;
      a = (a + b + c + d) | 0;
      b = (b + a) | 0;
      c = (c + a) | 0;
      d = (d + a) | 0;
      a = fmix(a);
      b = fmix(b);
      c = fmix(c);
      d = fmix(d);
      a = (a + b + c + d) | 0;
      b = (b + a) | 0;
      c = (c + a) | 0;
      d = (d + a) | 0;
      return [a, b, c, d].map((x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
    },
  };
};

const exprTags = { literal: 1, index: 2, load: 3, unary: 4, binary: 5, compare: 6, select: 7, cast: 8, reduce: 9 } as const;
const atomTags = { thread: 1, lane: 2, loop: 3, div: 4, mod: 5, clamp: 6, value: 7 } as const;

/**
 * Feeds a kernel expression DAG to `h`: each node once, after its children, as a tag, its fields and its
 * children's ordinals (so shared subexpressions cost once; the same construction gives the same stream).
 * A load's buffer is fed as `bufferId(buffer)`.
 */
const exprFeeder = (h: Hasher, bufferId: (buffer: number) => number = (b) => b): ((e: Expr) => number) => {
  const exprIds = new Map<Expr, number>();
  const atomIds = new Map<Atom, number>();
  let next = 0;
  const index = (x: Index): void => {
    const ids = x.terms.map((t) => atom(t.atom));
    h.word(x.terms.length);
    x.terms.forEach((t, i) => {
      h.number(t.coef);
      h.word(ids[i]!);
    });
    h.number(x.offset);
  };
  const atom = (a: Atom): number => {
    const hit = atomIds.get(a);
    if (hit !== undefined) return hit;
    const inner = a.kind === "value" ? expr(a.x) : -1;
    h.word(0xa7);
    h.word(atomTags[a.kind]);
    switch (a.kind) {
      case "thread":
        h.number(a.extent);
        break;
      case "lane":
        h.string(a.axis);
        h.number(a.extent);
        break;
      case "loop":
        h.number(a.id);
        h.number(a.extent);
        break;
      case "div":
      case "mod":
        index(a.x);
        h.number(a.by);
        break;
      case "clamp":
        index(a.x);
        h.number(a.hi);
        break;
      case "value":
        h.word(inner);
        h.number(a.extent);
        break;
    }
    const id = next++;
    atomIds.set(a, id);
    return id;
  };
  const expr = (e: Expr): number => {
    const hit = exprIds.get(e);
    if (hit !== undefined) return hit;
    const kids = ((): number[] => {
      switch (e.kind) {
        case "literal":
        case "index":
        case "load":
          return [];
        case "unary":
        case "cast":
          return [expr(e.x)];
        case "binary":
        case "compare":
          return [expr(e.a), expr(e.b)];
        case "select":
          return [expr(e.cond), expr(e.a), expr(e.b)];
        case "reduce":
          return e.count === undefined ? [expr(e.body)] : [expr(e.body), expr(e.count)];
      }
    })();
    h.word(0xe7);
    h.word(exprTags[e.kind]);
    switch (e.kind) {
      case "literal":
        h.number(e.value);
        break;
      case "index":
        index(e.index);
        break;
      case "load":
        h.number(bufferId(e.buffer));
        index(e.at);
        break;
      case "unary":
      case "binary":
      case "compare":
        h.string(e.op);
        break;
      case "cast":
        h.string(e.to);
        break;
      case "select":
        break;
      case "reduce":
        h.string(e.op);
        h.number(e.loop);
        h.number(e.extent);
        break;
    }
    h.word(kids.length);
    kids.forEach((k) => h.word(k));
    const id = next++;
    exprIds.set(e, id);
    return id;
  };
  return expr;
};

/** Version of the stream `programHash` feeds; bump it when the stream changes meaning. */
export const PROGRAM_HASH_VERSION = 1;

/**
 * The structural hash of a program, salted with `salt` (a backend's name, options and code format): equal
 * for programs a code generator cannot tell apart, in any process.
 * @example
 * const key = programHash(schedule(optimize(graph)), "wasm-simd/threads=1"); // 32 hex digits
 */
export const programHash = (program: Program, salt: string): string => {
  const h = hasher();
  h.string(`mwmae-program/${PROGRAM_HASH_VERSION}`);
  h.string(salt);
  h.word(program.buffers.length);
  for (const b of program.buffers) {
    h.string(`${b.role}:${b.dtype}:${b.shape.join(",")}:${b.size}:${b.inputIndex ?? -1}`);
    if (b.role === "constant" && b.node.op === "constant") {
      const { data } = (b.node as Node<"constant">).attrs;
      h.string(data.constructor.name);
      h.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }
  const expr = exprFeeder(h);
  h.word(program.kernels.length);
  for (const k of program.kernels) {
    h.word(0x4b);
    h.number(k.output);
    h.word(k.inputs.length);
    k.inputs.forEach((i) => h.number(i));
    h.word(expr(k.expr));
  }
  h.string(program.outputs.join(","));
  const slots = [...program.plan.slotOf.entries()].sort((a, b) => a[0] - b[0]);
  h.string(slots.map(([id, slot]) => `${id}:${slot}`).join(","));
  h.string(program.plan.slotBytes.join(","));
  return h.digest();
};

/**
 * Each buffer of `kernel` numbered by its first place in `[output, ...inputs]`: the kernel's own names
 * for its buffers, the same in every copy of one kernel whatever buffers the copy reads and writes.
 * @example
 * kernelBuffers(k); // Map { 12 → 0, 3 → 1, 7 → 2 } for a kernel writing buffer 12 from buffers 3 and 7
 */
export const kernelBuffers = (kernel: Kernel): ReadonlyMap<number, number> => {
  const slots = new Map<number, number>();
  for (const b of [kernel.output, ...kernel.inputs]) if (!slots.has(b)) slots.set(b, slots.size);
  return slots;
};

/**
 * The structural hash of one kernel writing an output of `shape`, its buffers named by `kernelBuffers`,
 * salted with `salt`: equal for kernels a code generator writes one function for (every layer's copy of
 * a kernel hashes equal), whichever buffers they read and write.
 * @example
 * kernelHash(program.kernels[3]!, [8, 250, 384], "wasm-simd"); // 32 hex digits
 */
export const kernelHash = (kernel: Kernel, shape: ReadonlyArray<number>, salt: string): string => {
  const h = hasher();
  h.string(`mwmae-kernel/${PROGRAM_HASH_VERSION}`);
  h.string(salt);
  h.string(shape.join(","));
  const slots = kernelBuffers(kernel);
  h.word(slots.size);
  h.word(exprFeeder(h, (b) => slots.get(b) ?? -1)(kernel.expr));
  return h.digest();
};
