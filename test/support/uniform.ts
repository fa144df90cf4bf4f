/** @file Seeded uniform values (mulberry32): the same operands in Node, in the browser page and in the benchmark. */

/** `count` deterministic values in [-1, 1) from `seed`. */
export const uniform = (count: number, seed: number): Float32Array => {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  });
};
