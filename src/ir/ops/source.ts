/**
 * @file Leaves of a graph: named inputs, constants and iota. They have no inputs and no VJP.
 */

import { ShapeError, size, strides, type Shape } from "../../shape/index.js";
import { alloc, apply, type OpDef } from "../op-def.js";
import type { Data, DType, Tensor } from "../node.js";
import { walk } from "../strided.js";
import { broadcastTo } from "./movement.js";

const noInputs = <K extends "input" | "constant" | "iota">(name: K) => ({
  name,
  shape: (_: unknown, attrs: { readonly shape: Shape }) => attrs.shape,
  dtype: (_: unknown, attrs: { readonly dtype: DType }) => attrs.dtype,
  vjp: () => [],
});

/** The `input` primitive: a named placeholder. Evaluating it unbound throws; backends bind it from their inputs. */
export const inputDef: OpDef<"input"> = {
  ...noInputs("input"),
  evaluate: (_, node) => {
    throw new Error(`input "${node.attrs.name}" was not bound to a value`);
  },
};

/** The `constant` primitive: literal row-major data held in the node's attributes. */
export const constantDef: OpDef<"constant"> = {
  ...noInputs("constant"),
  evaluate: (_, node, ctx) => {
    const out = alloc(node.dtype, node.attrs.data.length, ctx);
    out.set(node.attrs.data);
    return out;
  },
};

/** The `iota` primitive: `out[i...] = i[axis]`, an index grid computed without host data. */
export const iotaDef: OpDef<"iota"> = {
  ...noInputs("iota"),
  evaluate: (_, node, ctx) => {
    const { shape, axis } = node.attrs;
    const out = alloc(node.dtype, size(shape), ctx);
    const st = strides(shape).map((_, d) => (d === axis ? 1 : 0));
    walk(shape, st, 0, (i, v) => (out[i] = v));
    return out;
  },
};

/** A named placeholder: what `trace` feeds a function, and what a compiled graph binds. */
export const input = <const S extends Shape>(name: string, shape: S, dtype: DType = "f32"): Tensor<S> =>
  apply(inputDef, [], { name, shape, dtype }) as Tensor<S>;

const toData = (values: ArrayLike<number>, dtype: DType): Data =>
  dtype === "f32" ? Float64Array.from(values) : dtype === "i32" ? Int32Array.from(values) : Uint8Array.from(values);

/** A constant from row-major values. */
export const constant = <const S extends Shape>(values: ArrayLike<number>, shape: S, dtype: DType = "f32"): Tensor<S> => {
  if (values.length !== size(shape)) {
    throw new ShapeError("constant", `${values.length} values for ${size(shape)} elements`, [shape]);
  }
  return apply(constantDef, [], { data: toData(values, dtype), shape, dtype }) as Tensor<S>;
};

/** A 0-d constant. */
export const scalar = (value: number, dtype: DType = "f32"): Tensor<readonly []> => constant([value], [] as const, dtype);

/** `value` everywhere: a scalar expanded, so it costs nothing to store. */
export const full = <const S extends Shape>(shape: S, value: number, dtype: DType = "f32"): Tensor<S> =>
  broadcastTo(scalar(value, dtype) as Tensor, shape as Shape) as Tensor<S>;

/** Zeros of `shape` (a broadcast scalar, so it costs no storage); `dtype` defaults to `"f32"`. */
export const zeros = <const S extends Shape>(shape: S, dtype: DType = "f32"): Tensor<S> => full(shape, 0, dtype);
/** Ones of `shape` (a broadcast scalar, so it costs no storage); `dtype` defaults to `"f32"`. */
export const ones = <const S extends Shape>(shape: S, dtype: DType = "f32"): Tensor<S> => full(shape, 1, dtype);

/** `out[i...] = i[axis]`: index grids without host data. */
export const iota = <const S extends Shape>(shape: S, axis: number, dtype: DType = "i32"): Tensor<S> => {
  if (axis < 0 || axis >= shape.length) throw new ShapeError("iota", `axis ${axis} out of range for rank ${shape.length}`, [shape]);
  return apply(iotaDef, [], { shape, axis, dtype }) as Tensor<S>;
};

/** `[0, 1, …, n−1]`. */
export const arange = <N extends number>(n: N, dtype: DType = "i32"): Tensor<readonly [N]> => iota([n] as const, 0, dtype);
