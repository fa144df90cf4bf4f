/**
 * @file MW-MHA in one piece: every head, window or global, as global attention over all n tokens
 * with an additive `[H, n, n]` bias that carries each window head's relative position bias inside its
 * windows and a large negative number outside them (0 everywhere for a global head). One attention
 * over all heads at once instead of one per window size, at the price of n² scores per head: for
 * n = 250 and the default windows about 2.8× the multiply-adds of the windowed layout. It also gives
 * every head's full attention map as one tensor, which is what introspection wants.
 *
 * The bias is a single gather from one flat vector holding every window head's table followed by
 * two constants (0 for global heads, the mask value outside windows), through a fixed i32 index built
 * on the host; the gather's VJP scatters the gradient back into the tables.
 */

import { concat, constant, gather, reshape, type Tensor } from "../ir/index.js";
import { ShapeError } from "../shape/index.js";
import type { MultiWindowAttention } from "./multi-window-attention.js";

/**
 * Added to the scores of key tokens outside a query's window. Finite (unlike −∞) so that no backend
 * meets ∞ − ∞; after the softmax's max shift, e^(−1e9) is exactly 0 in float32 and float64.
 */
export const outsideWindow = -1e9;

/**
 * The `[H, n, n]` additive bias of MW-MHA with `windows` over `n` tokens: for a window head h of
 * window w, `table_h[i − j + w − 1]` where i and j share a window and `outsideWindow` elsewhere; 0 for
 * a global head. Tables must be present as `mwmha` requires.
 */
export const windowBias = (
  p: MultiWindowAttention,
  windows: ReadonlyArray<number>,
  n: number,
): Tensor<readonly [number, number, number]> => {
  const heads = windows.length;
  const tables: Tensor[] = [];
  const offsets: number[] = [];
  let length = 0;
  windows.forEach((w, h) => {
    offsets.push(length);
    if (w === 0) return;
    if (n % w !== 0) throw new ShapeError("windowBias", `head ${h}: window ${w} does not divide ${n} tokens`);
    const table = p[`attn_heads_${h}`]?.relative_position_bias_table;
    if (table === undefined || table.shape[0] !== 2 * w - 1)
      throw new ShapeError("windowBias", `head ${h}: window ${w} needs a [${2 * w - 1}, 1] table`);
    tables.push(reshape(table, [2 * w - 1]));
    length += 2 * w - 1;
  });
  const zeroAt = length; // flat index of the 0 used by global heads
  const maskAt = length + 1; // flat index of the mask value
  const flat = concat([...tables, constant([0, outsideWindow], [2] as const)], 0) as Tensor;
  const index = new Int32Array(heads * n * n);
  windows.forEach((w, h) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        index[(h * n + i) * n + j] = w === 0 ? zeroAt : Math.floor(i / w) === Math.floor(j / w) ? offsets[h]! + i - j + w - 1 : maskAt;
      }
    }
  });
  return reshape(gather(flat, constant(index, [heads * n * n], "i32"), 0), [heads, n, n]);
};
