/**
 * @file The wasm lowering table: WebAssembly instructions for every kernel-expression kind and, within
 * a kind, every op, in two widths: `scalar` (one f32) and `vector` (four f32 lanes in a v128: SIMD).
 * It is a mapped type over the expression kinds and op names, so a new kind or primitive without an
 * entry does not compile. Instructions take their operands from the stack, pushed in the order the
 * entry states. exp, tanh and erf are instruction sequences in both widths (src/backends/wasm/simd-math.ts,
 * with their error bounds: exp and tanh ≤ 1 ulp, erf ≤ 2 ulp and 1.5e-7 absolute); the other functions WebAssembly
 * lacks (log, sin, cos, pow) are JavaScript imports called through f64 (V8 calls the `Math` ones directly):
 * exact to the f64 result rounded to f32, lane by lane in vector code. Two tables: `wasmLowering` (SIMD
 * 1.0) and `wasmRelaxedLowering` (the same with `f32x4.relaxed_madd` in the polynomials), for engines where
 * `relaxedSimd()` (src/backends/wasm/features.ts) holds.
 */

import type { BinaryOp, CompareOp, DType, UnaryOp } from "../../ir/index.js";
import type { ExprKind, ReduceOp } from "../../compile/index.js";
import { op, vop, type ValType } from "./module.js";
import { erfCode, expCode, RELAXED_MADD, relaxedIsa, scalarIsa, tanhCode, vectorIsa, type Isa } from "./simd-math.js";

type Inst = ReadonlyArray<number>;

// erf, Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7, below float32 resolution near 1 (as gpu.js).
// Self-contained: worker threads rebuild it from its source.
const erf = (x: number): number => {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x < 0 ? -y : y;
};

/** Imported JavaScript functions (module `math`), with their arity. */
export const mathImports = {
  exp: {
    /** Math.exp, imported as `math.exp`. */
    fn: Math.exp,
    arity: 1,
  },
  log: {
    /** Math.log (natural), imported as `math.log`. */
    fn: Math.log,
    arity: 1,
  },
  sin: {
    /** Math.sin, imported as `math.sin`. */
    fn: Math.sin,
    arity: 1,
  },
  cos: {
    /** Math.cos, imported as `math.cos`. */
    fn: Math.cos,
    arity: 1,
  },
  tanh: {
    /** Math.tanh, imported as `math.tanh`. */
    fn: Math.tanh,
    arity: 1,
  },
  pow: {
    /** Math.pow(a, b), imported as `math.pow`. */
    fn: Math.pow,
    arity: 2,
  },
  erf: {
    /** Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), imported as `math.erf`. */
    fn: erf,
    arity: 1,
  },
} as const;
/** The name of a JavaScript function the module imports from `math` (one key of `mathImports`). */
export type MathImport = keyof typeof mathImports;

/**
 * An op in both widths, an imported function applied to each lane, or code built from the operand
 * locals (`width` 1 or 4) with scratch locals from `local` (an instruction sequence that reads a value more than once).
 */
export type Op =
  | { readonly scalar: Inst; readonly vector: Inst }
  | { readonly call: MathImport }
  | {
      /** The op's code from its operand locals, in `width` 1 or 4, with scratch locals of a type from `local`. */
      readonly expand: (operands: ReadonlyArray<number>, width: number, local: (t: ValType) => number) => number[];
    };

/** What each expression kind needs. */
interface KindLowering {
  readonly literal: { readonly scalar: (v: number) => Inst; readonly vector: (v: number) => Inst };
  /** From an i32 index on the stack to its f32 value (vector code assembles lanes from these). */
  readonly index: Inst;
  /** Loads at a byte address on the stack plus a constant byte offset. */
  readonly load: {
    readonly scalar: (offset: number) => Inst;
    /** Four consecutive elements. */
    readonly contiguous: (offset: number) => Inst;
    /** One element in every lane. */
    readonly uniform: (offset: number) => Inst;
  };
  readonly unary: { readonly [K in UnaryOp]: Op };
  /** Operands: a, b. */
  readonly binary: { readonly [K in BinaryOp]: Op };
  /** Operands: a, b; the result is 1 where the comparison holds, else 0. */
  readonly compare: { readonly [K in CompareOp]: Op };
  /** Operands: a, b, cond; `cond ≠ 0 ? a : b`. */
  readonly select: Op;
  readonly cast: { readonly [K in DType]: Op };
  readonly reduce: {
    readonly [K in ReduceOp]: {
      readonly init: number;
      readonly combine: Op;
      /**
       * Vector code for `acc + a·b` with a, b, acc pushed in that order: where present, a vector sum whose body is a product
       * accumulates with it (one fused multiply-add per trip in a matmul's micro-kernel) instead of a multiply and `combine`.
       */
      readonly madd?: Inst;
    };
  };
}

/** The lowering table: one entry per expression kind. */
export type WasmLowering = { readonly [K in ExprKind]: KindLowering[K] };

const both = (scalar: Inst, vector: Inst): Op => ({ scalar, vector });
const ONE = vop.const4(1);

/** A unary function from simd-math.ts: scalar code in width 1, `vector` (plain or relaxed SIMD) in width 4. */
const math = (code: (I: Isa, x: Inst, local: (t: ValType) => number) => number[], vector: Isa): Op => ({
  expand: ([x], width, local) => code(width === 1 ? scalarIsa : vector, op.get(x!), local),
});

/** A lowering table whose math functions use `vector` for SIMD code. */
const table = (vector: Isa): WasmLowering => ({
  literal: { scalar: (v) => op.f32Const(v), vector: (v) => vop.const4(v) },
  index: op.f32ConvertI32S,
  load: { scalar: op.f32Load, contiguous: vop.load, uniform: vop.load32Splat },
  unary: {
    neg: both(op.f32Neg, vop.neg),
    exp: math(expCode, vector),
    log: { call: "log" },
    sin: { call: "sin" },
    cos: { call: "cos" },
    sqrt: both(op.f32Sqrt, vop.sqrt),
    tanh: math(tanhCode, vector),
    erf: math(erfCode, vector),
  },
  binary: {
    add: both(op.f32Add, vop.add),
    sub: both(op.f32Sub, vop.sub),
    mul: both(op.f32Mul, vop.mul),
    div: both(op.f32Div, vop.div),
    pow: { call: "pow" },
    maximum: both(op.f32Max, vop.max),
  },
  compare: {
    less: both([...op.f32Lt, ...op.f32ConvertI32U], [...vop.lt, ...ONE, ...vop.and]),
    equal: both([...op.f32Eq, ...op.f32ConvertI32U], [...vop.eq, ...ONE, ...vop.and]),
  },
  select: both([...op.f32Const(0), ...op.f32Ne, ...op.select], [...vop.const4(0), ...vop.ne, ...vop.bitselect]),
  cast: {
    f32: both([], []),
    i32: both(op.f32Trunc, vop.trunc),
    bool: both([...op.f32Const(0), ...op.f32Ne, ...op.f32ConvertI32U], [...vop.const4(0), ...vop.ne, ...ONE, ...vop.and]),
  },
  reduce: {
    sum: { init: 0, combine: both(op.f32Add, vop.add), ...(vector === relaxedIsa ? { madd: RELAXED_MADD } : {}) },
    max: { init: -Infinity, combine: both(op.f32Max, vop.max) },
  },
});

/** The default lowering table of the WebAssembly backend: SIMD (f32x4) and scalar instructions for every expression kind and op. */
export const wasmLowering: WasmLowering = table(vectorIsa);

/**
 * The default table with every multiply-add of exp, tanh and erf one `f32x4.relaxed_madd` (relaxed-SIMD
 * proposal): only for engines where `relaxedSimd()` holds (a module using it elsewhere fails to compile).
 * Within the same error bounds, fused or not; results may differ from `wasmLowering`'s in the last bit.
 */
export const wasmRelaxedLowering: WasmLowering = table(relaxedIsa);
