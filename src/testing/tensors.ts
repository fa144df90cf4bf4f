/**
 * @file Typed host tensors as fast-check arbitraries: a dtype, a value range, and special float values
 * (NaN, ±Inf, −0, subnormals) only when asked for. Ordinary f32 values are float32-representable
 * numbers in the range, with −0 and subnormals flushed to +0, so a property that did not ask for
 * special values never meets one.
 */

import fc from "fast-check";
import { fromData, type DType, type HostTensor } from "../ir/index.js";
import { size, type Shape } from "../shape/index.js";

/** A special float value `tensorArb` mixes in on request. */
export type SpecialValue = "nan" | "inf" | "-inf" | "-0" | "subnormal";

/** Every special value, for `special: true`. */
export const specialValues: ReadonlyArray<SpecialValue> = ["nan", "inf", "-inf", "-0", "subnormal"];

/** What `tensorArb` draws. */
export interface TensorOptions<S extends Shape = Shape> {
  /** A fixed shape, or an arbitrary of shapes (e.g. `shapeArb()`); the tensors have its static type. */
  readonly shape: S | fc.Arbitrary<S>;
  /** Element type (default "f32"); bool tensors hold 0 and 1. */
  readonly dtype?: DType;
  /** Smallest value (default -1 for f32, -10 for i32); inclusive. */
  readonly min?: number;
  /** Largest value (default 1 for f32, 10 for i32); inclusive. */
  readonly max?: number;
  /** f32 only: special values to mix in (`true` for all of them); they lie outside [min, max]. */
  readonly special?: boolean | ReadonlyArray<SpecialValue>;
  /** Values drawn per case when `shape` is an arbitrary (default 256); larger tensors repeat them. */
  readonly poolSize?: number;
}

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);
/** The float32 next to `x` (representable) towards +∞ (`dir` 1) or −∞ (`dir` −1). */
const stepF32 = (x: number, dir: 1 | -1): number => {
  f32[0] = x;
  if (x === 0) return dir * 2 ** -149;
  bits[0] = bits[0]! + (x > 0 === (dir === 1) ? 1 : -1);
  return f32[0];
};
/** The float32 range inside [min, max]: rounding the bounds must not step outside them. */
const f32Inside = (min: number, max: number): [number, number] => {
  const lo = Math.fround(min) < min ? stepF32(Math.fround(min), 1) : Math.fround(min);
  const hi = Math.fround(max) > max ? stepF32(Math.fround(max), -1) : Math.fround(max);
  return [lo, hi];
};

/** Smallest positive normal float32. */
const MIN_NORMAL_F32 = 2 ** -126;

const subnormals = [2 ** -149, -(2 ** -149), MIN_NORMAL_F32 - 2 ** -149, -(MIN_NORMAL_F32 - 2 ** -149), 2 ** -130];

const specialArb = (which: ReadonlyArray<SpecialValue>): fc.Arbitrary<number> =>
  fc.oneof(
    ...which.map((s): fc.Arbitrary<number> => {
      switch (s) {
        case "nan":
          return fc.constant(Number.NaN);
        case "inf":
          return fc.constant(Number.POSITIVE_INFINITY);
        case "-inf":
          return fc.constant(Number.NEGATIVE_INFINITY);
        case "-0":
          return fc.constant(-0);
        case "subnormal":
          return fc.constantFrom(...subnormals);
      }
    }),
  );

/** One element's arbitrary for the options. */
const elementArb = (o: TensorOptions<Shape>): fc.Arbitrary<number> => {
  const dtype = o.dtype ?? "f32";
  if (dtype === "bool") return fc.constantFrom(0, 1);
  const min = o.min ?? (dtype === "f32" ? -1 : -10);
  const max = o.max ?? (dtype === "f32" ? 1 : 10);
  if (!(min <= max)) throw new RangeError(`tensorArb: min ${min} is above max ${max}`);
  if (dtype === "i32") {
    const [lo, hi] = [Math.ceil(min), Math.floor(max)];
    if (lo > hi) throw new RangeError(`tensorArb: no i32 value in [${min}, ${max}]`);
    return fc.integer({ min: lo, max: hi });
  }
  const [lo, hi] = f32Inside(min, max);
  if (lo > hi) throw new RangeError(`tensorArb: no float32 value in [${min}, ${max}]`);
  const ordinary = fc.float({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).map((v) => (Math.abs(v) < MIN_NORMAL_F32 ? 0 : v)); // flushes −0 and subnormals to +0
  const special = o.special === true ? specialValues : o.special === false || o.special === undefined ? [] : o.special;
  return special.length === 0 ? ordinary : fc.oneof({ arbitrary: ordinary, weight: 4 }, { arbitrary: specialArb(special), weight: 1 });
};

/**
 * Host tensors of a dtype, a value range and a shape (fixed or drawn). With a drawn shape the values
 * come from a fixed-size pool drawn independently of it, so failures shrink shape and values
 * separately (see `arbitraries.ts`).
 * @example
 * fc.assert(fc.property(tensorArb({ shape: [2, 3], min: 0, max: 4 }), (t) => t.data.every((v) => v >= 0)));
 * tensorArb({ shape: shapeArb({ maxRank: 2 }), special: ["nan", "-0"] }); // NaN and −0 now and then
 */
export const tensorArb = <const S extends Shape>(options: TensorOptions<S>): fc.Arbitrary<HostTensor<S>> => {
  const dtype = options.dtype ?? "f32";
  if (options.special !== undefined && options.special !== false && dtype !== "f32")
    throw new Error(`tensorArb: special values need dtype f32, got ${dtype}`);
  const element = elementArb(options);
  const { shape } = options;
  if (Array.isArray(shape)) {
    const n = size(shape);
    return fc.array(element, { minLength: n, maxLength: n }).map((values) => fromData<S>(values, shape as S, dtype));
  }
  const poolSize = options.poolSize ?? 256;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`tensorArb: poolSize must be a positive integer, got ${poolSize}`);
  return fc.tuple(shape as fc.Arbitrary<S>, fc.array(element, { minLength: poolSize, maxLength: poolSize })).map(([s, values]) =>
    fromData<S>(
      Array.from({ length: size(s) }, (_, i) => values[i % poolSize]!),
      s,
      dtype,
    ),
  );
};
