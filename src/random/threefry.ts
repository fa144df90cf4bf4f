/**
 * @file Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror, Shaw 2011: "Parallel random numbers: as
 * easy as 1, 2, 3", the Random123 library), the counter-based block cipher JAX uses for its keys. A
 * key and a counter of two 32-bit words each map to two pseudo-random words; there is no state, so
 * any element of any stream can be computed on its own. Plain uint32 arithmetic: `>>> 0` wraps sums,
 * `Math.imul` is not needed because Threefry only adds, rotates and xors.
 */

/** Rotation constants of Threefry-2x32 (Random123 `R_32x2_*`), applied round r with `R[r % 8]`. */
const rotations = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/** Skein's key-schedule parity constant: the third key word is `k0 ^ k1 ^ parity`. */
const parity = 0x1bd11bda;

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;

/**
 * Threefry-2x32-20 of the counters `(x0[i], x1[i])` under key `(k0, k1)`, written to `y0`, `y1`
 * (which may alias the inputs). Vectorised over `i` because every caller hashes many counters.
 */
export const threefry2x32 = (
  k0: number,
  k1: number,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  y0: Uint32Array,
  y1: Uint32Array,
): void => {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ parity) >>> 0] as const;
  for (let i = 0; i < x0.length; i++) {
    let a = (x0[i]! + ks[0]) >>> 0;
    let b = (x1[i]! + ks[1]) >>> 0;
    for (let r = 0; r < 20; r++) {
      a = (a + b) >>> 0;
      b = rotl(b, rotations[r % 8]!) ^ a;
      // Key injection after every four rounds: the s-th one adds the schedule shifted by s, plus s.
      if (r % 4 === 3) {
        const s = (r + 1) / 4;
        a = (a + ks[s % 3]!) >>> 0;
        b = (b + ks[(s + 1) % 3]! + s) >>> 0;
      }
    }
    y0[i] = a;
    y1[i] = b >>> 0;
  }
};

/** One block: `threefry2x32` of a single counter, as a pair of words. */
export const threefryBlock = (k0: number, k1: number, c0: number, c1: number): readonly [number, number] => {
  const y0 = new Uint32Array(1);
  const y1 = new Uint32Array(1);
  threefry2x32(k0, k1, [c0 >>> 0], [c1 >>> 0], y0, y1);
  return [y0[0]!, y1[0]!];
};
