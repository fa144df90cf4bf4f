/**
 * @file Movement primitives: reshape, permute, expand, slice, pad, concat. Each VJP is the inverse
 * movement (reshape back, inverse permutation, sum over expanded axes, pad ↔ slice), and the
 * evaluators are one strided walk.
 */

import {
  assertShape,
  broadcastShapes,
  concatShape,
  expandShape,
  normAxis,
  padShape,
  permuteShape,
  reshapeShape,
  sameShape,
  ShapeError,
  sliceShape,
  squeezeShape,
  strides,
  unsqueezeShape,
  type Broadcast,
  type Checked,
  type Concat,
  type Ok,
  type Permute,
  type Reshape,
  type Resize,
  type Shape,
  type Squeeze,
  type Transpose,
  type Unsqueeze,
} from "../../shape/index.js";
import { alloc, apply, input0, type OpDef } from "../op-def.js";
import type { Node, Tensor } from "../node.js";
import { walk } from "../strided.js";
import { sumKeep } from "./reduce.js";

const sameDtypeOf = ([x]: ReadonlyArray<Node>) => x!.dtype;

export const reshapeDef: OpDef<"reshape"> = {
  name: "reshape",
  shape: ([x], { shape }) => reshapeShape(x!.shape, shape),
  dtype: sameDtypeOf,
  vjp: (g, node) => [reshape(g, input0(node).shape)],
  evaluate: ([x], node, ctx) => {
    const out = alloc(node.dtype, x!.length, ctx);
    out.set(x!);
    return out;
  },
};

export const permuteDef: OpDef<"permute"> = {
  name: "permute",
  shape: ([x], { perm }) => permuteShape(x!.shape, perm),
  dtype: sameDtypeOf,
  vjp: (g, node) => {
    const perm = node.attrs.perm.map((a) => normAxis("permute", node.shape, a));
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [permute(g, inverse)];
  },
  evaluate: ([x], node, ctx) => {
    const src = input0(node);
    const st = strides(src.shape);
    const perm = node.attrs.perm.map((a) => normAxis("permute", src.shape, a));
    const out = alloc(node.dtype, x!.length, ctx);
    walk(
      node.shape,
      perm.map((a) => st[a]!),
      0,
      (i, o) => (out[i] = x![o]!),
    );
    return out;
  },
};

export const expandDef: OpDef<"expand"> = {
  name: "expand",
  shape: ([x], { shape }) => expandShape("expand", x!.shape, shape),
  dtype: sameDtypeOf,
  vjp: (g, node) => {
    const from = input0(node).shape;
    const axes = from.flatMap((d, i) => (d === 1 && node.shape[i] !== 1 ? [i] : []));
    return [axes.length === 0 ? g : sumKeep(g, axes)];
  },
  evaluate: ([x], node, ctx) => {
    const from = input0(node).shape;
    const st = strides(from).map((s, d) => (from[d] === 1 ? 0 : s));
    const out = alloc(
      node.dtype,
      node.shape.reduce((a, b) => a * b, 1),
      ctx,
    );
    walk(node.shape, st, 0, (i, o) => (out[i] = x![o]!));
    return out;
  },
};

export const sliceDef: OpDef<"slice"> = {
  name: "slice",
  shape: ([x], { starts, ends }) => sliceShape(x!.shape, starts, ends),
  dtype: sameDtypeOf,
  vjp: (g, node) => {
    const from = input0(node).shape;
    return [
      padAll(
        g,
        node.attrs.starts,
        from.map((d, i) => d - node.attrs.ends[i]!),
      ),
    ];
  },
  evaluate: ([x], node, ctx) => {
    const st = strides(input0(node).shape);
    const base = node.attrs.starts.reduce((acc, s, d) => acc + s * st[d]!, 0);
    const out = alloc(
      node.dtype,
      node.shape.reduce((a, b) => a * b, 1),
      ctx,
    );
    walk(node.shape, st, base, (i, o) => (out[i] = x![o]!));
    return out;
  },
};

export const padDef: OpDef<"pad"> = {
  name: "pad",
  shape: ([x], { lo, hi }) => padShape(x!.shape, lo, hi),
  dtype: sameDtypeOf,
  vjp: (g, node) => {
    const from = input0(node).shape;
    return [
      sliceAll(
        g,
        node.attrs.lo,
        from.map((d, i) => node.attrs.lo[i]! + d),
      ),
    ];
  },
  evaluate: ([x], node, ctx) => {
    const st = strides(node.shape);
    const base = node.attrs.lo.reduce((acc, l, d) => acc + l * st[d]!, 0);
    const out = alloc(
      node.dtype,
      node.shape.reduce((a, b) => a * b, 1),
      ctx,
    );
    walk(input0(node).shape, st, base, (i, o) => (out[o] = x![i]!));
    return out;
  },
};

export const concatDef: OpDef<"concat"> = {
  name: "concat",
  shape: (xs, { axis }) =>
    concatShape(
      xs.map((x) => x.shape),
      axis,
    ),
  dtype: (xs) => {
    xs.forEach((x) => {
      if (x.dtype !== xs[0]!.dtype) throw new ShapeError("concat", `mixes ${xs[0]!.dtype} and ${x.dtype}`);
    });
    return xs[0]!.dtype;
  },
  vjp: (g, node) => {
    const a = normAxis("concat", node.shape, node.attrs.axis);
    let at = 0;
    return node.inputs.map((x) => {
      const starts = g.shape.map((_, i) => (i === a ? at : 0));
      at += x.shape[a]!;
      return sliceAll(
        g,
        starts,
        g.shape.map((d, i) => (i === a ? at : d)),
      );
    });
  },
  evaluate: (xs, node, ctx) => {
    const a = normAxis("concat", node.shape, node.attrs.axis);
    const st = strides(node.shape);
    const out = alloc(
      node.dtype,
      node.shape.reduce((p, d) => p * d, 1),
      ctx,
    );
    let at = 0;
    node.inputs.forEach((x, k) => {
      const data = xs[k]!;
      walk(x.shape, st, at * st[a]!, (i, o) => (out[o] = data[i]!));
      at += x.shape[a]!;
    });
    return out;
  },
};

// ------------------------------------------------------------------ typed constructors

/** New shape, same elements; one `-1` is inferred. */
export const reshape = <const T extends Shape>(x: Tensor, shape: T): Tensor<Reshape<T>> =>
  (sameShape(x.shape, shape) ? x : apply(reshapeDef, [x], { shape: reshapeShape(x.shape, shape) })) as never;

/** Axis permutation: `out.shape[i] = x.shape[perm[i]]`. */
export const permute = <S extends Shape, const P extends readonly number[]>(
  x: Tensor<S>,
  perm: Checked<Permute<S, P>, P>,
): Tensor<Ok<Permute<S, P>>> => {
  const p = perm as unknown as ReadonlyArray<number>;
  return (
    p.every((a, i) => a === i || a === i - x.shape.length) && p.length === x.shape.length ? x : apply(permuteDef, [x], { perm: p })
  ) as never;
};

/** Swaps the last two axes. */
export const transpose = <S extends Shape>(x: Tensor<S>): Tensor<Ok<Transpose<S>>> => {
  const r = x.shape.length;
  if (r < 2) throw new ShapeError("transpose", "needs rank >= 2", [x.shape]);
  return permute(x as Tensor, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]) as never;
};

/** NumPy-style broadcast to `shape`: leading 1s are added, size-1 axes expanded. */
export const broadcastTo = <S extends Shape, const T extends Shape>(
  x: Tensor<S>,
  shape: Checked<Broadcast<S, T, "broadcastTo">, T>,
): Tensor<T> => {
  const target = shape as unknown as Shape;
  const full = broadcastShapes("broadcastTo", x.shape, target);
  if (!sameShape(full, target)) throw new ShapeError("broadcastTo", "target is not a broadcast of the input", [x.shape, target]);
  const ranked =
    x.shape.length === target.length ? x : reshape(x, [...new Array<number>(target.length - x.shape.length).fill(1), ...x.shape]);
  return (sameShape(ranked.shape, target) ? ranked : apply(expandDef, [ranked], { shape: target })) as never;
};

/** Slice every axis: `[starts[i], ends[i])`. */
export const sliceAll = (x: Tensor, starts: ReadonlyArray<number>, ends: ReadonlyArray<number>): Tensor =>
  starts.every((s, i) => s === 0 && ends[i] === x.shape[i]) && starts.length === x.shape.length
    ? x
    : apply(sliceDef, [x], { starts, ends });

/** `x[..., start:end, ...]` along one axis. */
export const slice = <S extends Shape, A extends number>(
  x: Tensor<S>,
  axis: Checked<Resize<S, A, "slice">, A>,
  start: number,
  end: number,
): Tensor<Ok<Resize<S, A, "slice">>> => {
  const a = normAxis("slice", x.shape, axis as number);
  return sliceAll(
    x,
    x.shape.map((_, i) => (i === a ? start : 0)),
    x.shape.map((d, i) => (i === a ? end : d)),
  ) as never;
};

/** Zero padding on every axis. */
export const padAll = (x: Tensor, lo: ReadonlyArray<number>, hi: ReadonlyArray<number>): Tensor =>
  lo.every((l, i) => l === 0 && hi[i] === 0) && lo.length === x.shape.length ? x : apply(padDef, [x], { lo, hi });

/** Zero padding of one axis by `lo` before and `hi` after. */
export const pad = <S extends Shape, A extends number>(
  x: Tensor<S>,
  axis: Checked<Resize<S, A, "pad">, A>,
  lo: number,
  hi: number,
): Tensor<Ok<Resize<S, A, "pad">>> => {
  const a = normAxis("pad", x.shape, axis as number);
  return padAll(
    x,
    x.shape.map((_, i) => (i === a ? lo : 0)),
    x.shape.map((_, i) => (i === a ? hi : 0)),
  ) as never;
};

type ShapesOf<Ts extends readonly Tensor[]> = { readonly [I in keyof Ts]: Ts[I] extends Tensor<infer S> ? S : Shape };

/** Joins tensors along `axis`; the other dims must agree. */
export const concat = <const Ts extends readonly Tensor[], A extends number>(
  xs: Ts,
  axis: Checked<Concat<ShapesOf<Ts>, A>, A>,
): Tensor<Ok<Concat<ShapesOf<Ts>, A>>> => (xs.length === 1 ? xs[0]! : apply(concatDef, xs, { axis: axis as number })) as never;

/** Removes a size-1 axis. */
export const squeeze = <S extends Shape, A extends number>(x: Tensor<S>, axis: Checked<Squeeze<S, A>, A>): Tensor<Ok<Squeeze<S, A>>> =>
  reshape(x, squeezeShape(x.shape, axis as number)) as never;

/** Inserts a size-1 axis at `axis` (0..rank). */
export const unsqueeze = <S extends Shape, A extends number>(
  x: Tensor<S>,
  axis: Checked<Unsqueeze<S, A>, A>,
): Tensor<Ok<Unsqueeze<S, A>>> => reshape(x, unsqueezeShape(x.shape, axis as number)) as never;

/** Forgets the static shape (the rules still run at trace time). */
export const loose = (x: Tensor): Tensor<Shape> => x;

/** Checks the shape at trace time and restores it as a static type. */
export const withShape =
  <const S extends Shape>(shape: S) =>
  (x: Tensor): Tensor<S> => {
    assertShape("withShape", x.shape, shape);
    return x as Tensor<S>;
  };

/** `withShape(like.shape)`: the static type of `like` for a value computed loosely. */
export const sameShapeAs =
  <S extends Shape>(like: Tensor<S>) =>
  (x: Tensor): Tensor<S> => {
    assertShape("sameShapeAs", x.shape, like.shape);
    return x as Tensor<S>;
  };
