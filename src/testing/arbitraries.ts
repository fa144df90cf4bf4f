/**
 * @file fast-check arbitraries for shapes and raw values. Shapes, attributes and values are drawn
 * independently and combined afterwards: a fixed-size pool of raw values in [-1, 1] is sliced to
 * whatever the shapes need, so a failing case shrinks to a small shape and a pool of zeros rather than
 * through a `chain` from shape to data (8 values against 27 in our measurements). Value domains
 * (positive, away from zero, no ties) are maps applied to the slice, so they shrink with it.
 */

import fc from "fast-check";
import { size, type Shape } from "../shape/index.js";

/** Raw values per pool; slices wrap around when the shapes need more. */
export const POOL_SIZE = 64;

/**
 * A fixed-size pool of raw values in [-1, 1]; shrinks towards zeros.
 * @example
 * fc.property(shapeArb({ maxRank: 3 }), pool, (shape, raw) => takeValues(raw, [shape], domains.real));
 */
export const pool: fc.Arbitrary<number[]> = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
  minLength: POOL_SIZE,
  maxLength: POOL_SIZE,
});

/** Bounds of a drawn shape; every bound is inclusive. */
export interface ShapeOptions {
  /** Fewest axes (default 0, a scalar). */
  readonly minRank?: number;
  /** Most axes (default 4). */
  readonly maxRank?: number;
  /** Smallest dim (default 1; 0 allows empty tensors). */
  readonly minDim?: number;
  /** Largest dim (default 3: a rank-4 tensor stays at 81 elements). */
  readonly maxDim?: number;
}

const rankAndDims = (o: ShapeOptions) => ({
  minRank: o.minRank ?? 0,
  maxRank: o.maxRank ?? 4,
  minDim: o.minDim ?? 1,
  maxDim: o.maxDim ?? 3,
});

const checkBounds = (what: string, lo: number, hi: number): void => {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo)
    throw new RangeError(`${what}: bounds [${lo}, ${hi}] must be integers with 0 <= min <= max`);
};

/**
 * Shapes with rank in [minRank, maxRank] and dims in [minDim, maxDim]; shrinks towards fewer and
 * smaller axes.
 * @example
 * fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3 }), (s) => size(s) >= 1));
 */
export const shapeArb = (options: ShapeOptions = {}): fc.Arbitrary<number[]> => {
  const o = rankAndDims(options);
  checkBounds("shapeArb rank", o.minRank, o.maxRank);
  checkBounds("shapeArb dim", o.minDim, o.maxDim);
  return fc.array(fc.integer({ min: o.minDim, max: o.maxDim }), { minLength: o.minRank, maxLength: o.maxRank });
};

/** Per-axis flags; shrinks to all false. */
const flags = (n: number): fc.Arbitrary<boolean[]> => fc.array(fc.boolean(), { minLength: n, maxLength: n });

/** `shape` with the flagged dims set to 1, then its first `drop` dims removed. */
const operand = (shape: Shape, drop: number, ones: ReadonlyArray<boolean>): number[] =>
  shape.map((d, i) => (ones[i] === true ? 1 : d)).slice(Math.min(drop, shape.length));

/**
 * Two shapes that broadcast together (NumPy rules): a common shape drawn by `options`, then, for each
 * operand independently, some dims set to 1 and some leading dims dropped. Shrinks towards equal
 * shapes.
 * @example
 * fc.assert(fc.property(broadcastPairArb(), ([a, b]) => broadcastShapes("add", a, b).length >= a.length));
 */
export const broadcastPairArb = (options: ShapeOptions = {}): fc.Arbitrary<readonly [number[], number[]]> => {
  const o = { ...rankAndDims(options), maxRank: options.maxRank ?? 3 };
  return fc
    .record({
      shape: shapeArb(o),
      drop: fc.tuple(fc.nat({ max: o.maxRank }), fc.nat({ max: o.maxRank })),
      ones: fc.tuple(flags(o.maxRank), flags(o.maxRank)),
    })
    .map(({ shape, drop, ones }) => [operand(shape, drop[0], ones[0]), operand(shape, drop[1], ones[1])] as const);
};

/** Bounds of a drawn matmul pair. */
export interface MatmulOptions {
  /** Most batch axes in front of the matrix axes (default 2); batch dims broadcast like a binary op's. */
  readonly maxBatchRank?: number;
  /** Largest batch dim (default 2). */
  readonly maxBatchDim?: number;
  /** Largest of m, k and n (default 3). */
  readonly maxDim?: number;
}

/**
 * Operand shapes `[...batchA, m, k]` and `[...batchB, k, n]` that `matmul` accepts: batch axes that
 * broadcast together (drawn as `broadcastPairArb` draws them), a shared inner dim k.
 * @example
 * fc.assert(fc.property(matmulPairArb(), ([a, b]) => a[a.length - 1] === b[b.length - 2]));
 */
export const matmulPairArb = (options: MatmulOptions = {}): fc.Arbitrary<readonly [number[], number[]]> => {
  const dim = fc.integer({ min: 1, max: options.maxDim ?? 3 });
  return fc
    .record({
      batch: broadcastPairArb({ minRank: 0, maxRank: options.maxBatchRank ?? 2, maxDim: options.maxBatchDim ?? 2 }),
      mkn: fc.tuple(dim, dim, dim),
    })
    .map(({ batch: [ba, bb], mkn: [m, k, n] }) => [
      [...ba, m, k],
      [...bb, k, n],
    ]);
};

/** Seed of random tangents, cotangents and probe values (they need no shrinking, so one integer draws them). */
export const seedArb: fc.Arbitrary<number> = fc.nat();

/** A value domain: maps raw pool values in [-1, 1] to valid inputs of an op. */
export type Domain = (raw: ReadonlyArray<number>) => number[];

/**
 * Moves values apart while keeping their order: the k-th smallest gains `k·gap`, so any two differ by
 * at least `gap` (no ties for max, maximum, argmax, sort).
 */
const spreadBy =
  (gap: number): Domain =>
  (raw) => {
    const order = raw.map((_, i) => i).sort((a, b) => raw[a]! - raw[b]! || a - b);
    const out = new Array<number>(raw.length);
    order.forEach((i, k) => (out[i] = raw[i]! + gap * k));
    return out;
  };

/** Value domains for common op preconditions, each a map of raw pool values in [-1, 1]. */
export const domains = {
  /** [-2, 2]. */
  real: (raw) => raw.map((u) => 2 * u),
  /** Values in [-4, 4]: wide enough to cross both branches of `erfScalar` (|x| < 2 and above). */
  wide: (raw) => raw.map((u) => 4 * u),
  /** Values in [0.5, 2]: log, sqrt, rsqrt, pow bases; derivatives stay O(1). */
  positive: (raw) => raw.map((u) => 1.25 + 0.75 * u),
  /** |x| in [0.5, 1.5]: denominators. */
  awayFromZero: (raw) => raw.map((u) => (u >= 0 ? 0.5 + u : u - 0.5)),
  /** |x| ≥ 0.1: relu and abs, away from their kink at 0. */
  nonzero: (raw) => raw.map((u) => (u >= 0 ? 0.1 + u : u - 0.1)),
  /** Pairwise at least 0.05 apart: max, maximum, minimum (no ties, no kinks). */
  distinct: spreadBy(0.05),
  /** Pairwise at least 0.2 apart: rows of layerNorm keep a variance far from 0. */
  wellSpread: spreadBy(0.2),
  /** Integers in [-2, 2]: many ties, for equality and stable sorting. */
  ties: (raw) => raw.map((u) => Math.round(2 * u) + 0), // + 0: no −0 among the integers
} satisfies Record<string, Domain>;

/**
 * Row-major values for each shape, sliced in turn from the pool (wrapping around past its end) and
 * mapped through `domain` together (so `distinct` separates values across inputs too).
 */
export const takeValues = (raw: ReadonlyArray<number>, shapes: ReadonlyArray<Shape>, domain: Domain): Float64Array[] => {
  const total = shapes.reduce((n, s) => n + size(s), 0);
  const mapped = domain(Array.from({ length: total }, (_, i) => raw[i % raw.length]!));
  let at = 0;
  return shapes.map((s) => {
    const out = Float64Array.from(mapped.slice(at, at + size(s)));
    at += size(s);
    return out;
  });
};

/**
 * Deterministic uniform values in [-1, 1) from a seed (mulberry32): tangents, cotangents and probes,
 * which only need to be generic, not shrinkable.
 * @example
 * const draw = seededValues(42);
 * const [t, c] = [draw(6), draw(4)];
 */
export const seededValues = (seed: number): ((n: number) => Float64Array) => {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  return (n) => Float64Array.from({ length: n }, () => 2 * next() - 1);
};
