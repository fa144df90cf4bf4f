/**
 * @file MW-MAE workloads (DESIGN.md §4): one pre-training step of the tiny model (encoder 192/12/3,
 * decoder 384/4/8, batch 8, 200×80 log-mels: the compiled step of src/train, i.e. the masked-
 * reconstruction loss, its gradient and the AdamW update in one graph, new parameters read back) and
 * embedding throughput of the tiny encoder (`forwardFeatures`, batch 8 clips of
 * 2 s: 200 frames at a 10 ms hop). With --quick the decoder is 1 layer deep and the batch 2.
 */

import { forwardFeatures, geometry, init, maskingNoise, preset, type MwmaeConfig } from "../../src/models/mwmae";
import { adamwInit } from "../../src/optim";
import { compileStep, trainDefaults } from "../../src/train";
import { fromData, jit, key, realize, type Backend } from "../../src";
import { programStats } from "../backends";
import type { Job } from "../job";
import { uniform } from "../../test/support/uniform";

/** Seconds of audio in one 200-frame input (10 ms hop). */
const clipSeconds = 2;

const setup = async (quick: boolean) => {
  const cfg: MwmaeConfig = preset({ encoder: "tiny", decoderDepth: quick ? 1 : 4 });
  const batch = quick ? 2 : 8;
  const { frames, mels } = cfg.input;
  const params = await realize(init(key(0), cfg));
  const x = fromData(uniform(batch * frames * mels, 5), [batch, frames, mels]);
  return { cfg, batch, params, x };
};

export const modelJobs = (backend: Backend, quick: boolean): Job[] => [
  {
    workload: "train-step-tiny",
    impl: "mwmae-ts",
    backend: backend.name,
    prepare: async () => {
      const { cfg, batch, params, x } = await setup(quick);
      const noise = await realize(maskingNoise(key(1), batch, geometry(cfg).patches));
      const step = await compileStep(cfg, { ...trainDefaults, batch }, backend, params);
      const opt = adamwInit(params);
      return { call: () => step.run(params, opt, x, noise), ...programStats(backend, step.graph) };
    },
  },
  {
    workload: "embed-tiny",
    impl: "mwmae-ts",
    backend: backend.name,
    prepare: async () => {
      const { cfg, batch, params, x } = await setup(quick);
      const args = { params, x };
      const embed = await jit((a) => forwardFeatures(a.params, cfg)(a.x), args, backend);
      return { call: () => embed(args), audioSeconds: batch * clipSeconds, ...programStats(backend, embed.graph) };
    },
  },
];
