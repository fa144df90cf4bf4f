/**
 * @file Window attention as a composite of DSL ops: tokens `[..., n, e]` are reshaped into
 * `[..., n/w, w, e]` non-overlapping windows of w consecutive tokens, attention runs as one batched
 * matmul per window (every window at once), and the result is reshaped back. The relative position
 * bias of a window head is gathered from its learned table through the fixed index
 * `i − j + w − 1`, so its gradient flows back to the table (gather's VJP is a scatter-add).
 */

import { concat, gather, broadcastTo, reshape, sameShapeAs, type Tensor } from "../ir/index.js";
import { ShapeError } from "../shape/index.js";
import { scaledDotProductAttention } from "./attention.js";
import { relativePositionIndex } from "./windows.js";

/**
 * Self-attention of `[..., n, e]` tokens within windows of `window` consecutive tokens (`window`
 * must divide n). `bias`, if given, is `[..., w, w]` with leading dims that broadcast against q's
 * leading dims: it is shared by every window.
 * @example
 * const o = windowAttention(q, k, v, 5, relativePositionBias(tables, 5)); // q: [B, G, 250, 48], tables: [G, 9]
 */
export const windowAttention = <S extends readonly [...number[], number, number]>(
  q: Tensor<S>,
  k: Tensor<S>,
  v: Tensor<S>,
  window: number,
  bias?: Tensor,
): Tensor<S> => {
  const shape: ReadonlyArray<number> = q.shape;
  const lead = shape.slice(0, -2);
  const n = shape[shape.length - 2]!;
  const e = shape[shape.length - 1]!;
  if (!Number.isSafeInteger(window) || window < 1 || n % window !== 0) {
    throw new ShapeError("windowAttention", `window ${window} does not divide ${n} tokens`, [shape]);
  }
  const windows = [...lead, n / window, window, e];
  const toWindows = (t: Tensor) => reshape(t, windows) as Tensor<readonly [number, number]>;
  // One bias per window position pair, the same in every window: a size-1 window-count axis broadcasts.
  const b = bias === undefined ? undefined : reshape(bias, [...bias.shape.slice(0, -2), 1, ...bias.shape.slice(-2)]);
  return sameShapeAs(q)(reshape(scaledDotProductAttention(toWindows(q), toWindows(k), toWindows(v), b), shape));
};

/**
 * The bias of window-w heads from their tables: `tables` `[G, 2w − 1]` (one row per head) gives
 * `[G, w, w]` with `bias[g, i, j] = tables[g, i − j + w − 1]`.
 */
export const relativePositionBias = <G extends number, W extends number>(
  tables: Tensor<readonly [G, number]>,
  window: W,
): Tensor<readonly [G, W, W]> => {
  const [g, len] = tables.shape;
  if (len !== 2 * window - 1)
    throw new ShapeError("relativePositionBias", `a window of ${window} needs ${2 * window - 1} table entries, got ${len}`, [tables.shape]);
  const pairs: ReadonlyArray<number> = [g, window * window];
  const index = broadcastTo(reshape(relativePositionIndex(window), [1, window * window]) as Tensor, pairs);
  return reshape(gather(tables, index, 1), [g, window, window]) as never;
};

/** Stacks per-head `[2w − 1, 1]` tables (the official parameter shape) into `[G, 2w − 1]`. */
export const stackTables = (tables: ReadonlyArray<Tensor<readonly [number, 1]>>): Tensor<readonly [number, number]> =>
  concat(
    tables.map((t) => reshape(t, [1, t.shape[0]])),
    0,
  ) as never;
