/** `.npy` encoding: numpy's exact bytes, and a decoder that reads them back and refuses damage. */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeNpy, encodeNpy } from "../../src/hear";

const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
const right = <A>(x: E.Either<string, A>): A => {
  if (E.isLeft(x)) throw new Error(x.left);
  return x.right;
};

describe("encodeNpy", () => {
  // These bytes were compared with numpy 2.4's np.save output: identical (header padding included).
  it("writes numpy's version 1.0 header, padded so the data starts at byte 128", () => {
    const bytes = encodeNpy(Float32Array.of(0, 1, 2, 3, 4, 5), [2, 3]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(118);
    const header = ascii(bytes, 10, 128);
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.endsWith("\n")).toBe(true);
    expect(bytes.length).toBe(128 + 24);
    expect(new DataView(bytes.buffer).getFloat32(128 + 4 * 5, true)).toBe(5);
  });

  it("writes one-element tuples with a trailing comma and scalars as ()", () => {
    expect(ascii(encodeNpy(new Float32Array(3840), [3840]), 10, 80)).toContain("'shape': (3840,), }");
    expect(ascii(encodeNpy(Float32Array.of(3.5), []), 10, 80)).toContain("'shape': (), }");
    expect(ascii(encodeNpy(Float64Array.of(1, 2), [2]), 10, 80)).toContain("'descr': '<f8'");
  });

  it("refuses data that does not fill the shape", () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/5 values for shape \[2, 3\]/);
  });
});

describe("decodeNpy", () => {
  it("reads back what encodeNpy wrote, every shape and value (float32, float64, int32)", () => {
    const shapes = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(shapes, fc.constantFrom("f32", "f64", "i32"), fc.integer(), (shape, kind, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, (_, i) => ((seed + i * 7919) % 1000) / 8 - 60);
        const data = kind === "f32" ? Float32Array.from(values) : kind === "f64" ? Float64Array.from(values) : Int32Array.from(values);
        const back = right(decodeNpy(encodeNpy(data, shape), "x.npy"));
        expect(back.shape).toEqual(shape);
        expect(back.descr).toBe(kind === "f32" ? "<f4" : kind === "f64" ? "<f8" : "<i4");
        expect(Array.from(back.data)).toEqual(Array.from(data));
        expect((encodeNpy(data, shape).length - data.byteLength) % 64).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it("names the file and the problem for damaged input", () => {
    const good = encodeNpy(Float32Array.of(1, 2, 3), [3]);
    const fail = (bytes: Uint8Array): string => {
      const r = decodeNpy(bytes, "bad.npy");
      return E.isLeft(r) ? r.left : "decoded";
    };
    expect(fail(new TextEncoder().encode("hello, not numpy"))).toMatch(/^bad\.npy: not a \.npy file/);
    expect(fail(good.subarray(0, good.length - 4))).toMatch(/^bad\.npy: holds 8 data bytes.*needs 12/);
    expect(fail(good.subarray(0, 40))).toMatch(/truncated header/);
  });
});
