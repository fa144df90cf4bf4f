/**
 * @file The HEAR downstream workload (`hear-downstream`): one scene task of 1,000 clips × 768-dim
 * embeddings (600 train, 200 valid, 200 test; 10 classes), one seed of the kit's grid search (both
 * dropout rates, each trained to early stopping with the kit's defaults: hidden 1024, Adam 1e-4,
 * validation every 3 epochs, patience 20). The embeddings are class means plus noise, so the
 * predictor learns and stops as it would on a real task. One call is minutes: it runs once.
 */

import { fromData, type Backend, type HostTensor } from "../../src";
import { gridSearchDownstream, type TargetSet } from "../../src/hear";
import type { Job } from "../job";
import { uniform } from "../../test/support/uniform";

const [dims, classes] = [768, 10];

/** `n` clips: embedding = its class's mean direction + uniform noise; one-hot targets. */
const split = (n: number, seed: number, means: Float32Array): TargetSet => {
  const noise = uniform(n * dims, seed);
  const x = new Float32Array(n * dims);
  const targets = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    targets[i * classes + c] = 1;
    for (let d = 0; d < dims; d++) x[i * dims + d] = means[c * dims + d]! + 3 * noise[i * dims + d]!;
  }
  return { x: fromData(x, [n, dims]) as HostTensor, targets: fromData(targets, [n, classes]) as HostTensor };
};

/** The workload on `backend`. */
export const downstreamJob = (backend: Backend): Job => ({
  workload: "hear-downstream",
  impl: "mwmae-ts",
  backend: backend.name,
  runs: 1,
  prepare: async () => {
    const means = Float32Array.from(uniform(classes * dims, 11));
    const data = { train: split(600, 12, means), valid: split(200, 13, means), test: split(200, 14, means) };
    return { call: () => gridSearchDownstream(data, { prediction: "multiclass", seed: 0, backend }) };
  },
});
