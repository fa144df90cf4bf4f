/** @file The golden-file array codec: real goldens decode exactly; bad input names the field's path and the source. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { decodeTensorJson, decodeWith, HostTensorFromJson, type DecodeError, type HostTensor } from "../../src";

const goldenPath = new URL("../golden/window_equals_global.json", import.meta.url);
const golden = JSON.parse(readFileSync(goldenPath, "utf8")) as {
  input: { shape: number[]; data: number[] };
  results: { f64: { output_global: { data: number[] } } };
};

const right = <A>(e: E.Either<DecodeError, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${e.left.message}`);
  return e.right;
};
const left = <A>(e: E.Either<DecodeError, A>): DecodeError => {
  if (E.isRight(e)) throw new Error("expected Left, got Right");
  return e.left;
};

const decode = decodeTensorJson("bad.json");

describe("decodeTensorJson on a golden file", () => {
  it("decodes a float32 array to an f32 host tensor with the file's values", () => {
    const x = right(decodeTensorJson("window_equals_global.json")(golden.input));
    expect(x.shape).toEqual([2, 12, 16]);
    expect(x.dtype).toBe("f32");
    expect(x.data).toBeInstanceOf(Float32Array);
    expect(Array.from(x.data)).toEqual(golden.input.data); // float32 decimals round-trip exactly
  });

  it("keeps float64 data in a Float64Array, exactly", () => {
    const y = right(decodeTensorJson("window_equals_global.json")(golden.results.f64.output_global));
    expect(y.dtype).toBe("f32");
    expect(y.data).toBeInstanceOf(Float64Array);
    expect(Array.from(y.data)).toEqual(golden.results.f64.output_global.data);
  });

  it("nests in a codec for the whole document", () => {
    // Weights are keyed by their flat Flax path ("qkv/kernel"), so one record level holds them all.
    const Doc = t.type({ input: HostTensorFromJson, weights_window: t.record(t.string, HostTensorFromJson) });
    const doc = right(decodeWith(Doc, "window_equals_global.json")(golden));
    expect(doc.weights_window["qkv/kernel"]!.shape).toEqual([16, 48]);
    expect(doc.weights_window["attn_heads_0/relative_position_bias_table"]!.shape).toEqual([23, 1]);
  });
});

describe("decodeTensorJson on good input", () => {
  it("decodes int32 to an i32 host tensor", () => {
    const x = right(decode({ shape: [2, 2], dtype: "int32", data: [1, -2, 3, 2147483647] }));
    expect(x).toEqual({ shape: [2, 2], dtype: "i32", data: Int32Array.of(1, -2, 3, 2147483647) });
  });

  it("decodes a scalar and an empty tensor", () => {
    expect(right(decode({ shape: [], dtype: "float32", data: [2.5] })).data).toEqual(Float32Array.of(2.5));
    expect(right(decode({ shape: [0, 3], dtype: "float32", data: [] })).shape).toEqual([0, 3]);
  });

  it("round-trips host tensors through encode and decode", () => {
    // JSON has no −0 (JSON.stringify(-0) is "0"), so the property is over the values JSON can carry.
    const json = { noNaN: true, noDefaultInfinity: true } as const;
    const noNegativeZero = (v: number[]) => v.map((x) => (x === 0 ? 0 : x));
    const tensor = fc.oneof(
      fc
        .array(fc.float(json), { maxLength: 12 })
        .map(noNegativeZero)
        .map((v): HostTensor => ({ shape: [v.length], dtype: "f32", data: Float32Array.from(v) })),
      fc
        .array(fc.double(json), { maxLength: 12 })
        .map(noNegativeZero)
        .map((v): HostTensor => ({ shape: [v.length], dtype: "f32", data: Float64Array.from(v) })),
      fc
        .array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 12 })
        .map((v): HostTensor => ({ shape: [1, v.length], dtype: "i32", data: Int32Array.from(v) })),
    );
    fc.assert(
      fc.property(tensor, (h) => {
        const json = JSON.parse(JSON.stringify(HostTensorFromJson.encode(h))) as unknown;
        expect(right(decode(json))).toEqual(h);
      }),
    );
  });
});

describe("decodeTensorJson on bad input", () => {
  it("names data and both sizes when the length is wrong", () => {
    const err = left(decode({ shape: [2, 3], dtype: "float32", data: [1, 2, 3, 4, 5] }));
    expect(err.errors).toEqual(["data: 5 values for shape [2, 3] (6 elements)"]);
    expect(err.message).toBe("bad.json: data: 5 values for shape [2, 3] (6 elements)");
  });

  it("names dtype and lists the accepted ones when the dtype is unknown", () => {
    const err = left(decode({ shape: [1], dtype: "float16", data: [1] }));
    expect(err.message).toBe('bad.json: dtype: expected "float32" | "float64" | "int32", got "float16"');
  });

  it("names a missing field", () => {
    const err = left(decode({ shape: [1], dtype: "float32" }));
    expect(err.message).toBe("bad.json: data: missing (expected Array<number>)");
  });

  it("names the offending dimension of a bad shape", () => {
    expect(left(decode({ shape: [2, -3], dtype: "float32", data: [] })).errors).toEqual(["shape/1: expected NonNegativeInt, got -3"]);
    expect(left(decode({ shape: [1.5], dtype: "float32", data: [] })).errors).toEqual(["shape/0: expected NonNegativeInt, got 1.5"]);
  });

  it("names the element of int32 data that is not an int32", () => {
    expect(left(decode({ shape: [3], dtype: "int32", data: [1, 2.5, 3] })).errors).toEqual(["data/1: 2.5 is not an int32"]);
    expect(left(decode({ shape: [1], dtype: "int32", data: [2 ** 31] })).errors).toEqual(["data/0: 2147483648 is not an int32"]);
  });

  it("names the element of the data that is not a number, and cuts long values short", () => {
    const err = left(decode({ shape: [2], dtype: "float32", data: [1, "x".repeat(200)] }));
    expect(err.errors[0]).toMatch(/^data\/1: expected number, got "x{50,}\.\.\.$/);
    expect(err.errors[0]!.length).toBeLessThan(100);
  });

  it("reports every bad field, not only the first", () => {
    expect(left(decode({ shape: "2", dtype: 3 })).errors).toHaveLength(3);
  });

  it("says <root> when the value is not a record at all", () => {
    expect(left(decode(null)).message).toBe("bad.json: <root>: expected HostTensorFromJson, got null");
  });

  it("gives the full path from the document's root inside a bigger codec", () => {
    const Doc = t.type({ weights: t.record(t.string, HostTensorFromJson) });
    const err = left(decodeWith(Doc, "golden/tiny.json")({ weights: { qkv: { shape: [2, 2], dtype: "float32", data: [1, 2, 3] } } }));
    expect(err.message).toBe("golden/tiny.json: weights/qkv/data: 3 values for shape [2, 2] (4 elements)");
    expect(err.source).toBe("golden/tiny.json");
  });
});
