/**
 * @file Seeded uniform values as float32: the same operands in Node, in the browser page and in the
 * benchmark. The generator is the kit's `seededValues` (mulberry32); this file imports only its
 * arbitraries module, so the browser page's bundle stays small.
 */

import { seededValues } from "../../src/testing/arbitraries";

/** `count` deterministic values in [-1, 1) from `seed`, rounded to float32. */
export const uniform = (count: number, seed: number): Float32Array => Float32Array.from(seededValues(seed)(count));
