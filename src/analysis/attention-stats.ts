/**
 * @file Per-head statistics of attention maps, as the MW-MAE paper's analysis of its heads: the
 * entropy of each query's attention row (nats) and the mean distance it attends over, in tokens of the
 * attended sequence and along the patch grid (time, frequency, Euclidean). Pure functions over host
 * tensors `[H, n, n]` or `[B, H, n, n]` (averaged over B), with rows summing to 1. Definitions:
 * docs/analysis.md.
 */

import type { HostTensor } from "../ir/index.js";

/** Per-head means over queries (and over the batch, when there is one); one entry per head. */
export interface HeadStats {
  /** Mean over queries of −Σⱼ A[i,j] ln A[i,j] (0 ln 0 = 0), in nats. */
  readonly entropy: ReadonlyArray<number>;
  /** Mean over queries of Σⱼ A[i,j] |i − j|: tokens of the attended sequence (flattened order). */
  readonly distanceTokens: ReadonlyArray<number>;
  /** The same with |tᵢ − tⱼ|, the time-patch distance on the grid (undefined without a grid). */
  readonly distanceTime?: ReadonlyArray<number>;
  /** The same with |fᵢ − fⱼ|, the frequency-patch distance. */
  readonly distanceFreq?: ReadonlyArray<number>;
  /** The same with √((tᵢ − tⱼ)² + (fᵢ − fⱼ)²), the Euclidean distance in patches. */
  readonly distanceGrid?: ReadonlyArray<number>;
  /** Mean attention mass on the leading tokens left out (a class token); 0 when there are none. */
  readonly skippedMass: ReadonlyArray<number>;
}

/** Options of `attentionStats`. */
export interface AttentionStatsOptions {
  /** Patch grid `[T, F]` of the tokens, time-major (token = t·F + f): adds the grid distances. */
  readonly grid?: readonly [number, number];
  /**
   * Leading tokens without a grid position (a class token): their rows and columns are left out, each
   * remaining row renormalised over the patch keys, and the mass they took reported as `skippedMass`.
   */
  readonly skip?: number;
}

/** −Σ p ln p over one attention row (0 ln 0 = 0), in nats. */
export const rowEntropy = (row: ArrayLike<number>): number => {
  let h = 0;
  for (let j = 0; j < row.length; j++) {
    const p = row[j]!;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
};

/** `[B, H, n, n]` dimensions of maps given as `[H, n, n]` or `[B, H, n, n]`, or a RangeError naming the shape. */
export const mapsShape = (maps: HostTensor, what = "attention maps"): readonly [number, number, number] => {
  const s = maps.shape;
  const ok = (s.length === 3 || s.length === 4) && s[s.length - 1] === s[s.length - 2];
  if (!ok) throw new RangeError(`${what}: expected [heads, n, n] or [batch, heads, n, n], got [${s.join(", ")}]`);
  return s.length === 3 ? [1, s[0]!, s[1]!] : [s[0]!, s[1]!, s[2]!];
};

/**
 * Entropy and mean attention distance per head of attention maps (rows sum to 1), averaged over
 * queries and over the batch.
 * @example
 * attentionStats(maps, { grid: [50, 5] }).entropy; // one value per head, in nats
 */
export const attentionStats = (maps: HostTensor, options: AttentionStatsOptions = {}): HeadStats => {
  const [batch, heads, n] = mapsShape(maps);
  const skip = options.skip ?? 0;
  const m = n - skip;
  const grid = options.grid;
  if (grid !== undefined && grid[0] * grid[1] !== m)
    throw new RangeError(`attentionStats: a ${grid[0]}×${grid[1]} grid has ${grid[0] * grid[1]} patches, the maps ${m} (+${skip} skipped)`);
  const sums = { entropy: 0, tokens: 0, time: 0, freq: 0, grid: 0, skipped: 0 };
  const perHead = Array.from({ length: heads }, () => ({ ...sums }));
  const row = new Float64Array(m);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const acc = perHead[h]!;
      for (let i = 0; i < m; i++) {
        const base = ((b * heads + h) * n + skip + i) * n;
        let skipped = 0;
        for (let j = 0; j < skip; j++) skipped += maps.data[base + j]!;
        let total = 0;
        for (let j = 0; j < m; j++) {
          row[j] = maps.data[base + skip + j]!;
          total += row[j]!;
        }
        if (skip > 0) for (let j = 0; j < m; j++) row[j] = row[j]! / total;
        acc.skipped += skipped;
        acc.entropy += rowEntropy(row);
        const [ti, fi] = grid === undefined ? [0, 0] : [Math.floor(i / grid[1]), i % grid[1]];
        for (let j = 0; j < m; j++) {
          const p = row[j]!;
          if (p === 0) continue;
          acc.tokens += p * Math.abs(i - j);
          if (grid === undefined) continue;
          const dt = Math.abs(ti - Math.floor(j / grid[1]));
          const df = Math.abs(fi - (j % grid[1]));
          acc.time += p * dt;
          acc.freq += p * df;
          acc.grid += p * Math.sqrt(dt * dt + df * df);
        }
      }
    }
  }
  const count = batch * m;
  const mean = (k: keyof typeof sums): number[] => perHead.map((acc) => acc[k] / count);
  const stats: HeadStats = {
    entropy: mean("entropy"),
    distanceTokens: mean("tokens"),
    skippedMass: mean("skipped"),
    ...(grid === undefined ? {} : { distanceTime: mean("time"), distanceFreq: mean("freq"), distanceGrid: mean("grid") }),
  };
  const bad = stats.entropy.concat(stats.distanceTokens).find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`attentionStats: a non-finite result (${bad}); are the maps' rows probabilities?`);
  return stats;
};

/**
 * Per head, the largest attention mass any query puts outside its window of `windows[h]` consecutive
 * tokens (0 = global: always 0). Window heads of MW-MHA give exactly 0.
 * @example
 * massOutsideWindows(maps, [2, 5, 25, 0]); // [0, 0, 0, 0]
 */
export const massOutsideWindows = (maps: HostTensor, windows: ReadonlyArray<number>): number[] => {
  const [batch, heads, n] = mapsShape(maps);
  if (windows.length !== heads) throw new RangeError(`massOutsideWindows: ${windows.length} windows for ${heads} heads`);
  return windows.map((w, h) => {
    if (w === 0) return 0;
    let worst = 0;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < n; i++) {
        let outside = 0;
        const base = ((b * heads + h) * n + i) * n;
        for (let j = 0; j < n; j++) if (Math.floor(i / w) !== Math.floor(j / w)) outside += maps.data[base + j]!;
        worst = Math.max(worst, outside);
      }
    }
    return worst;
  });
};
