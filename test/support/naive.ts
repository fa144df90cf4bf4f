/**
 * @file Naive oracles on plain arrays: index loops written for obviousness, independent of the
 * strided walks in `src/ir`, so laws can compare the interpreter against them.
 */

import { size, type Shape } from "../../src";

/** Row-major multi-index of flat index `i`. */
export const indexOf = (i: number, shape: Shape): number[] => {
  const out: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(r % shape[d]!);
    r = Math.floor(r / shape[d]!);
  }
  return out;
};

/** Flat row-major index of a multi-index. */
export const flatOf = (index: ReadonlyArray<number>, shape: Shape): number => index.reduce((acc, v, d) => acc * shape[d]! + v, 0);

/** NumPy broadcast of two shapes (right-aligned; 1 stretches). */
export const broadcastShape = (a: Shape, b: Shape): number[] => {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
};

/** The element of `data` (shape `shape`) that output index `out` reads under broadcasting. */
export const readBroadcast = (data: ArrayLike<number>, shape: Shape, out: ReadonlyArray<number>): number => {
  const lead = out.length - shape.length;
  return data[
    flatOf(
      shape.map((d, i) => (d === 1 ? 0 : out[lead + i]!)),
      shape,
    )
  ]!;
};

/** `f(a, b)` elementwise under broadcasting, by explicit expansion. */
export const zipBroadcast = (
  a: { readonly shape: Shape; readonly data: ArrayLike<number> },
  b: { readonly shape: Shape; readonly data: ArrayLike<number> },
  f: (x: number, y: number) => number,
): { shape: number[]; data: number[] } => {
  const shape = broadcastShape(a.shape, b.shape);
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const at = indexOf(i, shape);
    return f(readBroadcast(a.data, a.shape, at), readBroadcast(b.data, b.shape, at));
  });
  return { shape, data };
};

/** Matrix product of row-major `[m, k]` and `[k, n]` by the triple loop. */
export const matmulNaive = (a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] => {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) out[i * n + j]! += a[i * k + l]! * b[l * n + j]!;
  return out;
};

/** Rows of the last axis as arrays. */
export const rowsOf = (data: ArrayLike<number>, width: number): number[][] =>
  Array.from({ length: width === 0 ? 0 : data.length / width }, (_, r) => Array.from({ length: width }, (_, j) => data[r * width + j]!));

/** ⟨a, b⟩. */
export const inner = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
