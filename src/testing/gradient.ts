/**
 * @file The finite-difference gradient check (JAX's `check_vjp`): the dot-product test in float64 on
 * the reference interpreter. For a random tangent t and cotangent c, the central difference
 * ⟨c, (f(x+εt) − f(x−εt))/2ε⟩ must equal ⟨vjp(c), t⟩: one scalar comparison checks the whole VJP
 * without building a Jacobian.
 *
 * The tolerance rule: |lhs − rhs| ≤ atol + rtol·scale, where scale = max(Σ|cᵢ·fdᵢ|, Σ|vjpᵢ·tᵢ|), a
 * bound on both sides that cancellation cannot shrink. Its budget, float64 with ε = 1e-6 and inputs,
 * tangents and cotangents O(1): truncation is ε²/6·|f'''| ≈ 1e-13 per term, rounding is u·|f|/ε ≈
 * 1e-16/1e-6 = 1e-10 per term, so over ≤ 100 terms the two sides agree to ~1e-8 of their magnitude.
 * The default rtol 1e-6 leaves two orders of margin yet catches any wrong factor or sign (a VJP off by
 * 0.1% fails); atol 1e-8 covers rounding where both sides are ~0. Functions with large third
 * derivatives, inputs near a kink or thousands of terms need a larger ε or rtol.
 */

import { backprop } from "../autodiff/index.js";
import { constant, type Data, type Node, type Tensor } from "../ir/index.js";
import { size } from "../shape/index.js";
import { seededValues } from "./arbitraries.js";
import { dataOf, inputsFor, multiIndex, num, outputList, runF64, showIndex, showShapes, type Arg, type TensorsOfArgs } from "./evaluate.js";

/** How close the two sides of the dot-product test must be, and the finite-difference step. */
export interface Tolerance {
  /** Finite-difference step ε. */
  readonly eps: number;
  /** Allowed |lhs − rhs| relative to the scale max(Σ|cᵢ·fdᵢ|, Σ|vjpᵢ·tᵢ|). */
  readonly rtol: number;
  /** Allowed |lhs − rhs| where both sides are ~0. */
  readonly atol: number;
}

/** The default float64 tolerance: ε 1e-6, rtol 1e-6, atol 1e-8 (budget in this file's comment). */
export const f64Tolerance: Tolerance = { eps: 1e-6, rtol: 1e-6, atol: 1e-8 };

/** Options of `checkGradient`: a tolerance (any field overrides the default), the seed and the order. */
export interface GradientOptions extends Partial<Tolerance> {
  /** Seed of the tangents and cotangents (default 0); the failure message repeats it. */
  readonly seed?: number;
  /** 1 checks the VJP; 2 checks the VJP of the VJP (x ↦ vjp_x(c) for a fixed c): second-order gradients. */
  readonly order?: 1 | 2;
}

/** The outcome of one dot-product test. */
export interface GradientReport {
  /** The seed the tangents and cotangents came from. */
  readonly seed: number;
  /** ⟨c, central difference⟩. */
  readonly lhs: number;
  /** ⟨vjp(c), t⟩. */
  readonly rhs: number;
  /** max(Σ|cᵢ·fdᵢ|, Σ|vjpᵢ·tᵢ|): the scale rtol applies to. */
  readonly scale: number;
  /** atol + rtol·scale: the largest |lhs − rhs| allowed. */
  readonly allowed: number;
  /** Whether |lhs − rhs| ≤ allowed. */
  readonly ok: boolean;
}

/** A function of tensors built into a graph once: inputs, differentiable inputs, f32 outputs. */
interface Built {
  readonly xs: ReadonlyArray<Node>;
  readonly wrt: ReadonlyArray<number>;
  readonly outs: ReadonlyArray<Node>;
}

type AnyF = (...xs: Tensor[]) => Tensor | ReadonlyArray<Tensor>;

const build = (f: AnyF, args: ReadonlyArray<Arg>, order: 1 | 2, seed: number): Built => {
  const xs = inputsFor(args);
  const wrt = args.flatMap((a, i) => (a.dtype === undefined || a.dtype === "f32" ? [i] : []));
  if (wrt.length === 0) throw new Error("checkGradient: no f32 argument to differentiate");
  const first = outputList(f(...(xs as Tensor[]))).filter((o) => o.dtype === "f32");
  if (first.length === 0) throw new Error("checkGradient: the function has no f32 output to differentiate");
  if (order === 1) return { xs, wrt, outs: first };
  // Second order: the function is x ↦ vjp_x(c) at a fixed cotangent c.
  const draw = seededValues(seed ^ 0x5bd1e995);
  const cts = first.map((o) => constant(draw(size(o.shape)), o.shape));
  return {
    xs,
    wrt,
    outs: backprop(
      first,
      cts,
      wrt.map((i) => xs[i]!),
    ),
  };
};

const dot = (a: ReadonlyArray<ArrayLike<number>>, b: ReadonlyArray<ArrayLike<number>>): { value: number; abs: number } => {
  let value = 0;
  let abs = 0;
  a.forEach((x, k) => {
    const y = b[k]!;
    for (let i = 0; i < x.length; i++) {
      value += x[i]! * y[i]!;
      abs += Math.abs(x[i]! * y[i]!);
    }
  });
  return { value, abs };
};

/** Evaluates the built function with argument `k` moved by `step` (per element) from `args`. */
const evalAt = (b: Built, base: ReadonlyArray<Data>, moves: ReadonlyArray<readonly [number, ArrayLike<number>]>): Data[] => {
  const values = base.map((d) => d);
  for (const [k, step] of moves) values[k] = (base[k] as Float64Array).map((v, j) => v + step[j]!);
  return runF64(
    b.outs,
    b.xs.map((x, i) => [x, values[i]!] as const),
  );
};

/** The element where the VJP and the central difference disagree most, by one-hot tangents. */
const worstElement = (b: Built, base: ReadonlyArray<Data>, c: ReadonlyArray<Float64Array>, g: ReadonlyArray<Data>, eps: number) => {
  let worst = { input: -1, at: -1, vjp: 0, fd: 0 };
  b.wrt.forEach((k, w) => {
    const n = base[k]!.length;
    for (let j = 0; j < n; j++) {
      const e = new Float64Array(n);
      e[j] = eps;
      const plus = evalAt(b, base, [[k, e]]);
      e[j] = -eps;
      const minus = evalAt(b, base, [[k, e]]);
      const fd = dot(
        c,
        plus.map((p, o) => p.map((v, i) => (v - minus[o]![i]!) / (2 * eps))),
      ).value;
      const vjp = g[w]![j]!;
      if (worst.input < 0 || Math.abs(fd - vjp) > Math.abs(worst.fd - worst.vjp)) worst = { input: k, at: j, vjp, fd };
    }
  });
  return worst;
};

/** Largest argument size for which a failure is localised to one element (2 evaluations per element). */
const LOCALISE_LIMIT = 4096;

const run = (f: AnyF, args: ReadonlyArray<Arg>, options: GradientOptions) => {
  const tol = { ...f64Tolerance, ...options };
  const seed = options.seed ?? 0;
  const b = build(f, args, options.order ?? 1, seed);
  const draw = seededValues(seed);
  const t = b.wrt.map((k) => draw(size(args[k]!.shape)));
  const c = b.outs.map((o) => draw(size(o.shape)));
  const base = args.map(dataOf);
  const plus = evalAt(
    b,
    base,
    b.wrt.map((k, w) => [k, t[w]!.map((v) => tol.eps * v)] as const),
  );
  const minus = evalAt(
    b,
    base,
    b.wrt.map((k, w) => [k, t[w]!.map((v) => -tol.eps * v)] as const),
  );
  const fd = plus.map((p, o) => p.map((v, i) => (v - minus[o]![i]!) / (2 * tol.eps)));
  const cts = b.outs.map((o, i) => constant(c[i]!, o.shape));
  const g = runF64(
    backprop(
      b.outs,
      cts,
      b.wrt.map((k) => b.xs[k]!),
    ),
    b.xs.map((x, i) => [x, base[i]!] as const),
  );
  const left = dot(c, fd);
  const right = dot(g, t);
  const scale = Math.max(left.abs, right.abs);
  const allowed = tol.atol + tol.rtol * scale;
  const ok = Math.abs(left.value - right.value) <= allowed;
  const report: GradientReport = { seed, lhs: left.value, rhs: right.value, scale, allowed, ok };
  return { report, tol, b, base, c, g };
};

/**
 * The dot-product test of `f`'s VJP at `args`, without throwing: the report says whether it passed.
 * @example
 * const r = dotProductTest((x) => tanh(x), [{ shape: [3], data: [0.1, -0.5, 2] }], { seed: 7 });
 * r.ok; // true
 */
export const dotProductTest = <const A extends ReadonlyArray<Arg>>(
  f: (...xs: TensorsOfArgs<A>) => Tensor | ReadonlyArray<Tensor>,
  args: A,
  options: GradientOptions = {},
): GradientReport => run(f as AnyF, args, options).report;

/**
 * Checks `f`'s VJP against central differences in float64 at `args` (the dot-product test; tolerance
 * rule in this file's comment and in docs/property-testing.md). Returns the report when it passes;
 * otherwise throws an `Error` that gives the seed, the shapes, both sides, the tolerance and the input
 * element where the VJP and the central difference disagree most (for arguments up to 4096 elements).
 * Only f32 arguments are differentiated; i32 and bool arguments (indices, masks) are held fixed.
 * @example
 * fc.assert(
 *   fc.property(tensorArb({ shape: [2, 3] }), tensorArb({ shape: [3, 4] }), fc.nat(), (a, b, seed) => {
 *     checkGradient((x, w) => matmul(x, w), [a, b], { seed });
 *   }),
 * );
 */
export const checkGradient = <const A extends ReadonlyArray<Arg>>(
  f: (...xs: TensorsOfArgs<A>) => Tensor | ReadonlyArray<Tensor>,
  args: A,
  options: GradientOptions = {},
): GradientReport => {
  const { report, tol, b, base, c, g } = run(f as AnyF, args, options);
  if (report.ok) return report;
  const total = b.wrt.reduce((n, k) => n + base[k]!.length, 0);
  const where =
    total <= LOCALISE_LIMIT
      ? (() => {
          const w = worstElement(b, base, c, g, tol.eps);
          const at = showIndex(multiIndex(w.at, args[w.input]!.shape));
          return `worst index: input ${w.input} at ${at}: VJP gives ${num(w.vjp)}, central difference gives ${num(w.fd)} (|diff| ${num(Math.abs(w.vjp - w.fd))})`;
        })()
      : `worst index: not searched (${total} elements, more than ${LOCALISE_LIMIT})`;
  throw new Error(
    [
      `checkGradient: the ${options.order === 2 ? "second-order " : ""}VJP disagrees with central differences (seed ${report.seed})`,
      `  ⟨c, fd⟩ = ${num(report.lhs)} (central differences), ⟨vjp(c), t⟩ = ${num(report.rhs)} (VJP)`,
      `  |diff| ${num(Math.abs(report.lhs - report.rhs))} > tolerance ${num(report.allowed)} = atol ${num(tol.atol)} + rtol ${num(tol.rtol)} × scale ${num(report.scale)} (ε ${num(tol.eps)})`,
      `  shapes: inputs ${showShapes(args.map((a) => a.shape))}; outputs ${showShapes(b.outs.map((o) => o.shape))}`,
      `  ${where}`,
    ].join("\n"),
  );
};
