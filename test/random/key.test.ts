/** @file Keys: seeds, split, fold and bits are deterministic, distinct where they should be, immutable. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bits, fold, key, split, type Key } from "../../src";

const wordsOf = (ks: ReadonlyArray<Key>): string[] => ks.map((k) => k.words.join(":"));

describe("key", () => {
  it("puts a small seed in the low word, as PRNGKey", () => {
    expect(key(42).words).toEqual([0, 42]);
  });

  it("takes a large or negative seed as 64-bit two's complement", () => {
    expect(key(2 ** 32 + 5).words).toEqual([1, 5]);
    expect(key(-1).words).toEqual([0xffffffff, 0xffffffff]);
  });

  it("refuses a seed that is not a safe integer", () => {
    expect(() => key(0.5)).toThrow(/seed must be a safe integer/);
  });

  it("is a frozen value", () => {
    const k = key(3);
    expect(Object.isFrozen(k)).toBe(true);
    expect(Object.isFrozen(k.words)).toBe(true);
  });
});

describe("split", () => {
  it("is deterministic", () => {
    expect(split(key(7), 5)).toEqual(split(key(7), 5));
  });

  it("gives keys that differ from each other and from the parent", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 16 }), (seed, n) => {
        const parent = key(seed);
        const children = wordsOf(split(parent, n));
        expect(new Set([...children, ...wordsOf([parent])]).size).toBe(n + 1);
      }),
      { numRuns: 100 },
    );
  });

  it("keeps derived streams apart: 1000 grandchildren are all distinct", () => {
    const all = split(key(0), 100).flatMap((k) => split(k, 10));
    expect(new Set(wordsOf(all)).size).toBe(1000);
  });

  it("refuses a count below 1", () => {
    expect(() => split(key(0), 0)).toThrow(/positive integer/);
  });
});

describe("fold", () => {
  it("is deterministic and depends on the data", () => {
    const k = key(11);
    expect(fold(k, 3)).toEqual(fold(k, 3));
    const folded = wordsOf(Array.from({ length: 100 }, (_, i) => fold(k, i)));
    expect(new Set(folded).size).toBe(100);
  });

  it("pins recorded words for fold(key(0), 1)", () => {
    expect(fold(key(0), 1).words).toEqual([928981903, 3453687069]);
  });

  it("differs from split's children", () => {
    const k = key(5);
    expect(wordsOf(split(k))).not.toContain(fold(k, 0).words.join(":"));
  });
});

describe("bits", () => {
  it("pins recorded words for key(0)", () => {
    expect(Array.from(bits(key(0), 5))).toEqual([2467461003, 428148500, 1688610540, 3840466878, 2562233961]);
  });

  it("gives uint32 words with about half their bits set", () => {
    const words = bits(key(9), 10_000);
    let ones = 0;
    for (const w of words) for (let b = w; b !== 0; b >>>= 1) ones += b & 1;
    // 320 000 fair bits: standard deviation √(320000/4) ≈ 283, so ±1500 is over 5σ.
    expect(Math.abs(ones - 160_000)).toBeLessThan(1500);
  });

  it("returns an empty stream for zero words", () => {
    expect(bits(key(0), 0).length).toBe(0);
  });
});
