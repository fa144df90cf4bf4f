/**
 * @file Randomness: JAX-style splittable, counter-based keys (Threefry-2x32-20) and samplers that run
 * on the host and return constant nodes, so samples are bit-identical on every backend. Keys are static
 * at trace time: to vary randomness per training step, sample outside the step and feed the values in.
 */
export { key, split, fold, bits, type Key } from "./key.js";
export { uniform, normal, truncatedNormal, bernoulli, permutation, dropout } from "./distributions.js";
export { erfinv } from "./special.js";
export { threefry2x32, threefryBlock } from "./threefry.js";
