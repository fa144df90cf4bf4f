/**
 * @file Runtime shape rules, the trace-time twins of `types.ts`. Each throws `ShapeError` naming the op,
 * the shapes and the axis. Shapes at trace time are always concrete: a dynamic type-level dim is a
 * known number by the time a node is built.
 */

import { ShapeError, showShape } from "./error.js";
import type { Shape } from "./types.js";

/**
 * Number of elements of a shape, the product of its dims; 1 for a scalar (`[]`).
 * @example
 * size([8, 250, 64]); // 128000
 */
export const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** True when both shapes have the same rank and the same dim on every axis. */
export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Row-major strides. */
export const strides = (s: Shape): number[] => {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= s[i]!;
  }
  return out;
};

/** A possibly negative axis as an index in [0, rank). */
export const normAxis = (op: string, shape: Shape, axis: number): number => {
  const rank = shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new ShapeError(op, `axis ${axis} out of range for rank ${rank}`, [shape]);
  }
  return a;
};

/** Distinct, normalised, sorted axes. */
export const normAxes = (op: string, shape: Shape, axes: ReadonlyArray<number>): number[] => {
  const out = axes.map((a) => normAxis(op, shape, a));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in [${axes.join(", ")}]`, [shape]);
  return [...out].sort((x, y) => x - y);
};

/**
 * NumPy broadcasting of two shapes: aligned from the last axis, a dim of 1 stretches to the other. Throws `ShapeError` naming `op`, both
 * shapes and the axis when dims differ and neither is 1.
 * @example
 * broadcastShapes("add", [8, 1, 64], [250, 64]); // [8, 250, 64]
 */
export const broadcastShapes = (op: string, a: Shape, b: Shape): Shape => {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `dims ${da} and ${db} do not broadcast at axis ${i}`, [a, b]);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
};

/**
 * Checks that `s` can be broadcast to `target` of the same rank (each dim equal or 1) and returns `target`; throws `ShapeError` otherwise.
 */
export const expandShape = (op: string, s: Shape, target: Shape): Shape => {
  if (s.length !== target.length) throw new ShapeError(op, `rank ${s.length} to rank ${target.length}`, [s, target]);
  s.forEach((d, i) => {
    if (d !== target[i] && d !== 1) throw new ShapeError(op, `axis ${i}: size ${d} cannot expand to ${target[i]}`, [s, target]);
  });
  return target;
};

/**
 * Output shape of a batched `matmul`: `[...batch, m, k] × [...batch, k, n] → [...batch, m, n]`, batch dims broadcast. Throws `ShapeError`
 * for rank < 2 or differing inner dims.
 * @example
 * matMulShape([8, 250, 64], [64, 16]); // [8, 250, 16]
 */
export const matMulShape = (a: Shape, b: Shape): Shape => {
  if (a.length < 2 || b.length < 2) throw new ShapeError("matmul", "operands need rank >= 2", [a, b]);
  const [m, ka] = a.slice(-2) as [number, number];
  const [kb, n] = b.slice(-2) as [number, number];
  if (ka !== kb) throw new ShapeError("matmul", `inner dims ${ka} and ${kb} differ`, [a, b]);
  return [...broadcastShapes("matmul batch", a.slice(0, -2), b.slice(0, -2)), m, n];
};

/**
 * Resolves a reshape target of the same element count; at most one dim may be `-1`, inferred from the rest. Throws `ShapeError` when the
 * counts differ or the target is malformed.
 * @example
 * reshapeShape([8, 250, 64], [8, -1]); // [8, 16000]
 */
export const reshapeShape = (s: Shape, target: Shape): Shape => {
  const holes = target.filter((d) => d === -1).length;
  if (holes > 1 || target.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError("reshape", `bad target ${showShape(target)}`, [s, target]);
  }
  const known = size(target.filter((d) => d !== -1));
  const n = size(s);
  const out = holes === 1 ? target.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d)) : [...target];
  if (size(out) !== n || out.some((d) => !Number.isInteger(d))) {
    throw new ShapeError("reshape", `${n} elements cannot take shape ${showShape(target)}`, [s, target]);
  }
  return out;
};

/**
 * Shape after a transpose: output axis `i` takes input axis `perm[i]` (negative axes allowed). Throws `ShapeError` unless `perm` is a
 * permutation of the axes.
 */
export const permuteShape = (s: Shape, perm: ReadonlyArray<number>): Shape => {
  if (perm.length !== s.length) throw new ShapeError("permute", `${perm.length} axes given for rank ${s.length}`, [s]);
  const p = perm.map((a) => normAxis("permute", s, a));
  if (new Set(p).size !== p.length) throw new ShapeError("permute", `[${perm.join(", ")}] is not a permutation`, [s]);
  return p.map((a) => s[a]!);
};

/**
 * Shape after a reduction over `axes`: the reduced axes are kept with size 1 (keep-dims). Throws `ShapeError` for out-of-range or repeated
 * axes.
 */
export const reduceShape = (op: string, s: Shape, axes: ReadonlyArray<number>): Shape => {
  const ax = normAxes(op, s, axes);
  return s.map((d, i) => (ax.includes(i) ? 1 : d));
};

/**
 * Shape of the slice `[starts[i], ends[i])` on every axis (end exclusive, one start and end per axis). Throws `ShapeError` when a range
 * falls outside `[0, dim]`.
 */
export const sliceShape = (s: Shape, starts: ReadonlyArray<number>, ends: ReadonlyArray<number>): Shape => {
  if (starts.length !== s.length || ends.length !== s.length) {
    throw new ShapeError("slice", `needs ${s.length} starts and ends, got ${starts.length} and ${ends.length}`, [s]);
  }
  return s.map((d, i) => {
    const a = starts[i]!;
    const b = ends[i]!;
    if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b <= d)) {
      throw new ShapeError("slice", `axis ${i}: [${a}, ${b}) is not within [0, ${d}]`, [s]);
    }
    return b - a;
  });
};

/**
 * Shape after padding each axis with `lo[i]` elements before and `hi[i]` after; widths must be non-negative integers, one per axis, else
 * `ShapeError`.
 */
export const padShape = (s: Shape, lo: ReadonlyArray<number>, hi: ReadonlyArray<number>): Shape => {
  if (lo.length !== s.length || hi.length !== s.length) {
    throw new ShapeError("pad", `needs ${s.length} low and high widths`, [s]);
  }
  return s.map((d, i) => {
    const r = d + lo[i]! + hi[i]!;
    if (!Number.isInteger(lo[i]) || !Number.isInteger(hi[i]) || lo[i]! < 0 || hi[i]! < 0) {
      throw new ShapeError("pad", `axis ${i}: widths must be non-negative integers`, [s]);
    }
    return r;
  });
};

/**
 * Shape of concatenating `shapes` along `axis`: all must agree outside that axis, whose dims are summed. Throws `ShapeError` for an empty
 * list or a mismatch.
 */
export const concatShape = (shapes: ReadonlyArray<Shape>, axis: number): Shape => {
  const first = shapes[0];
  if (first === undefined) throw new ShapeError("concat", "needs at least one tensor");
  const a = normAxis("concat", first, axis);
  shapes.forEach((s) => {
    if (s.length !== first.length || s.some((d, i) => i !== a && d !== first[i])) {
      throw new ShapeError("concat", `shapes differ outside axis ${a}`, [first, s]);
    }
  });
  return first.map((d, i) => (i === a ? shapes.reduce((acc, s) => acc + s[i]!, 0) : d));
};

/** take-along-axis: indices have the data's shape except along `axis`; the output has the indices' shape. */
export const gatherShape = (op: string, data: Shape, indices: Shape, axis: number): Shape => {
  const a = normAxis(op, data, axis);
  if (indices.length !== data.length || indices.some((d, i) => i !== a && d !== data[i])) {
    throw new ShapeError(op, `indices must match the data outside axis ${a}`, [data, indices]);
  }
  return indices;
};

/** Removes `axis`, which must have size 1 (else `ShapeError`). */
export const squeezeShape = (s: Shape, axis: number): Shape => {
  const a = normAxis("squeeze", s, axis);
  if (s[a] !== 1) throw new ShapeError("squeeze", `axis ${axis} has size ${s[a]}, not 1`, [s]);
  return s.filter((_, i) => i !== a);
};

/** Inserts a size-1 axis at `axis`, in `[-(rank+1), rank]`; a negative axis counts from the end of the result. */
export const unsqueezeShape = (s: Shape, axis: number): Shape => {
  const a = axis < 0 ? axis + s.length + 1 : axis;
  if (!Number.isInteger(axis) || a < 0 || a > s.length) {
    throw new ShapeError("unsqueeze", `axis ${axis} out of range for rank ${s.length}`, [s]);
  }
  return [...s.slice(0, a), 1, ...s.slice(a)];
};

/** Checks a shape against an expected one at trace time (`withShape`). */
export const assertShape = (op: string, actual: Shape, expected: Shape): void => {
  if (!sameShape(actual, expected)) throw new ShapeError(op, "shape differs from the expected one", [actual, expected]);
};
