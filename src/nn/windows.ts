/**
 * @file Window sizes of MW-MHA heads and the fixed relative-position index of a window head.
 *
 * The paper (and DESIGN.md §2) gives the default per head: every non-unary factor of the token
 * count n below n, then global heads (window 0). For n = 250 and 8 heads that is
 * [2, 5, 10, 25, 50, 125, 0, 0]. The official code only ever receives explicit lists, so the rule for
 * other head counts is ours, stated here and pinned by tests:
 * - at least one head stays global, because MW-MHA's point is local and global context side by side;
 * - fewer factors than heads − 1: all factors, ascending, then global heads to fill;
 * - more factors than heads − 1: heads − 1 factors at evenly spaced ranks of the ascending list
 *   (rank round(i·(m − 1)/(k − 1)) for i < k, so the smallest and the largest factor are kept and
 *   the scales in between are spread out), then one global head; with k = 1 the smallest factor.
 *   n = 640 (2⁷·5), 8 heads: factors 2 4 5 8 10 16 20 32 40 64 80 128 160 320 → [2, 5, 10, 32, 64, 128, 320, 0].
 */

import { constant, type Tensor } from "../ir/index.js";

/** Every factor d of n with 1 < d < n, ascending. */
export const properFactors = (n: number): number[] => {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`properFactors: n must be a positive integer, got ${n}`);
  return Array.from({ length: Math.max(0, n - 2) }, (_, i) => i + 2).filter((d) => n % d === 0);
};

/**
 * Default window per head for `n` tokens and `heads` heads (0 = global head); see the file comment
 * for the rule when factors and heads do not match.
 * @example
 * windowSizesAuto(250, 8); // [2, 5, 10, 25, 50, 125, 0, 0]
 */
export const windowSizesAuto = (n: number, heads: number): ReadonlyArray<number> => {
  if (!Number.isSafeInteger(heads) || heads < 1) throw new RangeError(`windowSizesAuto: heads must be a positive integer, got ${heads}`);
  const factors = properFactors(n);
  const k = heads - 1; // window heads; one head is always global
  const picked =
    factors.length <= k
      ? factors
      : k === 1
        ? factors.slice(0, 1)
        : Array.from({ length: k }, (_, i) => factors[Math.round((i * (factors.length - 1)) / (k - 1))]!);
  return [...picked, ...new Array<number>(heads - picked.length).fill(0)];
};

/**
 * The relative position index of a window-w head, `index[i][j] = i − j + w − 1` (in [0, 2w − 2]): the
 * row of the head's bias table that scores query i against key j. A fixed i32 buffer, not a parameter
 * (the official code keeps it in the Flax "buffers" collection).
 */
export const relativePositionIndex = <W extends number>(w: W): Tensor<readonly [W, W]> => {
  if (!Number.isSafeInteger(w) || w < 1) throw new RangeError(`relativePositionIndex: window must be a positive integer, got ${w}`);
  const values = Array.from({ length: w * w }, (_, k) => Math.floor(k / w) - (k % w) + w - 1);
  return constant(values, [w, w] as const, "i32");
};
