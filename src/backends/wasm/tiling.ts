/**
 * @file How a kernel's output elements map to iterations of its WebAssembly function. The flat output
 * index is written t = L·(R·y + ρ) + W·C·x + W·γ + q: rows of length L, R rows and C vectors of W lanes
 * per iteration of (x, y). W = 4 is SIMD over adjacent elements of a row; R·C > 1 is register blocking:
 * the R·C copies of the kernel expression share their reduction loop, so in a matmul one B vector
 * feeds R rows and one A element (a splat) feeds C vectors. Rows past the last full group of R run in
 * a tail block with R = 1.
 */

import { children, indexExpr as ix, type Expr, type Index, type Kernel } from "../../compile";

export interface Tiling {
  /** Lanes per vector: 4 (f32x4) or 1 (scalar f32). */
  readonly width: 1 | 4;
  /** Elements per row (L). */
  readonly rowLength: number;
  /** Rows per iteration (R). */
  readonly rows: number;
  /** Vectors per row per iteration (C). */
  readonly cols: number;
}

/** A run of rows computed with one tiling: `first` row, `count` rows, R rows per iteration. */
export interface Block {
  readonly first: number;
  readonly count: number;
  readonly rows: number;
}

const some = (e: Expr, p: (e: Expr) => boolean): boolean => p(e) || children(e).some((c) => some(c, p));

/**
 * The tiling of a kernel writing `shape`. Reductions (a matmul, a softmax denominator) get register
 * blocking: 4 rows × 2 vectors when rows are a multiple of 8 long, else 4 rows × 1 vector, or 4 scalar
 * rows when rows are not a multiple of 4 long. A per-element trip count (segment sums) is scalar: its
 * lanes would run different loops.
 */
export const tilingOf = (kernel: Kernel, shape: ReadonlyArray<number>): Tiling => {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = shape[shape.length - 1] ?? 1;
  const counted = some(kernel.expr, (e) => e.kind === "reduce" && e.count !== undefined);
  const reduces = some(kernel.expr, (e) => e.kind === "reduce" && e.extent >= 8);
  const rows = size / Math.max(n, 1);
  const blockRows = reduces && rows >= 4 ? 4 : 1;
  if (counted || size === 0) return { width: 1, rowLength: Math.max(size, 1), rows: 1, cols: 1 };
  if (n % 4 === 0) return { width: 4, rowLength: n, rows: blockRows, cols: reduces && n % 8 === 0 ? 2 : 1 };
  if (reduces) return { width: 1, rowLength: n, rows: blockRows, cols: 1 };
  if (size % 4 === 0) return { width: 4, rowLength: size, rows: 1, cols: 1 };
  return { width: 1, rowLength: size, rows: 1, cols: 1 };
};

/** The blocks covering all rows: full groups of R rows, then the remaining rows one at a time. */
export const blocksOf = (tiling: Tiling, size: number): Block[] => {
  const total = size / tiling.rowLength;
  const main = Math.floor(total / tiling.rows) * tiling.rows;
  return [
    ...(main > 0 ? [{ first: 0, count: main, rows: tiling.rows }] : []),
    ...(main < total ? [{ first: main, count: total - main, rows: 1 }] : []),
  ];
};

/** Iterations of the block along x and y. */
export const extentsOf = (tiling: Tiling, block: Block): { readonly x: number; readonly y: number } => ({
  x: tiling.rowLength / (tiling.width * tiling.cols),
  y: block.count / block.rows,
});

/** The flat output index of copy (ρ, γ) lane q of `block`, over the lane atoms x and y. */
export const threadIndexOf = (tiling: Tiling, block: Block, rho: number, gamma: number, q: number): Index => {
  const { x, y } = extentsOf(tiling, block);
  const L = tiling.rowLength;
  const W = tiling.width;
  const xs = x === 1 ? ix.constIndex(0) : ix.scale(ix.atomIndex({ kind: "lane", axis: "x", extent: x }), W * tiling.cols);
  const ys = y === 1 ? ix.constIndex(0) : ix.scale(ix.atomIndex({ kind: "lane", axis: "y", extent: y }), L * block.rows);
  return ix.addConst(ix.add(xs, ys), L * (block.first + rho) + W * gamma + q);
};
