/**
 * @file Golden files (test/golden/*.json, from an independent PyTorch implementation of the official
 * code; see test/golden/README.md): a loader decoding them with io-ts, their `{ shape, dtype, data }`
 * arrays (src/io's `TensorJson` codec) and host tensors made from them by src/io's
 * `HostTensorFromJson` (float64 stays float64, so comparisons see the reference's exact values), and
 * the error measures the golden tests report.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { HostTensor } from "../../src";
import { HostTensorFromJson, reportErrors, TensorJson } from "../../src/io";

/** One stored array, as written: `{ shape, dtype, data }` with plain number arrays. */
export const GoldenArray = TensorJson;
export type GoldenArray = TensorJson;

/** A golden array as a host tensor: float64 data stays a Float64Array (dtype f32 for the DSL). */
export const hostOf = (a: GoldenArray): HostTensor =>
  pipe(
    HostTensorFromJson.decode(a),
    E.getOrElseW((errors) => {
      throw new TypeError(`golden array: ${reportErrors(errors).join("; ")}`);
    }),
  );

/** Reads `test/golden/<name>` and decodes it with `codec`, throwing with the paths of the first errors. */
export const readGolden = <A>(name: string, codec: t.Type<A, unknown, unknown>): A =>
  pipe(
    codec.decode(JSON.parse(readFileSync(join(__dirname, "../golden", name), "utf8"))),
    E.getOrElseW((errors) => {
      throw new TypeError(`${name}: ${reportErrors(errors).slice(0, 5).join("; ")}`);
    }),
  );

/** A record of golden arrays by path. */
export const ArrayRecord = t.record(t.string, GoldenArray);

/** Host tensors of a record of golden arrays. */
export const hostRecord = (r: Readonly<Record<string, GoldenArray>>): Record<string, HostTensor> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, hostOf(v)]));

/** max |a − b| over all elements. */
export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: ${a.length} vs ${b.length} values`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** max |x| over all elements. */
export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
