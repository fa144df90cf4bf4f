/**
 * @file `--shard I/N`: a stable split of a command's inputs across N processes (N machines under any
 * batch scheduler: a Slurm array, GNU parallel). An input belongs to shard I when the FNV-1a hash of
 * its name (its output path, or its clip name inside a task) is I − 1 modulo N, so the split does not
 * depend on the order or the set of the other inputs, nor on the machine: N processes with the same
 * inputs together cover every input exactly once.
 */

import { UsageError } from "./command.js";

/** One shard of N: `index` counts from 1. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * `--shard I/N` parsed: 1 ≤ I ≤ N; undefined when the flag is absent.
 * @example
 * shardFlag("2/3"); // { index: 2, count: 3 }
 */
export const shardFlag = (value: string | undefined): Shard | undefined => {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [index, count] = m === null ? [Number.NaN, Number.NaN] : [Number(m[1]), Number(m[2])];
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(count) && count >= 1 && index >= 1 && index <= count))
    throw new UsageError(`--shard: expected I/N with 1 ≤ I ≤ N (e.g. 2/3), got "${value}"`);
  return { index, count };
};

/** FNV-1a, 32 bits, over the UTF-8 bytes of `name`. */
const fnv1a = (name: string): number => {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
};

/**
 * True when the input called `name` belongs to `shard` (always, without a shard).
 * @example
 * [1, 2, 3].map((i) => inShard("esc50/1-100038-A-14.wav", { index: i, count: 3 })); // exactly one true
 */
export const inShard = (name: string, shard: Shard | undefined): boolean =>
  shard === undefined || fnv1a(name) % shard.count === shard.index - 1;
