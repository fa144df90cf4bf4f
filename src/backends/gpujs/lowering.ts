/**
 * @file The gpu.js lowering table: JavaScript (the subset gpu.js translates to GLSL, WGSL, WebAssembly
 * or plain JS) for every kernel-expression kind, and within a kind for every op. It is a mapped type
 * over the expression kinds and op names, so a new kind or primitive without an entry does not
 * compile. An entry may be `unsupported(reason)`: compiling a kernel that needs it then fails naming
 * the op and the backend. Operands are always variable names or literals, so an entry may repeat them.
 */

import type { BinaryOp, CompareOp, DType, UnaryOp } from "../../ir/index.js";
import type { ExprKind, ReduceOp } from "../../compile/index.js";

/** An entry a backend cannot provide, with the reason shown in the compile error. */
export interface Unsupported {
  readonly unsupported: string;
}
/** Marks a lowering-table entry the backend cannot provide; compiling a kernel that needs it throws `LoweringError` with `reason`. */
export const unsupported = (reason: string): Unsupported => ({ unsupported: reason });
/** True for an `unsupported(reason)` entry of a lowering table. */
export const isUnsupported = (x: unknown): x is Unsupported => typeof x === "object" && x !== null && "unsupported" in x;

/** Binds an expression to a fresh `const` in the current scope and returns its name. */
export type Bind = (expr: string) => string;
type Op1 = (x: string, bind: Bind) => string;
type Op2 = (a: string, b: string, bind: Bind) => string;

/** What each expression kind needs from a backend. */
interface KindLowering {
  readonly literal: (value: number) => string;
  readonly index: (index: string) => string;
  readonly load: (buffer: string, at: string) => string;
  readonly unary: { readonly [K in UnaryOp]: Op1 | Unsupported };
  readonly binary: { readonly [K in BinaryOp]: Op2 | Unsupported };
  readonly compare: { readonly [K in CompareOp]: Op2 | Unsupported };
  readonly select: (cond: string, a: string, b: string) => string;
  /** Conversion to each dtype (lowering only emits the ones that change the value). */
  readonly cast: { readonly [K in DType]: Op1 };
  readonly reduce: {
    readonly [K in ReduceOp]: { readonly init: string; readonly combine: (acc: string, x: string) => string } | Unsupported;
  };
}

/** The lowering table: one entry per expression kind. */
export type Lowering = { readonly [K in ExprKind]: KindLowering[K] };

/** Index arithmetic: floor division and modulo of integers carried in floats, and clamping. */
export interface IndexLowering {
  /** The expression for the current thread's flat index (`this.thread.x` in gpu.js). */
  readonly thread: string;
  /** ⌊x/n⌋ for an integer x: the +0.5 keeps it exact under the approximate division of GPUs. */
  readonly div: (x: string, n: number) => string;
  /** x mod n for an integer x ≥ 0, consistent with `div` (x − n·⌊x/n⌋). */
  readonly mod: (x: string, n: number) => string;
  /** x clamped to `[0, hi]`. */
  readonly clamp: (x: string, hi: number) => string;
}

const num = (v: number): string =>
  Number.isNaN(v) ? "(0 / 0)" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : Object.is(v, -0) ? "-0" : String(v);

// erf, Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7, below float32 resolution near 1.
const erfJs: Op1 = (x, bind) => {
  const t = bind(`1 / (1 + 0.3275911 * Math.abs(${x}))`);
  const poly = `((((1.061405429 * ${t} - 1.453152027) * ${t} + 1.421413741) * ${t} - 0.284496736) * ${t} + 0.254829592) * ${t}`;
  const y = bind(`1 - ${poly} * Math.exp(-${x} * ${x})`);
  return `(${x} < 0 ? -${y} : ${y})`;
};

/** The table every gpu.js mode uses. */
export const gpujsLowering: Lowering = {
  literal: num,
  index: (index) => `(${index})`,
  load: (buffer, at) => `${buffer}[${at}]`,
  unary: {
    neg: (x) => `(-${x})`,
    exp: (x) => `Math.exp(${x})`,
    log: (x) => `Math.log(${x})`,
    sin: (x) => `Math.sin(${x})`,
    cos: (x) => `Math.cos(${x})`,
    sqrt: (x) => `Math.sqrt(${x})`,
    tanh: (x) => `Math.tanh(${x})`,
    erf: erfJs,
  },
  binary: {
    add: (a, b) => `(${a} + ${b})`,
    sub: (a, b) => `(${a} - ${b})`,
    mul: (a, b) => `(${a} * ${b})`,
    div: (a, b) => `(${a} / ${b})`,
    pow: (a, b) => `Math.pow(${a}, ${b})`,
    maximum: (a, b) => `Math.max(${a}, ${b})`,
  },
  compare: {
    less: (a, b) => `(${a} < ${b} ? 1 : 0)`,
    equal: (a, b) => `(${a} == ${b} ? 1 : 0)`,
  },
  select: (c, a, b) => `(${c} != 0 ? ${a} : ${b})`,
  cast: {
    f32: (x) => x,
    i32: (x) => `Math.trunc(${x})`,
    bool: (x) => `(${x} != 0 ? 1 : 0)`,
  },
  reduce: {
    sum: { init: "0", combine: (acc, x) => `${acc} + ${x}` },
    max: { init: "-Infinity", combine: (acc, x) => `Math.max(${acc}, ${x})` },
  },
};

/** Index arithmetic for gpu.js kernels: thread index `this.thread.x`, division rounded with +0.5 so it stays exact on GPUs. */
export const gpujsIndexLowering: IndexLowering = {
  thread: "this.thread.x",
  div: (x, n) => `Math.floor((${x} + 0.5) / ${n})`,
  mod: (x, n) => `(${x} - ${n} * Math.floor((${x} + 0.5) / ${n}))`,
  clamp: (x, hi) => `Math.min(Math.max(${x}, 0), ${hi})`,
};
