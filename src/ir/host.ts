/**
 * @file Host tensors: row-major data with a shape and dtype, what backends take and return. Nested
 * JavaScript arrays convert both ways for examples and tests.
 */

import { ShapeError, size, type Shape } from "../shape/index.js";
import type { Data, DType, Tensor } from "./node.js";
import { constant } from "./ops/source.js";

/** A tensor in host memory: row-major `data` with its shape and dtype. What backends take as inputs and return as results. */
export interface HostTensor<S extends Shape = Shape> {
  /** Dims, outermost first. */
  readonly shape: S;
  /** Element type of `data`. */
  readonly dtype: DType;
  /** The elements in row-major order: Float32Array or Float64Array for `f32`, Int32Array for `i32`, Uint8Array (0/1) for `bool`. */
  readonly data: Data;
}

/** Nested arrays of numbers of any depth. */
export type Nested = number | ReadonlyArray<Nested>;

const shapeOfNested = (x: Nested): number[] => (typeof x === "number" ? [] : [x.length, ...(x.length > 0 ? shapeOfNested(x[0]!) : [])]);

/** A host tensor from nested arrays (`[[1, 2], [3, 4]]`), checking that rows are rectangular. */
export const hostTensor = (values: Nested, dtype: DType = "f32"): HostTensor => {
  const shape = shapeOfNested(values);
  const flat: number[] = [];
  const go = (x: Nested, depth: number, path: string): void => {
    if (typeof x === "number") {
      if (depth !== shape.length) throw new ShapeError("hostTensor", `ragged value at ${path}`, [shape]);
      flat.push(x);
      return;
    }
    if (x.length !== shape[depth])
      throw new ShapeError("hostTensor", `row ${path} has ${x.length} entries, expected ${shape[depth]}`, [shape]);
    x.forEach((c, i) => go(c, depth + 1, `${path}[${i}]`));
  };
  go(values, 0, "");
  return fromData(flat, shape, dtype);
};

/** A host tensor from row-major values; floats are stored as float32. */
export const fromData = <const S extends Shape>(values: ArrayLike<number>, shape: S, dtype: DType = "f32"): HostTensor<S> => {
  if (values.length !== size(shape)) throw new ShapeError("fromData", `${values.length} values for ${size(shape)} elements`, [shape]);
  const data = dtype === "f32" ? Float32Array.from(values) : dtype === "i32" ? Int32Array.from(values) : Uint8Array.from(values);
  return { shape, dtype, data };
};

/** Nested arrays from a host tensor. */
export const toNested = (t: HostTensor): Nested => {
  const go = (offset: number, depth: number): Nested => {
    if (depth === t.shape.length) return t.data[offset]!;
    const inner = size(t.shape.slice(depth + 1));
    return Array.from({ length: t.shape[depth]! }, (_, i) => go(offset + i * inner, depth + 1));
  };
  return go(0, 0);
};

/** A constant node holding a host tensor's data. */
export const lift = <S extends Shape>(t: HostTensor<S>): Tensor<S> => constant(t.data, t.shape, t.dtype);

/** True for a host tensor (an object with shape, dtype and a typed-array `data`). */
export const isHostTensor = (x: unknown): x is HostTensor =>
  typeof x === "object" && x !== null && "data" in x && "shape" in x && "dtype" in x && ArrayBuffer.isView((x as HostTensor).data);
