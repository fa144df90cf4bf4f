/**
 * @file A one-function WebAssembly module mapping a Float32Array through one of the wasm backend's math
 * instruction sequences (src/backends/wasm/simd-math.ts), in place, in either width: for accuracy tests.
 */

import { buildModule, I32, KERNEL_PARAMS, op, vop, type ValType } from "../../src/backends/wasm/module";
import type { Isa, LocalAlloc } from "../../src/backends/wasm/simd-math";

/** Code for f(x) from code pushing x, in the width of `isa`. */
export type MathCode = (isa: Isa, x: ReadonlyArray<number>, local: LocalAlloc) => number[];

/** `(xs) => f(xs)` elementwise through a compiled module (scalar: one f32 at a time; else four lanes). */
export const mathMap = (isa: Isa, code: MathCode): ((xs: Float32Array) => Float32Array) => {
  const vector = isa.f !== 0x7d;
  const locals: ValType[] = [I32];
  const local: LocalAlloc = (t) => KERNEL_PARAMS + locals.push(t) - 1;
  const i = KERNEL_PARAMS;
  const step = vector ? 16 : 4;
  const load = vector ? vop.load(0) : op.f32Load(0);
  const store = vector ? vop.store(0) : op.f32Store(0);
  const f = code(isa, [...op.get(i), ...load], local);
  const body = [
    ...op.i32Const(0),
    ...op.set(i),
    ...op.block,
    ...op.loop,
    ...op.get(i),
    ...op.get(0),
    ...op.i32GeS,
    ...op.brIf(1),
    ...op.get(i),
    ...f,
    ...store,
    ...op.get(i),
    ...op.i32Const(step),
    ...op.i32Add,
    ...op.set(i),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const pages = 1024; // 64 MiB
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const bytes = buildModule(pages, false, [], [{ name: "f", locals, code: body }]);
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.f as (
    n: number,
    a: number,
    b: number,
  ) => void;
  const chunk = (pages * 65536) / 4;
  return (xs) => {
    const out = new Float32Array(xs.length);
    const mem = new Float32Array(memory.buffer);
    for (let at = 0; at < xs.length; at += chunk) {
      const part = xs.subarray(at, Math.min(xs.length, at + chunk));
      mem.set(part);
      run(Math.ceil(part.length / 4) * 4 * 4, 0, 0);
      out.set(mem.subarray(0, part.length), at);
    }
    return out;
  };
};

/** Distance in units in the last place between two float32 values (same-sign ordering of the bits; NaN = NaN is 0). */
export const ulps = (a: number, b: number): number => {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const ord = (v: number): number => {
    const u = new Int32Array(new Float32Array([v]).buffer)[0]!;
    return u < 0 ? -(u & 0x7fffffff) : u;
  };
  return Math.abs(ord(a) - ord(b));
};

const fromBits = (u: number): number => new Float32Array(new Uint32Array([u >>> 0]).buffer)[0]!;

/** Every `stride`-th non-negative float32 bit pattern with its negation, within [lo, hi], and the special values. */
export const mathSample = (lo: number, hi: number, stride: number, extra: ReadonlyArray<number> = []): Float32Array => {
  const xs: number[] = [
    0,
    -0,
    Infinity,
    -Infinity,
    Number.NaN,
    2 ** -149,
    -(2 ** -149),
    2 ** -126,
    -(2 ** -126),
    3.4028234663852886e38,
    -3.4028234663852886e38,
  ];
  for (let u = 0; u < 0x7f800000; u += stride) {
    const v = fromBits(u);
    if (v >= lo && v <= hi) xs.push(v);
    if (-v >= lo && -v <= hi) xs.push(-v);
  }
  // Around each extra point: it and its 64 float32 neighbours either side.
  for (const p of extra) {
    const u = new Uint32Array(new Float32Array([p]).buffer)[0]!;
    for (let d = -64; d <= 64; d++) xs.push(fromBits(u + d));
  }
  return new Float32Array(xs);
};

/** Worst errors of `got` against the float64 function `ref` on `xs`: in ulps of the rounded result, absolute, and where. */
export interface MathErrors {
  readonly ulp: number;
  readonly ulpAt: number;
  readonly abs: number;
  readonly absAt: number;
}

/** Worst errors, skipping points where `skip(x, want)` holds (checked separately). */
export const mathErrors = (
  xs: Float32Array,
  got: Float32Array,
  ref: (x: number) => number,
  skip: (x: number, want: number) => boolean = () => false,
): MathErrors => {
  let [ulp, ulpAt, abs, absAt] = [0, Number.NaN, 0, Number.NaN];
  for (let i = 0; i < xs.length; i++) {
    const want = ref(xs[i]!);
    if (skip(xs[i]!, want)) continue;
    const u = ulps(got[i]!, Math.fround(want));
    if (u > ulp) [ulp, ulpAt] = [u, xs[i]!];
    const a = Number.isFinite(want) ? Math.abs(got[i]! - want) : Object.is(Math.fround(want), got[i]) ? 0 : Infinity;
    if (a > abs) [abs, absAt] = [a, xs[i]!];
  }
  return { ulp, ulpAt, abs, absAt };
};
