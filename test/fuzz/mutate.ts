/**
 * @file Byte-level mutations for the fuzz targets: start from a valid file and damage it the ways files
 * are damaged (truncation, appended junk, overwritten bytes, a changed length field), so most cases get
 * past the first check and exercise the deeper ones.
 */

import fc from "fast-check";

/** One way to damage bytes. */
export type Mutation =
  | { readonly kind: "none" }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "append"; readonly bytes: Uint8Array }
  | { readonly kind: "overwrite"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "u32"; readonly at: number; readonly value: number }
  | { readonly kind: "u64"; readonly at: number; readonly delta: number };

/** A mutation; positions are fractions of the length (or absolute within `headBytes`), drawn so shrinking is readable. */
export const mutation = (headBytes: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<Mutation>({ kind: "none" }) },
    { weight: 2, arbitrary: fc.nat(100_000).map((at): Mutation => ({ kind: "truncate", at })) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes): Mutation => ({ kind: "append", bytes })) },
    {
      weight: 4,
      arbitrary: fc
        .record({ at: fc.nat(headBytes), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
        .map((r): Mutation => ({ kind: "overwrite", ...r })),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({
          at: fc.nat(headBytes),
          value: fc.oneof(fc.constantFrom(0, 1, 2, 0xffffffff, 0x7fffffff, 0x80000000), fc.nat()),
        })
        .map((r): Mutation => ({ kind: "u32", ...r })),
    },
    { weight: 2, arbitrary: fc.integer({ min: -64, max: 64 }).map((delta): Mutation => ({ kind: "u64", at: 0, delta })) },
  );

/** `bytes` with `m` applied (a fresh array; the input is not changed). */
export const applyMutation = (bytes: Uint8Array, m: Mutation): Uint8Array => {
  const b = bytes.slice();
  switch (m.kind) {
    case "none":
      return b;
    case "truncate":
      return b.subarray(0, m.at % (b.length + 1));
    case "append": {
      const out = new Uint8Array(b.length + m.bytes.length);
      out.set(b);
      out.set(m.bytes, b.length);
      return out;
    }
    case "overwrite":
      if (b.length === 0) return b;
      b.set(m.bytes.subarray(0, Math.max(0, b.length - (m.at % b.length))), m.at % b.length);
      return b;
    case "u32":
      if (b.length < 4) return b;
      new DataView(b.buffer).setUint32(m.at % (b.length - 3), m.value >>> 0, true);
      return b;
    case "u64": {
      if (b.length < 8) return b;
      const v = new DataView(b.buffer);
      const n = v.getBigUint64(0, true) + BigInt(m.delta);
      v.setBigUint64(0, n < 0n ? 0n : n, true);
      return b;
    }
  }
};

/** Several mutations in a row. */
export const mutations = (headBytes: number): fc.Arbitrary<Mutation[]> => fc.array(mutation(headBytes), { minLength: 0, maxLength: 3 });

/** `bytes` with every mutation applied in order. */
export const applyAll = (bytes: Uint8Array, ms: ReadonlyArray<Mutation>): Uint8Array => ms.reduce(applyMutation, bytes);

/** The values a hostile float sample or weight takes. */
export const hostileFloat: fc.Arbitrary<number> = fc.oneof(
  fc.double({ min: -1, max: 1, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e300, 3.5e38, 0, -0),
);
