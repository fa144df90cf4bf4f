/**
 * @file The JSON array format of the golden files, `{ shape, dtype, data }` (row-major; dtype
 * "float32", "float64" or "int32"), as an io-ts codec to and from `HostTensor`. Being a codec, it
 * nests in bigger ones (`t.record(t.string, HostTensorFromJson)` for a weights table), and every
 * error names the path of the bad field from the document's root and the source it came from.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { isHostTensor, type HostTensor } from "../ir/index.js";
import { showShape, size } from "../shape/index.js";

/** What went wrong reading outside data: the source (a file name, a URL) and one line per problem. */
export interface DecodeError {
  readonly source: string;
  /** One line per problem, each naming the path of the field it is about. */
  readonly errors: ReadonlyArray<string>;
  /** `source: error; error`. */
  readonly message: string;
}

/** A `DecodeError` from its source and problem lines. */
export const decodeError = (source: string, errors: ReadonlyArray<string>): DecodeError => ({
  source,
  errors,
  message: `${source}: ${errors.join("; ")}`,
});

interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
/** An integer ≥ 0 (a dimension). */
export const NonNegativeInt = t.brand(t.Int, (n): n is t.Branded<t.Int, NonNegativeIntBrand> => n >= 0, "NonNegativeInt");

/** The dtypes golden files use. */
export const TensorJsonDtype = t.keyof({ float32: null, float64: null, int32: null });
export type TensorJsonDtype = t.TypeOf<typeof TensorJsonDtype>;

/** The raw record, before its fields are checked against each other. */
export const TensorJson = t.type({ shape: t.array(NonNegativeInt), dtype: TensorJsonDtype, data: t.array(t.number) }, "TensorJson");
export type TensorJson = t.TypeOf<typeof TensorJson>;

/** "weights/qkv/kernel": the keys of a validation context, root first. */
const pathOf = (c: t.Context): string =>
  c
    .map((entry) => entry.key)
    .filter((k) => k !== "")
    .join("/");

const isInt32 = (v: number): boolean => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;

/** Data and shape agree, and int32 data holds int32 values: the facts one field cannot check alone. */
const validateContents = (raw: TensorJson, c: t.Context): t.Validation<TensorJson> => {
  const data: t.Context = [...c, { key: "data", type: TensorJson.props.data, actual: raw.data }];
  const n = size(raw.shape);
  if (raw.data.length !== n)
    return t.failure(raw.data, data, `${raw.data.length} values for shape ${showShape(raw.shape)} (${n} elements)`);
  const bad = raw.dtype === "int32" ? raw.data.findIndex((v) => !isInt32(v)) : -1;
  if (bad >= 0) {
    return t.failure(
      raw.data[bad],
      [...data, { key: String(bad), type: t.Int, actual: raw.data[bad] }],
      `${raw.data[bad]} is not an int32`,
    );
  }
  return t.success(raw);
};

/** float32 → f32 in a Float32Array, float64 → f32 kept in a Float64Array (no precision lost), int32 → i32. */
const toHost = (raw: TensorJson): HostTensor => ({
  shape: raw.shape,
  dtype: raw.dtype === "int32" ? "i32" : "f32",
  data:
    raw.dtype === "int32" ? Int32Array.from(raw.data) : raw.dtype === "float64" ? Float64Array.from(raw.data) : Float32Array.from(raw.data),
});

/** The dtype name a host buffer is written with; bool masks are written as int32 0/1. */
const dtypeOf = (h: HostTensor): TensorJsonDtype => (h.dtype !== "f32" ? "int32" : h.data instanceof Float64Array ? "float64" : "float32");

/**
 * Golden-file JSON ⇄ `HostTensor`. Decoding checks every field and that `data` holds exactly
 * `product(shape)` values; float64 data stays in a Float64Array so float64 comparisons are exact.
 * @example
 * const golden = t.type({ input: HostTensorFromJson, output: HostTensorFromJson });
 */
export const HostTensorFromJson = new t.Type<HostTensor, TensorJson, unknown>(
  "HostTensorFromJson",
  isHostTensor,
  (u, c) =>
    pipe(
      TensorJson.validate(u, c),
      E.chain((raw) => validateContents(raw, c)),
      E.map(toHost),
    ),
  (h) => ({ shape: [...h.shape] as TensorJson["shape"], dtype: dtypeOf(h), data: Array.from(h.data) }),
);

/** A value for a message: short JSON, cut after 60 characters (a bad `data` can be huge). */
const preview = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * One line per io-ts error, `path: problem`, like io-ts's PathReporter but with the path as plain
 * keys (`weights/qkv/kernel/shape/1`) and the expected type of the innermost field only.
 */
export const reportErrors = (errors: t.Errors): string[] =>
  errors.map((e) => {
    const path = pathOf(e.context) || "<root>";
    const expected = e.context[e.context.length - 1]?.type.name ?? "a value";
    const problem = e.value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${preview(e.value)}`;
    return `${path}: ${e.message ?? problem}`;
  });

/**
 * Decodes outside data with any codec, turning io-ts errors into a `DecodeError` whose lines carry
 * the path of each bad field and whose message names `source`.
 */
export const decodeWith =
  <A>(codec: t.Decoder<unknown, A>, source: string) =>
  (json: unknown): E.Either<DecodeError, A> =>
    pipe(
      codec.decode(json),
      E.mapLeft((errors) => decodeError(source, reportErrors(errors))),
    );

/**
 * One golden-file array as a host tensor, or what is wrong with it and where.
 * @example
 * const x = decodeTensorJson("golden/window_equals_global.json")(JSON.parse(text).input);
 */
export const decodeTensorJson = (source: string): ((json: unknown) => E.Either<DecodeError, HostTensor>) =>
  decodeWith(HostTensorFromJson, source);
