/**
 * @file exp, tanh and erf as WebAssembly instruction sequences, in both widths (one f32, or four f32
 * lanes of a v128), with no call out of the module: range reduction and polynomials, written once
 * against a small instruction set (`Isa`) that each width (and the relaxed-SIMD variant, which fuses
 * multiply-adds with `f32x4.relaxed_madd`) implements. Every function is correct whether or not the
 * engine fuses a relaxed multiply-add (the relaxed-SIMD proposal lets it choose).
 *
 * Error bounds, measured against the float64 function (`Math.exp`, `Math.tanh`, `erfScalar` of
 * src/ir/ops/unary.ts) rounded to f32, on every 96th float32 of either sign (all of them: these are the
 * ranges the functions are used on) in all three instruction sets; test/backends/wasm-math.test.ts
 * checks every 2048th, 64 floats either side of each threshold and the special values:
 * - exp: ≤ 1 ulp for results above 2⁻¹²⁶; below, within 2⁻¹⁴⁹ (one step of the subnormal grid); +∞
 *   above 88.7228 (and for +∞), +0 below −103.98 (and for −∞), NaN for NaN.
 * - tanh: ≤ 1 ulp; ±1 beyond |x| ≈ 9.01 (and for ±∞), ±0 → ±0, NaN → NaN.
 * - erf: ≤ 2 ulp and ≤ 1.5e-7 absolute; ±1 beyond |x| ≈ 3.9 (and for ±∞), ±0 → ±0, NaN → NaN.
 * Scalar and SIMD code give bit-identical results; the relaxed variant may differ from them in the last bit.
 */

import { F32, I32, sleb, uleb, V128, type ValType } from "./module.js";

/** Code: instructions leaving one value on the stack. */
type Code = ReadonlyArray<number>;
/** A new scratch local of a type. */
export type LocalAlloc = (t: ValType) => number;

/** The instructions one width of the math functions is written with; operands are code pieces, pushed in order. */
export interface Isa {
  /** The float type (f32 or v128) and the type holding a float's bits as an integer (i32 or v128). */
  readonly f: ValType;
  readonly i: ValType;
  /** A float constant, and an integer constant (in every lane). */
  readonly c: (v: number) => Code;
  readonly ic: (v: number) => Code;
  readonly add: (a: Code, b: Code) => Code;
  readonly sub: (a: Code, b: Code) => Code;
  readonly mul: (a: Code, b: Code) => Code;
  readonly div: (a: Code, b: Code) => Code;
  /** a·b + c, fused or not. */
  readonly madd: (a: Code, b: Code, c: Code) => Code;
  /** min(a, b) and max(a, b) that return a where a is NaN. */
  readonly min: (a: Code, b: Code) => Code;
  readonly max: (a: Code, b: Code) => Code;
  readonly abs: (a: Code) => Code;
  /** The magnitude of `mag` with the sign of `sign`. */
  readonly copysign: (mag: Code, sign: Code) => Code;
  /** `cond ? a : b` for the comparison `p > q`. */
  readonly selectGt: (p: Code, q: Code, a: Code, b: Code) => Code;
  /** A float's bits as an integer, and back. */
  readonly bits: (a: Code) => Code;
  readonly float: (a: Code) => Code;
  readonly iadd: (a: Code, b: Code) => Code;
  readonly isub: (a: Code, b: Code) => Code;
  readonly ishl: (a: Code, n: number) => Code;
  readonly ishr: (a: Code, n: number) => Code;
}

const cat = (...parts: ReadonlyArray<Code>): number[] => {
  const out: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]!);
  return out;
};
const get = (l: number): Code => [0x20, ...uleb(l)];
const set = (l: number, v: Code): number[] => cat(v, [0x21, ...uleb(l)]);
const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
const f32Bytes = (v: number): number[] => [...new Uint8Array(new Float32Array([v]).buffer)];
const simd = (code: number): number[] => [0xfd, ...uleb(code)];
const bin =
  (o: Code) =>
  (a: Code, b: Code): Code =>
    cat(a, b, o);

/** f32x4.relaxed_madd (relaxed-SIMD proposal): a·b + c, fused or not as the engine chooses. */
export const RELAXED_MADD: Code = simd(0x105);

/** Scalar f32 code. */
export const scalarIsa: Isa = {
  f: F32,
  i: I32,
  c: (v) => [0x43, ...f32Bytes(v)],
  ic: i32Const,
  add: bin([0x92]),
  sub: bin([0x93]),
  mul: bin([0x94]),
  div: bin([0x95]),
  madd: (a, b, c) => cat(a, b, [0x94], c, [0x92]),
  min: bin([0x96]),
  max: bin([0x97]),
  abs: (a) => cat(a, [0x8b]),
  copysign: bin([0x98]),
  selectGt: (p, q, a, b) => cat(a, b, p, q, [0x5e, 0x1b]),
  bits: (a) => cat(a, [0xbc]),
  float: (a) => cat(a, [0xbe]),
  iadd: bin([0x6a]),
  isub: bin([0x6b]),
  ishl: (a, n) => cat(a, i32Const(n), [0x74]),
  ishr: (a, n) => cat(a, i32Const(n), [0x75]),
};

const v4 = (bytes: ReadonlyArray<number>): number[] => [...simd(0x0c), ...bytes, ...bytes, ...bytes, ...bytes];

/** Four f32 lanes (SIMD), multiply-adds unfused. */
export const vectorIsa: Isa = {
  f: V128,
  i: V128,
  c: (v) => v4(f32Bytes(v)),
  ic: (v) => v4([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]),
  add: bin(simd(0xe4)),
  sub: bin(simd(0xe5)),
  mul: bin(simd(0xe6)),
  div: bin(simd(0xe7)),
  madd: (a, b, c) => cat(a, b, simd(0xe6), c, simd(0xe4)),
  // pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a: a where a is NaN (one instruction on x64, unlike min/max).
  min: bin(simd(0xea)),
  max: bin(simd(0xeb)),
  abs: (a) => cat(a, simd(0xe0)),
  // bitselect(v1, v2, m) = v1 where m, else v2: the sign bit from `sign`, the rest from `mag`.
  copysign: (mag, sign) => cat(sign, mag, v4(f32Bytes(-0)), simd(0x52)),
  selectGt: (p, q, a, b) => cat(a, b, p, q, simd(0x44), simd(0x52)),
  bits: (a) => a,
  float: (a) => a,
  iadd: bin(simd(0xae)),
  isub: bin(simd(0xb1)),
  ishl: (a, n) => cat(a, i32Const(n), simd(0xab)),
  ishr: (a, n) => cat(a, i32Const(n), simd(0xac)),
};

/** Four f32 lanes with `f32x4.relaxed_madd` for every multiply-add (relaxed-SIMD proposal). */
export const relaxedIsa: Isa = { ...vectorIsa, madd: (a, b, c) => cat(a, b, c, RELAXED_MADD) };

/** Horner's scheme: coefficients from the highest degree down. */
const poly = (I: Isa, x: Code, coefs: ReadonlyArray<number>): Code =>
  coefs.slice(1).reduce<Code>((acc, k) => I.madd(acc, x, I.c(k)), I.c(coefs[0]!));

// exp: x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite: ln2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits so
// n·LN2_HI is exact for |n| ≤ 2¹⁵), eʳ ≈ 1 + r + r²·P(r) (Cephes expf, relative error 1.7e-7 on the interval),
// times 2ⁿ built in the exponent field in two halves so that 2⁻¹⁵⁰ ≤ 2ⁿ ≤ 2¹²⁸ stay normal factors.
const EXP_HI = 89; // e^89 > FLT_MAX: +∞ from the product
const EXP_LO = -104; // e^-104 < 2^-150: +0 from the product
const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
/** 1.5·2²³: adding it rounds to an integer (to nearest, ties to even), held in the low mantissa bits. */
const ROUND = 12582912;
const ROUND_BITS = 0x4b400000;
const EXP_P = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * eˣ of the value `x` pushes (f32 or f32x4 per `I`): ≤ 1 ulp for normal results, the subnormal grid below,
 * +∞ above 88.7228, +0 below −103.98, NaN for NaN. Six scratch locals.
 */
export const expCode = (I: Isa, x: Code, local: LocalAlloc): number[] => {
  const [xc, t, n, r, k, k1] = [local(I.f), local(I.f), local(I.f), local(I.f), local(I.i), local(I.i)];
  const scale = (e: Code): Code => I.float(I.ishl(I.iadd(e, I.ic(127)), 23));
  return cat(
    set(xc, I.max(I.min(x, I.c(EXP_HI)), I.c(EXP_LO))),
    set(t, I.madd(get(xc), I.c(LOG2E), I.c(ROUND))),
    set(n, I.sub(get(t), I.c(ROUND))),
    set(r, I.madd(get(n), I.c(-LN2_LO), I.madd(get(n), I.c(-LN2_HI), get(xc)))),
    set(k, I.isub(I.bits(get(t)), I.ic(ROUND_BITS))),
    set(k1, I.ishr(get(k), 1)),
    I.mul(
      I.mul(I.add(I.madd(poly(I, get(r), EXP_P), I.mul(get(r), get(r)), get(r)), I.c(1)), scale(get(k1))),
      scale(I.isub(get(k), get(k1))),
    ),
  );
};

// tanh: |x| ≤ 0.625: x + x·z·P(z), z = x² (Cephes tanhf, relative error 1.4e-7 there); above,
// 1 − 2/(e^{2|x|} + 1); the sign of x copied onto either.
const TANH_SPLIT = 0.625;
const TANH_P = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

/** tanh of the value `x` pushes: ≤ 1 ulp, ±1 beyond |x| ≈ 9.01, ±0 → ±0, NaN → NaN. Nine scratch locals. */
export const tanhCode = (I: Isa, x: Code, local: LocalAlloc): number[] => {
  const [v, a, z] = [local(I.f), local(I.f), local(I.f)];
  const big = I.sub(I.c(1), I.div(I.c(2), I.add(expCode(I, I.add(get(a), get(a)), local), I.c(1))));
  const small = I.madd(I.mul(poly(I, get(z), TANH_P), get(z)), get(a), get(a));
  return cat(
    set(v, x),
    set(a, I.abs(get(v))),
    set(z, I.mul(get(a), get(a))),
    I.copysign(I.selectGt(get(a), I.c(TANH_SPLIT), big, small), get(v)),
  );
};

// erf: below |x| = 0.75 its Maclaurin series to x¹⁹ (truncation < 1e-10 relative); above, 1 − erfc(|x|) with
// erfc(a) = t·exp(−a² − 1.26551223 + t·Q(t)), t = 1/(1 + a/2) (Numerical Recipes' erfcc, a Chebyshev fit with
// relative error < 1.2e-7 for every a ≥ 0); the sign of x copied onto either.
const ERF_SPLIT = 0.75;
const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
const ERF_SERIES = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((n) => ((2 / Math.sqrt(Math.PI)) * (-1) ** n) / (factorial(n) * (2 * n + 1)));
const ERFC_Q = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

/** erf of the value `x` pushes: see the file's error bounds; ±0 → ±0, ±∞ → ±1, NaN → NaN. Twelve scratch locals. */
export const erfCode = (I: Isa, x: Code, local: LocalAlloc): number[] => {
  const [v, a, z, t] = [local(I.f), local(I.f), local(I.f), local(I.f)];
  const small = I.mul(get(a), poly(I, get(z), ERF_SERIES));
  const erfc = I.mul(get(t), expCode(I, I.sub(poly(I, get(t), ERFC_Q), get(z)), local));
  return cat(
    set(v, x),
    set(a, I.abs(get(v))),
    set(z, I.mul(get(a), get(a))),
    set(t, I.div(I.c(1), I.madd(get(a), I.c(0.5), I.c(1)))),
    I.copysign(I.selectGt(get(a), I.c(ERF_SPLIT), I.sub(I.c(1), erfc), small), get(v)),
  );
};
