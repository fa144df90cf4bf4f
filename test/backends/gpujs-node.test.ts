/**
 * @file The gpu.js backend against the reference interpreter on the Node modes (cpu, webasm, async):
 * every primitive and composite spec, forward and VJP, three drawn cases each, all in one graph per
 * mode (compiled once). Tolerance: |got − want| ≤ 1e-5 + 1e-4·|want| against the float64 reference.
 * Why: gpu.js stores every value in float32 (webasm also computes in it), so each op adds ~6e-8
 * relative rounding; VJP graphs chain up to ~50 ops on O(1) values and cancel in sums (1e-5 absolute),
 * transcendental functions in WebAssembly are float32 approximations, and `erf` is lowered with
 * Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7).
 */

import { beforeAll, describe, expect, it } from "vitest";
import { reference, type HostTensor } from "../../src";
import { gpujs, type GpujsMode } from "../../src/backends/gpujs";
import { compositeSpecs } from "../support/composite-specs";
import { primitiveSpecs } from "../support/primitive-specs";
import { specCases, worstError } from "./gpujs-node-support";

const RTOL = 1e-4;
const ATOL = 1e-5;
const cases = specCases({ ...primitiveSpecs, ...compositeSpecs }, 3, 20251125);
const names = [...cases.outputsOf.keys()];

let want: HostTensor[] = [];
beforeAll(async () => {
  want = await (await reference({ precision: "f64" }).prepare(cases.graph))(cases.values);
});

describe.each(["cpu", "webasm", "async"] as const)("gpujs %s vs reference", (mode: GpujsMode) => {
  let got: HostTensor[] = [];
  beforeAll(async () => {
    const runner = await gpujs({ mode }).prepare(cases.graph);
    got = await runner(cases.values);
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
