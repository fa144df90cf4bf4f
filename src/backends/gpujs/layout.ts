/**
 * @file How a kernel's elements map to gpu.js threads. `flat`: one element per thread over
 * `output: [size]`, which every mode (pipelines included) reads back as one row-major array. `rows4`,
 * for reductions with a wide last axis on the host modes (cpu, webasm, async): 2-D threads, x along
 * the last axis (n) and y over groups of 4 rows, each thread returning 4 rows (`Array(4)`). A load that
 * does not depend on the row (B[k][j] in a matmul) is then shared by the 4 copies, and one that does
 * not depend on x is lane-uniform in gpu.js's WebAssembly SIMD code (one load and a splat instead of
 * four loads): the "rows4" formulation of docs/gpujs-notes.md, derived for any kernel.
 */

import { children, indexExpr as ix, substituteExpr, type Expr, type Kernel } from "../../compile/index.js";

/** How one kernel's output elements map to gpu.js threads, and how to read its result back as a row-major Float32Array. */
export interface Layout {
  /** `flat`: one element per thread; `rows4`: each thread returns 4 rows of a wide last axis (host modes only). */
  readonly kind: "flat" | "rows4";
  /** gpu.js `output`. */
  readonly output: ReadonlyArray<number>;
  /** What each thread returns: one expression, or one per row of its group. */
  readonly exprs: ReadonlyArray<Expr>;
  /** Row-major data from gpu.js's result (a Float32Array already for `flat`). */
  readonly unpack: (raw: unknown) => Float32Array;
}

const ROWS = 4;

const hasLongReduction = (e: Expr): boolean =>
  (e.kind === "reduce" && e.extent >= 16 && e.count === undefined) || children(e).some(hasLongReduction);

/** The layout of `kernel` writing `shape`; `rows4` only where `hostMode` (plain arrays come back). */
export const layoutOf = (kernel: Kernel, shape: ReadonlyArray<number>, hostMode: boolean): Layout => {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = shape[shape.length - 1] ?? 1;
  const rows = size / Math.max(n, 1);
  if (!hostMode || shape.length < 2 || n < 4 || rows < 2 || !hasLongReduction(kernel.expr)) {
    return { kind: "flat", output: [size], exprs: [kernel.expr], unpack: (raw) => raw as Float32Array };
  }
  const groups = Math.ceil(rows / ROWS);
  const x = ix.atomIndex({ kind: "lane", axis: "x", extent: n });
  const y = ix.atomIndex({ kind: "lane", axis: "y", extent: groups });
  const exprs = Array.from({ length: ROWS }, (_, q) => {
    // Row 4·ty + q; past the last row (rows % 4 ≠ 0) a thread recomputes the last row, discarded below.
    const row = ix.clamp(ix.addConst(ix.scale(y, ROWS), q), rows - 1);
    const t = ix.add(ix.scale(row, n), x);
    return substituteExpr(kernel.expr, (a) => (a.kind === "thread" ? t : undefined));
  });
  const unpack = (raw: unknown): Float32Array => {
    const out = new Float32Array(size);
    const grid = raw as ArrayLike<ArrayLike<ArrayLike<number>>>;
    for (let g = 0; g < groups; g++) {
      const line = grid[g]!;
      for (let q = 0; q < ROWS && g * ROWS + q < rows; q++) {
        const base = (g * ROWS + q) * n;
        for (let j = 0; j < n; j++) out[base + j] = line[j]![q]!;
      }
    }
    return out;
  };
  return { kind: "rows4", output: [n, groups], exprs, unpack };
};
