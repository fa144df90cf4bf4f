/**
 * @file Keys: JAX-style splittable, counter-based randomness. A key is two 32-bit words and nothing
 * else; `split` and `fold` derive new keys by hashing counters under the old one with Threefry-2x32,
 * and `bits` draws a stream of words the same way. No global state: the same key always gives the
 * same numbers, and a key should be used once (split it to get more).
 *
 * The derivations follow JAX's original (non-"partitionable") Threefry scheme, so `split(key(0))`
 * gives JAX's `random.split(PRNGKey(0))`: the counters `0 … 2m−1` are cut into halves that form the
 * two words of each block, and the outputs are laid end to end.
 */

import { threefry2x32 } from "./threefry.js";

/** A PRNG key: two uint32 words. Immutable; derive new ones with `split` or `fold`. */
export interface Key {
  readonly words: readonly [number, number];
}

const makeKey = (a: number, b: number): Key => Object.freeze({ words: Object.freeze([a >>> 0, b >>> 0] as const) });

const twoTo32 = 2 ** 32;

/**
 * A key from an integer seed, as `jax.random.PRNGKey(seed)`: the seed's 64-bit two's complement,
 * high word first (so seeds below 2³² give `[0, seed]`).
 * @example
 * const k = key(42); // { words: [0, 42] }
 */
export const key = (seed: number): Key => {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`key: seed must be a safe integer, got ${seed}`);
  return makeKey(Math.floor(seed / twoTo32), seed);
};

/**
 * Threefry of the counters `counts` under `k`, JAX's `threefry_2x32`: an odd count is padded with one
 * zero, the first half of the counters are the blocks' first words and the second half their second,
 * and the result is the blocks' first words followed by their second words, cut to `counts.length`.
 */
const hashCounters = (k: Key, counts: Uint32Array): Uint32Array => {
  const n = counts.length;
  const half = Math.ceil(n / 2);
  const padded = new Uint32Array(2 * half);
  padded.set(counts);
  const out = new Uint32Array(2 * half);
  threefry2x32(k.words[0], k.words[1], padded.subarray(0, half), padded.subarray(half), out.subarray(0, half), out.subarray(half));
  return out.subarray(0, n);
};

const iotaU32 = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

/**
 * `n` pseudo-random uint32 words from `k` (JAX's `random_bits` with 32-bit width): the hashes of the
 * counters `0 … n−1`. The building block of every distribution here.
 */
export const bits = (k: Key, n: number): Uint32Array => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bits: count must be a non-negative integer, got ${n}`);
  if (n >= twoTo32) throw new RangeError(`bits: ${n} words exceed one key's 2^32 counters; split the key`);
  return hashCounters(k, iotaU32(n));
};

/**
 * `n` independent keys derived from `k` (default 2), as `jax.random.split`.
 * @example
 * const [params, dropout] = split(key(0));
 */
export const split = (k: Key, n = 2): Key[] => {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`split: count must be a positive integer, got ${n}`);
  const words = bits(k, 2 * n);
  return Array.from({ length: n }, (_, i) => makeKey(words[2 * i]!, words[2 * i + 1]!));
};

/**
 * A key for `k` and an integer `data`, as `jax.random.fold_in`: a cheap way to derive per-step or
 * per-layer keys without threading splits. `data` is taken modulo 2³² (its low word).
 * @example
 * const stepKey = fold(trainKey, step);
 */
export const fold = (k: Key, data: number): Key => {
  if (!Number.isSafeInteger(data)) throw new RangeError(`fold: data must be a safe integer, got ${data}`);
  const out = hashCounters(k, Uint32Array.of(0, data >>> 0));
  return makeKey(out[0]!, out[1]!);
};
