/**
 * @file Drives the primitive spec table: one `it` per primitive. Differentiable primitives pass the
 * dot-product test against central differences in float64 (tolerance and its budget in
 * the kit's `src/testing/gradient.ts`: ε 1e-6, rtol 1e-6, atol 1e-8); the others match a naive oracle exactly.
 */

import { describe, it } from "vitest";
import { checkName, checkSpec } from "../support/spec";
import { primitiveSpecs } from "../support/primitive-specs";

/** Cases per primitive: small shapes make a case cost well under a millisecond. */
const NUM_RUNS = 200;

const rows = Object.entries(primitiveSpecs).map(([name, spec]) => [name, checkName(spec), spec] as const);

describe("primitive spec table", () => {
  it.each(rows)("%s: %s", (_name, _check, spec) => checkSpec(spec, NUM_RUNS));
});
