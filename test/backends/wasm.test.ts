/**
 * @file The WebAssembly SIMD backend against the reference interpreter: every primitive and composite
 * spec, forward and VJP, three drawn cases each, all in one graph (one module). Tolerance: |got − want|
 * ≤ 1e-5 + 1e-4·|want| against the float64 reference, as for gpu.js and for the same reasons: every
 * value is stored in float32 and each op rounds (~6e-8 relative), VJP graphs chain up to ~50 ops on
 * O(1) values and cancel in sums (1e-5 absolute), and `erf` is a polynomial within 2 ulp and 1.5e-7 (test/backends/wasm-math.test.ts).
 */

import { beforeAll, describe, expect, it } from "vitest";
import { reference, type HostTensor } from "../../src";
import { wasm } from "../../src/backends/wasm";
import { compositeSpecs } from "../support/composite-specs";
import { primitiveSpecs } from "../support/primitive-specs";
import { specCases, worstError } from "./gpujs-node-support";

const RTOL = 1e-4;
const ATOL = 1e-5;
const cases = specCases({ ...primitiveSpecs, ...compositeSpecs }, 3, 20251125);
const names = [...cases.outputsOf.keys()];

describe("wasm vs reference", () => {
  let want: HostTensor[] = [];
  let got: HostTensor[] = [];
  beforeAll(async () => {
    want = await (await reference({ precision: "f64" }).prepare(cases.graph))(cases.values);
    got = await (await wasm().prepare(cases.graph))(cases.values);
  });
  it.each(names)("%s: forward and VJP agree", (name) => {
    for (const k of cases.outputsOf.get(name)!) {
      expect(got[k]!.shape).toEqual(want[k]!.shape);
      expect(got[k]!.dtype).toBe(want[k]!.dtype);
      const w = worstError(got[k]!.data, want[k]!.data, RTOL, ATOL);
      expect(w.excess, `output ${k}: got ${w.got}, want ${w.want} at ${w.at}`).toBeLessThanOrEqual(0);
    }
  });
});
