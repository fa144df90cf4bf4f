/**
 * @file The front-end compiles: the standardised log-mel of a real clip on the gpu.js backend agrees
 * with the reference interpreter. Bound 1e-4 on values of order 1: both run float32, but the kernels
 * sum the 400-term DFT and 201-term mel products in a different order (measured 3.5e-5).
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { fromData, jit, reference, spec, type Tensor } from "../../src";
import { gpujs } from "../../src/backends/gpujs";
import { decodeWav, logMel, standardize } from "../../src/audio";
import { maxAbsDiff } from "../support/golden";

describe("log-mel on the gpu.js backend", () => {
  it("agrees with the reference interpreter on the golden speech clip", async () => {
    const decoded = decodeWav(readFileSync(join(__dirname, "../golden/audio/speech_espeak.wav")), "speech_espeak.wav");
    if (E.isLeft(decoded)) throw new Error(decoded.left.message);
    const n = decoded.right.samples.length;
    const frontEnd = ({ x }: { readonly x: Tensor<readonly [number]> }) => standardize(logMel(x));
    const args = { x: fromData(decoded.right.samples, [n] as [number]) };
    const ours = await (await jit(frontEnd, { x: spec([n] as [number]) }, gpujs()))(args);
    const oracle = await (await jit(frontEnd, { x: spec([n] as [number]) }, reference()))(args);
    expect(ours.shape).toEqual([218, 80]);
    expect(maxAbsDiff(ours.data, oracle.data)).toBeLessThan(1e-4);
  });
});
