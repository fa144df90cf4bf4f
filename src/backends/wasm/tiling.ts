/**
 * @file How a kernel's output elements map to iterations of its WebAssembly function. The flat output
 * index is written t = L·(R·y + ρ) + c₀ + W·C·x + W·γ + q: rows of length L, R rows and C vectors of W
 * lanes per iteration of (x, y), from column c₀. W = 4 is SIMD over adjacent elements of a row; R·C > 1
 * is register blocking: the R·C copies of the kernel expression share their reduction loop, so in a
 * matmul one B vector feeds R rows and one A element (a splat) feeds C vectors. Rows past the last full
 * group of R run in a tail block with R = 1. A row whose length is not a multiple of 4 (250 tokens) runs
 * its first 4⌊L/4⌋ columns as vectors and the last L mod 4 in a scalar column block (W = C = 1).
 *
 * When adjacent outputs read memory that is not adjacent (A·Bᵀ: a row of Bᵀ per output column) but
 * consecutive reduction trips do, the lanes go over the reduction instead (`lanes: "reduction"`): each
 * output is one vector accumulator over 4 trips, summed across lanes at the end.
 */

import { children, indexExpr as ix, substituteExpr, substituteIndex, type Expr, type Index, type Kernel } from "../../compile/index.js";

/** How a kernel's outputs are blocked for SIMD: what the vector lanes run over and the R × C tile computed per loop iteration. */
export interface Tiling {
  /** What a vector's lanes run over: adjacent outputs, or adjacent trips of the top reduction loops. */
  readonly lanes: "output" | "reduction";
  /** Output lanes per vector: 4 (f32x4; a row's last L mod 4 columns run as scalars) or 1 (scalar outputs). */
  readonly width: 1 | 4;
  /** Elements per row (L). */
  readonly rowLength: number;
  /** Rows per iteration (R). */
  readonly rows: number;
  /** Vectors per row per iteration (C). */
  readonly cols: number;
}

/**
 * A run of rows and columns computed with one tiling: `first` row, `count` rows, R rows per iteration;
 * columns `col` to `col + span`, in C vectors of W lanes per iteration.
 */
export interface Block {
  readonly first: number;
  readonly count: number;
  readonly rows: number;
  readonly col: number;
  readonly span: number;
  readonly width: 1 | 4;
  readonly cols: number;
}

const some = (e: Expr, p: (e: Expr) => boolean): boolean => p(e) || children(e).some((c) => some(c, p));

type Reduce = Extract<Expr, { kind: "reduce" }>;
type Load = Extract<Expr, { kind: "load" }>;

const collect = <T extends Expr>(e: Expr, p: (e: Expr) => e is T, descend: boolean, into: T[] = []): T[] => {
  if (p(e)) {
    into.push(e);
    if (!descend) return into;
  }
  children(e).forEach((c) => collect(c, p, descend, into));
  return into;
};

const dependsOn = (x: Index, loop: number): boolean => {
  let found = false;
  ix.atomsOf(x, (a) => (found ||= a.kind === "loop" && a.id === loop));
  return found;
};

/** Whether lanes 0…3 of `at`, made by `lane(q)`, read 4 consecutive elements (or, with `uniform`, one). */
const pattern = (_at: Index, lane: (q: number) => Index): "contiguous" | "uniform" | "gather" => {
  const lanes = [0, 1, 2, 3].map(lane);
  const at0 = lanes[0]!;
  if (lanes.every((x) => x.offset === at0.offset && ix.sameTerms(x, at0))) return "uniform";
  return lanes.every((x, q) => x.offset === at0.offset + q && ix.sameTerms(x, at0)) ? "contiguous" : "gather";
};

/**
 * Whether the long top-level reductions of `expr` vectorize better over their trips than over outputs
 * of rows `n` long: some load gathers across output lanes (or rows are not a multiple of 4 long) and
 * some load reads consecutive trips.
 */
const overReduction = (expr: Expr, n: number, rows: number): boolean => {
  const tops = collect(expr, (e): e is Reduce => e.kind === "reduce", false).filter((r) => r.extent >= 8);
  const loads = tops.flatMap((r) =>
    collect(r.body, (e): e is Load => e.kind === "load", true)
      .filter((l) => dependsOn(l.at, r.loop))
      .map((l) => ({ l, r })),
  );
  const byTrip = ({ l, r }: { l: Load; r: Reduce }) =>
    pattern(l.at, (q) =>
      substituteIndex(l.at, (a) => (a.kind === "loop" && a.id === r.loop ? ix.addConst(ix.atomIndex(a), q) : undefined), `r${r.loop}+${q}`),
    );
  if (!loads.some((x) => byTrip(x) === "contiguous")) return false;
  if (n % 4 !== 0) return true;
  const probe: Tiling = { lanes: "output", width: 4, rowLength: n, rows: 1, cols: 1 };
  const block: Block = { first: 0, count: rows, rows: 1, col: 0, span: n, width: 4, cols: 1 };
  const byOutput = (l: Load) =>
    pattern(l.at, (q) => {
      const t = threadIndexOf(probe, block, 0, 0, q);
      return substituteIndex(l.at, (a) => (a.kind === "thread" ? t : undefined), `t=${ix.indexSig(t)}`);
    });
  return loads.some(({ l }) => byOutput(l) === "gather");
};

/**
 * The tiling of a kernel writing `shape`. Reductions (a matmul, a softmax denominator) get register
 * blocking: 4 rows × 2 vectors when rows are a multiple of 8 long, else 4 rows × 1 vector; or, with
 * lanes over the reduction, 4 rows × 2 outputs; rows of another length (at least 4) run 4 rows × 2
 * vectors over their first 4⌊L/4⌋ columns and scalar rows over the rest (`blocksOf`); rows shorter
 * than 4, 4 scalar rows. Elementwise kernels are SIMD over their rows, or over the whole buffer (with a
 * scalar tail when its size is not a multiple of 4). A per-element trip count (segment sums) is scalar:
 * its lanes would run different loops. With `simd` false (an engine without WebAssembly SIMD) every
 * tiling is scalar: width 1, lanes over outputs, rows blocked as with SIMD.
 */
export const tilingOf = (kernel: Kernel, shape: ReadonlyArray<number>, simd = true): Tiling => {
  const t = simdTilingOf(kernel, shape);
  if (simd || (t.width === 1 && t.lanes === "output")) return t;
  // No SIMD: the same rows and register blocking of rows, one scalar per row and copy, no vectors over trips.
  return { lanes: "output", width: 1, rowLength: t.rowLength, rows: t.rows, cols: 1 };
};

const simdTilingOf = (kernel: Kernel, shape: ReadonlyArray<number>): Tiling => {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = shape[shape.length - 1] ?? 1;
  const counted = some(kernel.expr, (e) => e.kind === "reduce" && e.count !== undefined);
  const reduces = some(kernel.expr, (e) => e.kind === "reduce" && e.extent >= 8);
  const rows = size / Math.max(n, 1);
  const blockRows = reduces && rows >= 4 ? 4 : 1;
  if (counted || size === 0) return { lanes: "output", width: 1, rowLength: Math.max(size, 1), rows: 1, cols: 1 };
  if (reduces && overReduction(kernel.expr, n, rows))
    return { lanes: "reduction", width: 1, rowLength: n, rows: blockRows, cols: n % 2 === 0 ? 2 : 1 };
  if (n % 4 === 0) return { lanes: "output", width: 4, rowLength: n, rows: blockRows, cols: reduces && n % 8 === 0 ? 2 : 1 };
  if (reduces)
    return n >= 4
      ? { lanes: "output", width: 4, rowLength: n, rows: blockRows, cols: 2 }
      : { lanes: "output", width: 1, rowLength: n, rows: blockRows, cols: 1 };
  if (size >= 4) return { lanes: "output", width: 4, rowLength: size, rows: 1, cols: 1 };
  return { lanes: "output", width: 1, rowLength: size, rows: 1, cols: 1 };
};

/**
 * The blocks covering all outputs: full groups of R rows, then the remaining rows one at a time; in
 * each, with W = 4, the first 4⌊L/4⌋ columns as vectors (C of them per iteration when they divide
 * evenly, else 1) and the last L mod 4 columns as scalars.
 */
export const blocksOf = (tiling: Tiling, size: number): Block[] => {
  const L = tiling.rowLength;
  const total = size / L;
  const main = Math.floor(total / tiling.rows) * tiling.rows;
  const rowRuns = [
    ...(main > 0 ? [{ first: 0, count: main, rows: tiling.rows }] : []),
    ...(main < total ? [{ first: main, count: total - main, rows: 1 }] : []),
  ];
  const vectors = tiling.width === 4 ? Math.floor(L / 4) : 0;
  const columnRuns = [
    ...(vectors > 0 ? [{ col: 0, span: 4 * vectors, width: 4 as const, cols: vectors % tiling.cols === 0 ? tiling.cols : 1 }] : []),
    ...(4 * vectors < L
      ? [{ col: 4 * vectors, span: L - 4 * vectors, width: 1 as const, cols: tiling.width === 1 ? tiling.cols : 1 }]
      : []),
  ];
  return rowRuns.flatMap((r) => columnRuns.map((c) => ({ ...r, ...c })));
};

/** Iterations of the block along x and y. */
export const extentsOf = (block: Block): { readonly x: number; readonly y: number } => ({
  x: block.span / (block.width * block.cols),
  y: block.count / block.rows,
});

/** The flat output index of copy (ρ, γ) lane q of `block`, over the lane atoms x and y. */
export const threadIndexOf = (tiling: Tiling, block: Block, rho: number, gamma: number, q: number): Index => {
  const { x, y } = extentsOf(block);
  const L = tiling.rowLength;
  const W = block.width;
  const xs = x === 1 ? ix.constIndex(0) : ix.scale(ix.atomIndex({ kind: "lane", axis: "x", extent: x }), W * block.cols);
  const ys = y === 1 ? ix.constIndex(0) : ix.scale(ix.atomIndex({ kind: "lane", axis: "y", extent: y }), L * block.rows);
  return ix.addConst(ix.add(xs, ys), L * (block.first + rho) + block.col + W * gamma + q);
};

/** The R·C copies of `expr` in one iteration of `block`: each its W lanes and the index of its lane 0. */
export const copiesOf = (expr: Expr, tiling: Tiling, block: Block): Array<{ readonly lanes: ReadonlyArray<Expr>; readonly at: Index }> =>
  Array.from({ length: block.rows * block.cols }, (_, c) => {
    const [rho, gamma] = [Math.floor(c / block.cols), c % block.cols];
    const lanes = Array.from({ length: block.width }, (_, q) => {
      const t = threadIndexOf(tiling, block, rho, gamma, q);
      return substituteExpr(expr, (a) => (a.kind === "thread" ? t : undefined), `t=${ix.indexSig(t)}`);
    });
    return { lanes, at: threadIndexOf(tiling, block, rho, gamma, 0) };
  });
