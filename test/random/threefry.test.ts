/** @file Threefry-2x32-20 against the Random123 known-answer vectors, and JAX's derived keys. */
import { describe, expect, it } from "vitest";
import { key, split, threefry2x32, threefryBlock } from "../../src";

describe("threefryBlock", () => {
  // Known-answer tests of Threefry-2x32-20 from Random123's kat_vectors (Salmon et al. 2011).
  it("maps key (0, 0), counter (0, 0) to 0x6b200159 0x99ba4efe", () => {
    expect(threefryBlock(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
  });

  it("maps all-ones key and counter to 0x1cb996fc 0xbb002be7", () => {
    expect(threefryBlock(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
  });

  it("maps the digits-of-pi key and counter to 0xc4923a9c 0x483df7a0", () => {
    expect(threefryBlock(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });
});

describe("threefry2x32", () => {
  it("hashes a batch of counters like one block at a time", () => {
    const x0 = Uint32Array.of(0, 1, 0xffffffff, 0x243f6a88);
    const x1 = Uint32Array.of(0, 2, 0xffffffff, 0x85a308d3);
    const y0 = new Uint32Array(4);
    const y1 = new Uint32Array(4);
    threefry2x32(0x13198a2e, 0x03707344, x0, x1, y0, y1);
    x0.forEach((c, i) => expect([y0[i], y1[i]]).toEqual(threefryBlock(0x13198a2e, 0x03707344, c, x1[i]!)));
  });

  it("may write its output over its input", () => {
    const x0 = Uint32Array.of(0x243f6a88);
    const x1 = Uint32Array.of(0x85a308d3);
    threefry2x32(0x13198a2e, 0x03707344, x0, x1, x0, x1);
    expect([x0[0], x1[0]]).toEqual([0xc4923a9c, 0x483df7a0]);
  });
});

describe("split (JAX compatibility)", () => {
  // jax.random.split(jax.random.PRNGKey(s)) with the original (non-partitionable) Threefry scheme.
  it("splits key(0) as JAX splits PRNGKey(0)", () => {
    expect(split(key(0)).map((k) => k.words)).toEqual([
      [4146024105, 967050713],
      [2718843009, 1272950319],
    ]);
  });

  it("splits key(42) as JAX splits PRNGKey(42)", () => {
    expect(split(key(42)).map((k) => k.words)).toEqual([
      [2465931498, 3679230171],
      [255383827, 267815257],
    ]);
  });
});
