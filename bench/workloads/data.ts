/**
 * @file Inputs every implementation of a workload shares, so ours and TensorFlow.js multiply the same
 * numbers: seeded matmul operands, and an attention layer's parameters (the official init, realized to
 * host tensors), input tokens and output cotangent.
 */

import { fromData, initAttention, initMwmha, key, realize, windowSizesAuto, type HostTensor } from "../../src";
import { uniform } from "../../test/support/uniform";

export const matmulOperands = (n: number): { readonly a: HostTensor; readonly b: HostTensor } => ({
  a: fromData(uniform(n * n, 1), [n, n]),
  b: fromData(uniform(n * n, 2), [n, n]),
});

/** The attention workloads' size (issue 4): batch 8, 250 tokens, width 384, 8 heads. */
export interface AttentionSize {
  readonly batch: number;
  readonly tokens: number;
  readonly width: number;
  readonly heads: number;
}
export const attentionSize: AttentionSize = { batch: 8, tokens: 250, width: 384, heads: 8 };
/** A small size for `--quick`: same structure (windows of 250's factors do not apply, so 20 tokens). */
export const quickAttentionSize: AttentionSize = { batch: 2, tokens: 20, width: 64, heads: 4 };

/** Window per head: every proper factor of n, then global heads; [2, 5, 10, 25, 50, 125, 0, 0] at n = 250. */
export const windowsFor = (size: AttentionSize): ReadonlyArray<number> => windowSizesAuto(size.tokens, size.heads);

const tokens = (size: AttentionSize, seed: number): HostTensor =>
  fromData(uniform(size.batch * size.tokens * size.width, seed), [size.batch, size.tokens, size.width]);

/** Parameters, input tokens, and `cot`: the cotangent of the layer's output (the loss is Σ y·cot). */
export const mhaData = async (size: AttentionSize) => ({
  params: await realize(initAttention(key(0), size.width)),
  x: tokens(size, 3),
  cot: tokens(size, 4),
});

export const mwmhaData = async (size: AttentionSize) => ({
  params: await realize(initMwmha(key(0), { dim: size.width, windows: windowsFor(size) })),
  x: tokens(size, 3),
  cot: tokens(size, 4),
});
