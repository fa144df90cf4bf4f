/**
 * @file Drives the composite spec table: one `it` per composite. Composites have no VJP of their own,
 * so this checks that the primitives' rules compose (tolerance as for primitives: ε 1e-6, rtol 1e-6,
 * atol 1e-8, budget in the kit's `src/testing/gradient.ts`); index-valued composites match a naive oracle.
 */

import { describe, it } from "vitest";
import { checkName, checkSpec } from "../support/spec";
import { compositeSpecs } from "../support/composite-specs";

/** Cases per composite; composites build larger graphs than primitives, so fewer. */
const NUM_RUNS = 100;

const rows = Object.entries(compositeSpecs).map(([name, spec]) => [name, checkName(spec), spec] as const);

describe("composite spec table", () => {
  it.each(rows)("%s: %s", (_name, _check, spec) => checkSpec(spec, NUM_RUNS));
});
