/**
 * @file Law-specific draws on top of the kit's arbitraries (src/testing: shapes, pools, domains):
 * permutations as sort keys, reshape targets, per-axis flags and gather indices, all from plain
 * integers and booleans so they shrink to the identity and to "no axis".
 */

import fc from "fast-check";
import type { Shape } from "../../src";

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

/** Integers in [0, n) from raw values, for gather/scatter indices. */
export const indicesFrom = (raw: ReadonlyArray<number>, count: number, n: number, offset = 0): Int32Array =>
  Int32Array.from({ length: count }, (_, i) => Math.min(n - 1, Math.floor(((raw[(offset + i) % raw.length]! + 1) / 2) * n)));
