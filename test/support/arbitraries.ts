/**
 * @file fast-check arbitraries for tensor properties. Shapes, attributes and values are drawn
 * independently and combined afterwards (STYLE.md §6): a fixed-size pool of raw values in [-1, 1] is
 * sliced to whatever the shapes need, so a failing case shrinks to a small shape and a pool of zeros
 * rather than through a `chain` from shape to data. Value domains (positive, away from zero, no ties)
 * are maps applied to the slice, so they shrink with it.
 */

import fc from "fast-check";
import { size, type Shape } from "../../src";

/** Raw values per case; slices wrap around when the shapes need more (never in practice). */
export const POOL_SIZE = 64;

/** A fixed-size pool of raw values in [-1, 1]; shrinks towards zeros. */
export const pool: fc.Arbitrary<number[]> = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
  minLength: POOL_SIZE,
  maxLength: POOL_SIZE,
});

/** A shape with rank in [minRank, maxRank] and dims in [1, maxDim]. */
export const shapeArb = (minRank: number, maxRank: number, maxDim = 3): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

/** Sort keys for a permutation of up to `n` axes; all-equal keys (the shrink target) give the identity. */
export const permKeys = (n = 4): fc.Arbitrary<number[]> => fc.array(fc.nat({ max: 9 }), { minLength: n, maxLength: n });

/** The permutation of `rank` axes that sorts `keys` (stable). */
export const permutationOf = (rank: number, keys: ReadonlyArray<number>): number[] =>
  Array.from({ length: rank }, (_, i) => i).sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b);

/** The inverse permutation. */
export const inversePermutation = (perm: ReadonlyArray<number>): number[] => perm.map((_, i) => perm.indexOf(i));

/**
 * A reshape target of the same size: `shape`'s dims shuffled by `keys`, with each dim whose `merges`
 * flag is set multiplied into the one before it.
 */
export const regroup = (shape: Shape, keys: ReadonlyArray<number>, merges: ReadonlyArray<boolean>): number[] =>
  permutationOf(shape.length, keys)
    .map((i) => shape[i]!)
    .reduce<number[]>((out, d, i) => {
      if (i > 0 && merges[i] === true) out[out.length - 1]! *= d;
      else out.push(d);
      return out;
    }, []);

/** Per-axis flags (which axes to reduce, to set to 1, …); shrinks to all false. */
export const axisFlags = (n = 4): fc.Arbitrary<boolean[]> => fc.array(fc.boolean(), { minLength: n, maxLength: n });

/** Seed of the random tangents and cotangents (they need no shrinking, so one integer draws them). */
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

export const domains = {
  /** [-2, 2]. */
  real: (raw) => raw.map((u) => 2 * u),
  /** [-4, 4]: wide enough to cross both branches of `erfScalar` (|x| < 2 and above). */
  wide: (raw) => raw.map((u) => 4 * u),
  /** [0.5, 2]: log, sqrt, rsqrt, pow bases; derivatives stay O(1). */
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
 * Row-major values for each shape, sliced in turn from the pool and mapped through `domain` together
 * (so `distinct` separates values across inputs too).
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

/** Integers in [0, n) from raw values, for gather/scatter indices. */
export const indicesFrom = (raw: ReadonlyArray<number>, count: number, n: number, offset = 0): Int32Array =>
  Int32Array.from({ length: count }, (_, i) => Math.min(n - 1, Math.floor(((raw[(offset + i) % raw.length]! + 1) / 2) * n)));

/**
 * Deterministic uniform values in [-1, 1] from a seed (mulberry32): tangents and cotangents, which
 * only need to be generic, not shrinkable.
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
