/**
 * @file Layer shapes in the type system: with literal dims, each layer's output type is the shape
 * it computes, and a feature-width mismatch is a compile error at the call site.
 */

import { expectTypeOf } from "vitest";
import {
  attention,
  block,
  dense,
  input,
  layerNormLayer,
  mlp,
  mwmha,
  mwmhaBlock,
  mwmhaAttentionWeights,
  mwmhaHeads,
  scaledDotProductAttention,
  windowAttention,
  type Attention,
  type Block,
  type Dense,
  type LayerNorm,
  type Mlp,
  type MultiWindowAttention,
  type MwmhaBlock,
  type Tensor,
} from "../../src";

type Dim = 16;
const tokens = input("x", [2, 12, 16] as const);

declare const d: Dense<16, 48>;
expectTypeOf(dense(d)(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 48]>>();
// @ts-expect-error a 17-wide input does not fit a 16-row kernel
dense(d)(input("y", [2, 12, 17] as const));

declare const ln: LayerNorm<Dim>;
expectTypeOf(layerNormLayer(ln)(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 16]>>();

declare const m: Mlp<Dim, 64, Dim>;
expectTypeOf(mlp(m)(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 16]>>();

declare const a: Attention<Dim>;
expectTypeOf(attention(a, { heads: 4 })(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 16]>>();
// @ts-expect-error the layer is 16 wide
attention(a, { heads: 4 })(input("y", [2, 12, 8] as const));

declare const w: MultiWindowAttention<Dim>;
expectTypeOf(mwmha(w, { windows: [2, 3, 6, 0] })(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 16]>>();
expectTypeOf(mwmhaHeads(w, { windows: [2, 3, 6, 0] })(tokens)).toEqualTypeOf<Tensor<readonly [2, number, 12, number]>>();

declare const b: Block<Dim>;
declare const mb: MwmhaBlock<Dim>;
expectTypeOf(block(b, { heads: 4 })(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 16]>>();
expectTypeOf(mwmhaBlock(mb, { windows: [2, 3, 6, 0] })(tokens)).toEqualTypeOf<Tensor<readonly [2, 12, 16]>>();

const q = input("q", [2, 4, 12, 4] as const);
expectTypeOf(scaledDotProductAttention(q, q, q)).toEqualTypeOf<Tensor<readonly [2, 4, 12, 4]>>();
expectTypeOf(windowAttention(q, q, q, 3)).toEqualTypeOf<Tensor<readonly [2, 4, 12, 4]>>();
expectTypeOf(mwmhaAttentionWeights(w, { windows: [2, 3, 6, 0] })(tokens)).toEqualTypeOf<Tensor<readonly [2, number, 12, 12]>>();
