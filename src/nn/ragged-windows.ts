/**
 * @file MW-MHA with every head in the same launches and no wasted multiply-adds: the "ragged" layout.
 * Every allowed (head h, query i, key j) triple is enumerated once, E = Σ_h n·w_h entries (a global
 * head has w = n), as fixed i32 indices built on the host: the flat row (h, i) of the query, the flat
 * row (h, j) of the key, and the entry of the relative position bias in one flat vector holding every
 * window head's table followed by a 0 (for global heads). Window size per head is data, the
 * block-diagonal structure is those indices, and the bias is gathered inside the score kernel.
 *
 * Scores are `Σ_d q[qRow[e], d]·k[kRow[e], d]`: a gather times a gather summed over d, which the
 * compiler fuses into the reduction (no `[B, E, d]` buffer). Row sums and the output are scatter-adds
 * with constant indices, which lower to per-row segment sums; the backward (gather ↔ scatter-add) is
 * the same kind of kernel.
 *
 * The softmax shift. Softmax is shift-invariant, so any per-row constant gives the same result; the
 * shift only keeps `exp` from overflowing and a whole row from underflowing. We use the exact row max
 * (what `softmax` does), computed over a padded `[rows, widest window]` view of the scores in which a
 * short row repeats its last entry (repeats do not change a max). It costs only comparisons, at most
 * H·n² of them, against E·head_dim multiply-adds for the scores alone; a cheap upper bound such as
 * |q_i|·max|k|·scale + max|bias| would avoid even that, but can sit so far above the true max that a
 * whole row underflows to 0/0 in float32.
 */

import {
  add,
  broadcastTo,
  concat,
  constant,
  div,
  exp,
  gather,
  max,
  mul,
  reshape,
  scatterAdd,
  stopGradient,
  sub,
  sum,
  zeros,
  type Tensor,
} from "../ir/index.js";
import { ShapeError } from "../shape/index.js";
import type { MultiWindowAttention } from "./multi-window-attention.js";

/** The host-built indices of the ragged layout for `windows` over `n` tokens. */
interface RaggedIndex {
  /** Flat (h, i) row of each entry's query: also the row the entry belongs to (entries are sorted by it). */
  readonly row: Int32Array;
  /** Flat (h, j) row of each entry's key. */
  readonly key: Int32Array;
  /** Each entry's position in the flat bias vector (tables in head order, then a 0). */
  readonly bias: Int32Array;
  /** `[rows, width]`: the entries of each row, its last one repeated up to the widest row. */
  readonly padded: Int32Array;
  readonly width: number;
}

const raggedIndex = (windows: ReadonlyArray<number>, n: number): RaggedIndex => {
  const span = (w: number) => (w === 0 ? n : w);
  const entries = windows.reduce((acc, w) => acc + n * span(w), 0);
  const tableLength = windows.reduce((acc, w) => acc + (w > 0 ? 2 * w - 1 : 0), 0);
  const width = Math.max(...windows.map(span));
  const [row, key, bias] = [new Int32Array(entries), new Int32Array(entries), new Int32Array(entries)];
  const padded = new Int32Array(windows.length * n * width);
  let e = 0;
  let offset = 0;
  windows.forEach((w, h) => {
    if (w > 0 && n % w !== 0) throw new ShapeError("mwmha", `head ${h}: window ${w} does not divide ${n} tokens`);
    const s = span(w);
    for (let i = 0; i < n; i++) {
      const r = h * n + i;
      const first = e;
      const from = Math.floor(i / s) * s;
      for (let j = from; j < from + s; j++, e++) {
        row[e] = r;
        key[e] = h * n + j;
        bias[e] = w === 0 ? tableLength : offset + i - j + w - 1;
      }
      for (let c = 0; c < width; c++) padded[r * width + c] = first + Math.min(c, s - 1);
    }
    if (w > 0) offset += 2 * w - 1;
  });
  return { row, key, bias, padded, width };
};

/** A constant index `[m]` broadcast to `[b, m]`, or to `[b, m, d]` when `d` is given (take-along-axis 1). */
const along = (data: Int32Array, b: number, d?: number): Tensor => {
  const m = data.length;
  return d === undefined
    ? broadcastTo(constant(data, [1, m], "i32") as Tensor, [b, m])
    : broadcastTo(constant(data, [1, m, 1], "i32") as Tensor, [b, m, d]);
};

/**
 * Every head's attention output `[B, H, N, hd]` for per-head q, k, v `[B, H, N, hd]`: window heads
 * (tables from `p`) attend within their windows with their relative position bias, window-0 heads
 * globally, all heads in the same kernels.
 * @example
 * const o = raggedWindowAttention(p, [2, 3, 6, 0], q, k, v); // q: [2, 4, 12, 4] → [2, 4, 12, 4]
 */
export const raggedWindowAttention = (
  p: MultiWindowAttention,
  windows: ReadonlyArray<number>,
  q: Tensor<readonly [number, number, number, number]>,
  k: Tensor<readonly [number, number, number, number]>,
  v: Tensor<readonly [number, number, number, number]>,
): Tensor<readonly [number, number, number, number]> => {
  const [b, heads, n, hd] = q.shape;
  if (heads !== windows.length) throw new ShapeError("mwmha", `${windows.length} windows for ${heads} heads`, [q.shape]);
  const rows = heads * n;
  const ix = raggedIndex(windows, n);
  const tables = windows.flatMap((w, h) =>
    w > 0 ? [reshape(p[`attn_heads_${h}`]!.relative_position_bias_table, [2 * w - 1]) as Tensor] : [],
  );
  const biasFlat = concat([...tables, constant([0], [1] as const) as Tensor], 0) as Tensor;
  const [q3, k3, v3] = [q, k, v].map((t) => reshape(t, [b, rows, hd]) as Tensor);
  const [qRows, kRows] = [along(ix.row, b, hd), along(ix.key, b, hd)];
  const rowOf = along(ix.row, b);

  const dots = sum(mul(gather(q3!, qRows, 1), gather(k3!, kRows, 1)), [2]) as Tensor; // [B, E]
  const scores = add(mul(dots, 1 / Math.sqrt(hd)), gather(biasFlat, constant(ix.bias, [ix.bias.length], "i32") as Tensor, 0));
  const paddedScores = reshape(gather(scores, along(ix.padded, b), 1), [b, rows, ix.width]) as Tensor;
  const rowMax = stopGradient(max(paddedScores, [2]) as Tensor); // [B, rows]; see the file comment
  const e = exp(sub(scores, gather(rowMax, rowOf, 1)));
  const rowSum = scatterAdd(zeros([b, rows]) as Tensor, rowOf, e, 1);
  const prob = div(e, gather(rowSum, rowOf, 1)); // [B, E]
  const weighted = mul(broadcastTo(reshape(prob, [b, ix.row.length, 1]) as Tensor, [b, ix.row.length, hd]), gather(v3!, kRows, 1));
  return reshape(scatterAdd(zeros([b, rows, hd]) as Tensor, qRows, weighted, 1), [b, heads, n, hd]) as never;
};
