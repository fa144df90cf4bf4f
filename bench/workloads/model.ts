/**
 * @file MW-MAE workloads (DESIGN.md §4): one pre-training step of the tiny model (encoder 192/12/3,
 * decoder 384/4/8, batch 8, 200×80 log-mels: the compiled step of src/train, i.e. the masked-
 * reconstruction loss, its gradient and the AdamW update in one graph, new parameters read back) and
 * embedding throughput of the tiny encoder (`forwardFeatures`, batch 8 clips of
 * 2 s: 200 frames at a 10 ms hop) and of the base encoder (the released models' size, 768/12/12;
 * one 10 s clip as 5 chunks, random weights: the time does not depend on their values). With --quick
 * the decoder is 1 layer deep and the batch 2. On the wasm backends the training step also reports the
 * WebAssembly memory it runs in (`memoryBytes`).
 */

import { forwardFeatures, geometry, init, maskingNoise, preset, type MwmaeConfig } from "../../src/models/mwmae";
import { adamwInit } from "../../src/optim";
import { compileStep, trainDefaults } from "../../src/train";
import { fromData, jit, key, realize, type Backend } from "../../src";
import { isWasmBackend, programStats, wasmMemoryBytes } from "../backends";
import type { Job } from "../job";
import { uniform } from "../../test/support/uniform";

/** Seconds of audio in one 200-frame input (10 ms hop). */
const clipSeconds = 2;

const setup = async (quick: boolean, encoder: "tiny" | "base" = "tiny") => {
  const cfg: MwmaeConfig = preset({ encoder, decoderDepth: quick ? 1 : 4 });
  const batch = encoder === "base" ? 5 : quick ? 2 : 8;
  const { frames, mels } = cfg.input;
  const params = await realize(init(key(0), cfg));
  const x = fromData(uniform(batch * frames * mels, 5), [batch, frames, mels]);
  return { cfg, batch, params, x };
};

/** Embedding throughput of one encoder size: `forwardFeatures` on a batch of 2 s chunks. */
const embedJob = (backend: Backend, quick: boolean, encoder: "tiny" | "base"): Job => ({
  workload: encoder === "tiny" ? "embed-tiny" : "embed-base",
  impl: "mwmae-ts",
  backend: backend.name,
  prepare: async () => {
    const { cfg, batch, params, x } = await setup(quick, encoder);
    const args = { params, x };
    const embed = await jit((a) => forwardFeatures(a.params, cfg)(a.x), args, backend);
    return { call: () => embed(args), audioSeconds: batch * clipSeconds, ...programStats(backend, embed.graph) };
  },
});

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
      // The runner's WebAssembly memory; worked out after the timed calls (it generates the module's code again).
      const memoryBytes = async () => wasmMemoryBytes(backend, step.graph) ?? 0;
      return {
        call: () => step.run(params, opt, x, noise),
        ...programStats(backend, step.graph),
        ...(isWasmBackend(backend.name) ? { memoryBytes } : {}),
      };
    },
  },
  embedJob(backend, quick, "tiny"),
  embedJob(backend, quick, "base"),
];
