/**
 * @file Index arithmetic for the reference evaluators: walking an output shape in row-major order while
 * an input offset advances by per-axis strides. Permute, expand and slice are all this one loop.
 */

import { size, strides, type Shape } from "../shape/index.js";

/**
 * Calls `visit(outIndex, inOffset)` for every element of `shape` in row-major order, where
 * `inOffset = base + Σ index[d] · inStrides[d]`.
 */
export const walk = (
  shape: Shape,
  inStrides: ReadonlyArray<number>,
  base: number,
  visit: (outIndex: number, inOffset: number) => void,
): void => {
  const rank = shape.length;
  const n = size(shape);
  if (n === 0) return;
  const counter = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < n; i++) {
    visit(i, offset);
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      offset += inStrides[d]!;
      if (counter[d]! < shape[d]!) break;
      offset -= inStrides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
};

/** Strides of `shape` with the axes in `zeroed` set to 0 (broadcast or reduced axes). */
export const stridesWithZeros = (shape: Shape, zeroed: (axis: number) => boolean): number[] =>
  strides(shape).map((s, d) => (zeroed(d) ? 0 : s));

/** Row-major multi-index of a flat index. */
export const unravel = (i: number, shape: Shape): number[] => {
  const out = new Array<number>(shape.length);
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = r % shape[d]!;
    r = Math.floor(r / shape[d]!);
  }
  return out;
};
