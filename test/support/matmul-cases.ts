/**
 * @file Matmul kernel test cases shared by the Node and browser kernel tests: seeded operands, a
 * float64 strided reference, and the float32 error bound each result is held to.
 */

import type { MatmulSpec, Strides } from "../../src/backends/gpujs/matmul-kernels";
import { uniform } from "./uniform";

/** Re-exported: other tests draw their operands from here. */
export { uniform } from "./uniform";

export type MatmulCase = Omit<MatmulSpec, "variant"> & { readonly name: string };

/**
 * Sizes chosen to hit every code path: m, k, n not multiples of 4 (padded row groups, unroll tail),
 * batches, a batch-broadcast A, a transposed B, and one size large enough to span many texture rows.
 */
export const matmulCases: ReadonlyArray<MatmulCase> = [
  { name: "ragged 33x37x19", m: 33, k: 37, n: 19 },
  { name: "batched 3x16x64x24", m: 16, k: 64, n: 24, batch: 3 },
  { name: "A broadcast, B transposed", m: 9, k: 12, n: 7, batch: 2, aStrides: [0, 12, 1], bStrides: [7 * 12, 1, 12] },
  { name: "square 128", m: 128, k: 128, n: 128 },
];

const stridesOf = (c: MatmulCase): { readonly a: Strides; readonly b: Strides } => ({
  a: c.aStrides ?? [c.m * c.k, c.k, 1],
  b: c.bStrides ?? [c.k * c.n, c.n, 1],
});

/** Elements the operand buffers need for a case's strides (the highest address read, plus one). */
export const operandSizes = (c: MatmulCase): { readonly a: number; readonly b: number } => {
  const s = stridesOf(c);
  const last = (st: Strides, d1: number, d2: number): number => ((c.batch ?? 1) - 1) * st[0] + (d1 - 1) * st[1] + (d2 - 1) * st[2] + 1;
  return { a: last(s.a, c.m, c.k), b: last(s.b, c.k, c.n) };
};

export const operands = (c: MatmulCase, seed: number): { readonly a: Float32Array; readonly b: Float32Array } => {
  const sizes = operandSizes(c);
  return { a: uniform(sizes.a, seed), b: uniform(sizes.b, seed + 1) };
};

/** Float64 C [batch, m, n] and, per element, Σ|a||b| (the scale of the rounding error bound). */
export const referenceMatmul = (
  c: MatmulCase,
  a: Float32Array,
  b: Float32Array,
): { readonly c: Float64Array; readonly scale: Float64Array } => {
  const s = stridesOf(c);
  const batch = c.batch ?? 1;
  const out = new Float64Array(batch * c.m * c.n);
  const scale = new Float64Array(out.length);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < c.k; p++) {
          const x = a[bi * s.a[0] + i * s.a[1] + p * s.a[2]]! * b[bi * s.b[0] + p * s.b[1] + j * s.b[2]]!;
          sum += x;
          abs += Math.abs(x);
        }
        out[(bi * c.m + i) * c.n + j] = sum;
        scale[(bi * c.m + i) * c.n + j] = abs;
      }
    }
  }
  return { c: out, scale };
};

/**
 * The largest error of `got` as a multiple of the float32 dot-product bound γ_k·Σ|a||b| (Higham,
 * γ_k ≈ k·u, u = 2⁻²⁴): any summation order, FMA or not, stays ≤ 1 in exact IEEE float32. Tests allow
 * 4, since GPU float32 arithmetic need not round correctly.
 */
export const errorInBounds = (c: MatmulCase, want: ReturnType<typeof referenceMatmul>, got: ArrayLike<number>): number => {
  const unit = c.k * 2 ** -24;
  let worst = 0;
  for (let i = 0; i < want.c.length; i++) {
    const err = Math.abs(got[i]! - want.c[i]!);
    worst = Math.max(worst, err / (unit * want.scale[i]! + Number.MIN_VALUE));
  }
  return got.length === want.c.length ? worst : Infinity;
};
