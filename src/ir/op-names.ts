/**
 * @file The primitive set: every op name and its attributes. Kept tinygrad-sized; everything else is a
 * composite of these (see `composites/`). Adding a name here without an `OpDef` in the registry, or a
 * lowering entry in a backend table, is a compile error.
 */

import type { Shape } from "../shape/index.js";
import type { Data, DType } from "./node.js";

/** Names of the elementwise unary primitives, in the order backends list them. */
export const unaryOps = ["neg", "exp", "log", "sin", "cos", "sqrt", "tanh", "erf"] as const;
/** One elementwise unary primitive: `"neg"`, `"exp"`, `"log"`, `"sin"`, `"cos"`, `"sqrt"`, `"tanh"` or `"erf"`. */
export type UnaryOp = (typeof unaryOps)[number];
/** Names of the elementwise binary primitives (equal shapes; the typed constructors broadcast first). */
export const binaryOps = ["add", "sub", "mul", "div", "pow", "maximum"] as const;
/** One elementwise binary primitive: `"add"`, `"sub"`, `"mul"`, `"div"`, `"pow"` or `"maximum"`. */
export type BinaryOp = (typeof binaryOps)[number];
/** Names of the comparison primitives; they return `bool` tensors. */
export const compareOps = ["less", "equal"] as const;
/** One comparison primitive: `"less"` or `"equal"` (`greater` and friends are composites of these). */
export type CompareOp = (typeof compareOps)[number];

type NoAttrs = Record<string, never>;

/** The attributes each primitive carries on its node, keyed by op name; elementwise ops carry none. `Node<K>["attrs"]` is `OpAttrs[K]`. */
export interface OpAttrs extends Record<UnaryOp | BinaryOp | CompareOp, NoAttrs> {
  /** A named graph input (a placeholder while tracing). */
  readonly input: { readonly name: string; readonly shape: Shape; readonly dtype: DType };
  /** Literal data, row-major; float data is kept in float64 so float64 runs see exact values. */
  readonly constant: { readonly data: Data; readonly shape: Shape; readonly dtype: DType };
  /** `out[i...] = i[axis]`. */
  readonly iota: { readonly axis: number; readonly shape: Shape; readonly dtype: DType };
  readonly select: NoAttrs;
  /** Sum over axes, keeping them as size 1. */
  readonly sum: { readonly axes: ReadonlyArray<number> };
  /** Max over axes, keeping them as size 1. */
  readonly max: { readonly axes: ReadonlyArray<number> };
  readonly reshape: { readonly shape: Shape };
  readonly permute: { readonly perm: ReadonlyArray<number> };
  /** Broadcast size-1 axes to `shape` (same rank). */
  readonly expand: { readonly shape: Shape };
  readonly slice: { readonly starts: ReadonlyArray<number>; readonly ends: ReadonlyArray<number> };
  /** Zero padding. */
  readonly pad: { readonly lo: ReadonlyArray<number>; readonly hi: ReadonlyArray<number> };
  readonly concat: { readonly axis: number };
  /** take-along-axis: `out[..i..] = x[..idx[..i..]..]` at `axis`. */
  readonly gather: { readonly axis: number };
  /** `out = base; out[..idx[..i..]..] += upd[..i..]` at `axis`. */
  readonly scatterAdd: { readonly axis: number };
  /** Batched matmul over equal batch dims. */
  readonly matmul: NoAttrs;
  readonly cast: { readonly to: DType };
  /** Identity whose derivative is zero. */
  readonly stopGradient: NoAttrs;
}

/** The name of one primitive: the tag on every `Node` and the key of every per-op table (`ops`, backend lowerings). */
export type OpName = keyof OpAttrs;
