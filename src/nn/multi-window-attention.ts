/**
 * @file Multi-window multi-head attention (MW-MHA), the MW-MAE decoder's attention: head i attends
 * within windows of w_i consecutive tokens with a learned 1-D relative position bias, and a head of
 * window 0 is a global head without bias. Parameters carry the official Flax names (`qkv`, `proj`,
 * `attn_heads_<i>/relative_position_bias_table` `[2w − 1, 1]` for window heads only).
 *
 * Heads are grouped by window size and each group runs as whole-tensor ops over all its heads at
 * once: windowing is a reshape of the token axis into `[n/w, w]`, so heads of different w have
 * different shapes and cannot share one tensor without padding or masking. The default windows
 * [2, 5, 10, 25, 50, 125, 0, 0] give 7 groups (the two global heads share one). Heads of a group are
 * selected with contiguous slices, and the group outputs are put back in head order with slices and
 * one concat; all of it is movement the compiler fuses, not separate graphs per head. The "masked"
 * layout (masked-windows.ts) instead runs every head in one global attention with a block-diagonal
 * bias: one attention for the whole layer, at n² scores per head.
 */

import { concat, slice, type Tensor } from "../ir/index.js";
import { split, type Key } from "../random/index.js";
import { ShapeError } from "../shape/index.js";
import { attentionWeights, mergeHeads, scaledDotProductAttention, splitHeads } from "./attention.js";
import { dense, initDense, type Dense } from "./dense.js";
import { biasTableInit } from "./init.js";
import { windowBias } from "./masked-windows.js";
import { raggedWindowAttention } from "./ragged-windows.js";
import { relativePositionBias, stackTables, windowAttention } from "./window-attention.js";

/** A window head's parameters: its bias table, `[2w − 1, 1]` as the official code stores it. */
export interface WindowHead {
  readonly relative_position_bias_table: Tensor<readonly [number, 1]>;
}

/** The official `WindowedMultiHeadAttention` parameters. */
export interface MultiWindowAttention<D extends number = number> {
  /** Fused qkv projection, `[D, 3D]`. */
  readonly qkv: Dense<D, number>;
  /** Output projection, `[D, D]`. */
  readonly proj: Dense<D, D>;
  /** One entry per window head (window > 0); global heads have none. */
  readonly [head: `attn_heads_${number}`]: WindowHead;
}

/** Configuration of multi-window multi-head attention (MW-MHA): one window size per head. */
export interface MultiWindowConfig {
  /** Window per head in tokens; 0 = global head. The head count is its length. */
  readonly windows: ReadonlyArray<number>;
  /**
   * How the heads are computed; all give the same values. "windows" (default): reshape into
   * windows, one attention per window size. "masked": one global attention over all heads with a
   * block-diagonal bias (n² scores per head; see masked-windows.ts). "ragged": every allowed
   * (head, query, key) triple once, all heads in the same kernels (see ragged-windows.ts).
   */
  readonly layout?: "windows" | "masked" | "ragged";
}

/** Heads that share a window size, in ascending head order. */
interface Group {
  readonly window: number;
  readonly heads: ReadonlyArray<number>;
}

const groupByWindow = (windows: ReadonlyArray<number>): Group[] => {
  const order = [...new Set(windows)];
  return order.map((window) => ({ window, heads: windows.flatMap((w, h) => (w === window ? [h] : [])) }));
};

/** Maximal runs of consecutive integers: [0, 1, 3] → [[0, 2], [3, 4]] as half-open ranges. */
const runs = (xs: ReadonlyArray<number>): Array<readonly [number, number]> =>
  xs.reduce<Array<readonly [number, number]>>((acc, x) => {
    const last = acc[acc.length - 1];
    if (last !== undefined && last[1] === x) acc[acc.length - 1] = [last[0], x + 1];
    else acc.push([x, x + 1]);
    return acc;
  }, []);

/** Heads `heads` of `[B, H, N, hd]` along axis 1, with one slice per contiguous run. */
const selectHeads = (t: Tensor<readonly [number, number, number, number]>, heads: ReadonlyArray<number>) =>
  concat(
    runs(heads).map(([a, b]) => slice(t, 1, a, b)),
    1,
  ) as Tensor<readonly [number, number, number, number]>;

const checkTables = (p: MultiWindowAttention, windows: ReadonlyArray<number>): void => {
  const expected = new Set(windows.flatMap((w, h) => (w > 0 ? [`attn_heads_${h}`] : [])));
  for (const key of Object.keys(p)) {
    if (key.startsWith("attn_heads_") && !expected.has(key))
      throw new ShapeError("mwmha", `${key} given, but that head is global (window 0) or absent`);
  }
  windows.forEach((w, h) => {
    if (!Number.isSafeInteger(w) || w < 0) throw new ShapeError("mwmha", `head ${h}: window ${w} is not a non-negative integer`);
    if (w === 0) return;
    const table = p[`attn_heads_${h}`]?.relative_position_bias_table;
    if (table === undefined) throw new ShapeError("mwmha", `head ${h} has window ${w} but no attn_heads_${h}/relative_position_bias_table`);
    if (table.shape[0] !== 2 * w - 1 || table.shape[1] !== 1) {
      throw new ShapeError("mwmha", `attn_heads_${h}: a window of ${w} needs a [${2 * w - 1}, 1] table`, [table.shape]);
    }
  });
};

/**
 * Every head's output before the output projection, `[B, H, N, head_dim]`.
 * @example
 * const heads = mwmhaHeads(p, { windows: [2, 3, 6, 0] })(x); // x: [2, 12, 16] → [2, 4, 12, 4]
 */
export const mwmhaHeads =
  <D extends number>(p: MultiWindowAttention<D>, cfg: MultiWindowConfig) =>
  <B extends number, N extends number>(x: Tensor<readonly [B, N, D]>): Tensor<readonly [B, number, N, number]> => {
    const { windows } = cfg;
    checkTables(p, windows);
    const { q, k, v } = splitHeads(dense(p.qkv)(x) as never, windows.length);
    if (cfg.layout === "masked") return scaledDotProductAttention(q, k, v, windowBias(p, windows, x.shape[1])) as never;
    if (cfg.layout === "ragged") return raggedWindowAttention(p, windows, q, k, v) as never;
    const groups = groupByWindow(windows);
    const outputs = groups.map(({ window, heads }) => {
      const [qg, kg, vg] = [q, k, v].map((t) => selectHeads(t, heads)) as [typeof q, typeof q, typeof q];
      if (window === 0) return scaledDotProductAttention(qg, kg, vg);
      const tables = stackTables(heads.map((h) => p[`attn_heads_${h}`]!.relative_position_bias_table));
      return windowAttention(qg, kg, vg, window, relativePositionBias(tables, window));
    });
    // Back to head order: head h is row `at` of its group's output; consecutive rows make one slice.
    const segments: Array<{ readonly g: number; readonly from: number; readonly to: number }> = [];
    windows.forEach((w, h) => {
      const g = groups.findIndex((grp) => grp.window === w);
      const at = groups[g]!.heads.indexOf(h);
      const last = segments[segments.length - 1];
      if (last !== undefined && last.g === g && last.to === at) segments[segments.length - 1] = { g, from: last.from, to: at + 1 };
      else segments.push({ g, from: at, to: at + 1 });
    });
    return concat(
      segments.map(({ g, from, to }) => slice(outputs[g]!, 1, from, to)),
      1,
    ) as never;
  };

/**
 * Every head's attention probabilities `[B, H, N, N]` (zero outside a window head's window), for
 * introspection: attention maps, entropies, distances.
 */
export const mwmhaAttentionWeights =
  <D extends number>(p: MultiWindowAttention<D>, cfg: MultiWindowConfig) =>
  <B extends number, N extends number>(x: Tensor<readonly [B, N, D]>): Tensor<readonly [B, number, N, N]> => {
    checkTables(p, cfg.windows);
    const { q, k } = splitHeads(dense(p.qkv)(x) as never, cfg.windows.length);
    return attentionWeights(q, k, windowBias(p, cfg.windows, x.shape[1])) as never;
  };

/**
 * MW-MHA: per-head (windowed or global) attention, heads joined head-major, output projection.
 * @example
 * const y = mwmha(p.wmha_block, { windows: windowSizesAuto(250, 8) })(tokens); // [B, 250, 384]
 */
export const mwmha =
  <D extends number>(p: MultiWindowAttention<D>, cfg: MultiWindowConfig) =>
  <B extends number, N extends number>(x: Tensor<readonly [B, N, D]>): Tensor<readonly [B, N, D]> =>
    dense(p.proj)(mergeHeads(mwmhaHeads(p, cfg)(x)) as Tensor<readonly [B, N, D]>) as never;

/** Configuration of `initMwmha`: the window sizes plus the model width, which the head count must divide. */
export interface MultiWindowInitConfig<D extends number = number> extends MultiWindowConfig {
  /** Model width, split evenly across the heads. */
  readonly dim: D;
}

/**
 * MW-MHA parameters as the official init: xavier-uniform qkv and projection kernels, zero biases,
 * and a `[2w − 1, 1]` bias table per window head (`biasTableInit`).
 */
export const initMwmha = <D extends number>(key: Key, cfg: MultiWindowInitConfig<D>): MultiWindowAttention<D> => {
  const { dim, windows } = cfg;
  if (dim % windows.length !== 0) throw new ShapeError("initMwmha", `dim ${dim} does not split into ${windows.length} heads`);
  const [kq, kp, ...kt] = split(key, 2 + windows.length) as [Key, Key, ...Key[]];
  const tables = Object.fromEntries(
    windows.flatMap((w, h) =>
      w > 0 ? [[`attn_heads_${h}`, { relative_position_bias_table: biasTableInit(kt[h]!, [2 * w - 1, 1] as const) }]] : [],
    ),
  );
  return { qkv: initDense(kq, dim, 3 * dim), proj: initDense(kp, dim, dim), ...tables };
};
