/**
 * @file The dot-product gradient check (JAX's `check_vjp`), in float64 on the reference interpreter.
 * For a random tangent t and cotangent c, the central difference ⟨c, (f(x+εt) − f(x−εt))/2ε⟩ must
 * equal ⟨vjp(c), t⟩: one scalar comparison checks the whole VJP without building a Jacobian.
 *
 * Error budget, float64 with ε = 1e-6 and inputs, tangents and cotangents O(1): truncation is
 * ε²/6·|f'''| ≈ 1e-13 per term, rounding is u·|f|/ε ≈ 1e-16/1e-6 = 1e-10 per term, so over ≤ 100
 * terms the two sides agree to ~1e-8 of their magnitude. `rtol` 1e-6 leaves two orders of margin
 * yet catches any wrong factor or sign; `atol` 1e-8 covers rounding where both sides are ~0.
 */

import { backprop, constant, input, size, type Data, type Node, type Shape, type Tensor } from "../../src";
import { seededValues } from "./arbitraries";
import { runF64 } from "./evaluate";

export interface Tolerance {
  /** Finite-difference step. */
  readonly eps: number;
  /** Allowed |lhs − rhs| relative to Σ|terms| (a bound on both sides that cancellation cannot shrink). */
  readonly rtol: number;
  readonly atol: number;
}

/** The default float64 tolerance; see the file comment for the budget. */
export const f64Tolerance: Tolerance = { eps: 1e-6, rtol: 1e-6, atol: 1e-8 };

/** A differentiable argument: its shape and float64 values. */
export interface Arg {
  readonly shape: Shape;
  readonly data: Float64Array;
}

/** A function of f32 tensors (attributes and index inputs closed over) and the point to check it at. */
export interface GradProblem {
  readonly args: ReadonlyArray<Arg>;
  readonly f: (xs: ReadonlyArray<Tensor>) => Tensor | ReadonlyArray<Tensor>;
}

export interface DotReport {
  /** ⟨c, finite difference⟩. */
  readonly lhs: number;
  /** ⟨vjp(c), t⟩. */
  readonly rhs: number;
  /** max(Σ|cᵢ·fdᵢ|, Σ|vjpᵢ·tᵢ|): the scale `rtol` applies to. */
  readonly scale: number;
  readonly ok: boolean;
}

const asList = (y: Tensor | ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => ("op" in y ? [y as Tensor] : (y as ReadonlyArray<Tensor>));

const dot = (a: ReadonlyArray<Data>, b: ReadonlyArray<Data>): { value: number; abs: number } => {
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

/** Runs the dot-product test for `problem` with tangents and cotangents drawn from `seed`. */
export const dotProductTest = (problem: GradProblem, seed: number, tol: Tolerance = f64Tolerance): DotReport => {
  const draw = seededValues(seed);
  const xs = problem.args.map((a, i) => input(`x${i}`, a.shape));
  const outs = asList(problem.f(xs)).filter((o) => o.dtype === "f32");
  const cts = outs.map((o, i) => input(`c${i}`, o.shape));
  const grads = backprop(outs, cts, xs);

  const t = problem.args.map((a) => draw(size(a.shape)));
  const c = outs.map((o) => draw(size(o.shape)));
  const at = (sign: number) =>
    xs.map((x, i): readonly [Node, Data] => [x, problem.args[i]!.data.map((v, j) => v + sign * tol.eps * t[i]![j]!)]);
  const plus = runF64(outs, at(1));
  const minus = runF64(outs, at(-1));
  const fd = plus.map((p, k) => p.map((v, j) => (v - minus[k]![j]!) / (2 * tol.eps)));
  const bound = [
    ...xs.map((x, i): readonly [Node, Data] => [x, problem.args[i]!.data]),
    ...cts.map((n, k): readonly [Node, Data] => [n, c[k]!]),
  ];
  const g = runF64(grads, bound);

  const left = dot(c, fd);
  const right = dot(g, t);
  const scale = Math.max(left.abs, right.abs);
  const ok = Math.abs(left.value - right.value) <= tol.atol + tol.rtol * scale;
  return { lhs: left.value, rhs: right.value, scale, ok };
};

/**
 * The problem whose function is `problem`'s VJP at a fixed cotangent (from `seed`): x ↦ vjp_x(c).
 * Checking it checks that the VJP graph is itself differentiable, i.e. second-order gradients.
 */
export const vjpProblem = (problem: GradProblem, seed: number): GradProblem => ({
  args: problem.args,
  f: (xs) => {
    const draw = seededValues(seed ^ 0x5bd1e995);
    const outs = asList(problem.f(xs)).filter((o) => o.dtype === "f32");
    const cts = outs.map((o) => constant(draw(size(o.shape)), o.shape));
    return backprop(outs, cts, xs);
  },
});
