/**
 * Architecture properties over small random configs (the kit's `smallModelArb`): who can see what
 * (dependence read off the VJP), inverses (patches, shuffles) and shapes. Everything is built from constants and
 * evaluated eagerly in float64, so "zero" means exactly zero.
 */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gather, lift, realize, sum, toFloat, type Tensor } from "../../../src";
import { key, split, uniform, type Key } from "../../../src/random";
import {
  checkParams,
  encodeVisible,
  forwardFeatures,
  forwardMae,
  geometry,
  init,
  maeLoss,
  maskFromNoise,
  maskingNoise,
  paramCount,
  patchify,
  unpatchify,
} from "../../../src/models/mwmae";
import { assertDependence, configOf, dependence, type SmallModel, smallModelArb } from "../../../src/testing";

const f64 = { precision: "f64" } as const;
type T3 = Tensor<readonly [number, number, number]>;

const setup = (m: SmallModel) => {
  const cfg = configOf(m);
  const g = geometry(cfg);
  const [kp, kx, kn, kr] = split(key(m.seed), 4) as [Key, Key, Key, Key];
  const x = uniform(kx, [m.batch, cfg.input.frames, cfg.input.mels] as const) as T3;
  const noise = maskingNoise(kn, m.batch, g.patches) as Tensor<readonly [number, number]>;
  return { cfg, g, params: init(kp, cfg), x, noise, kr };
};

const runs = { numRuns: 15 };

describe("MW-MAE properties", () => {
  it("forward shapes match the config's geometry, and init fits the config", async () => {
    await fc.assert(
      fc.asyncProperty(smallModelArb, async (m) => {
        const { cfg, g, params, x, noise } = setup(m);
        const out = forwardMae(params, cfg)(x, noise);
        const features = forwardFeatures(params, cfg)(x);
        const cls = cfg.useClsToken ? 1 : 0;
        expect(out.latent.shape).toEqual([m.batch, g.keep + cls, cfg.encoder.dim]);
        expect(out.pred.shape).toEqual([m.batch, g.patches, g.patchValues]);
        expect(out.target.shape).toEqual(out.pred.shape);
        expect(out.mask.shape).toEqual([m.batch, g.patches]);
        expect(features.shape).toEqual([m.batch, g.grid[0], g.grid[1] * cfg.encoder.dim]);
        expect(E.isRight(checkParams(cfg, params))).toBe(true);
        const host = await realize({ pred: out.pred, loss: maeLoss(out.pred, out.target, out.mask) }, f64);
        expect(host.pred.data.every(Number.isFinite)).toBe(true);
        expect(Number.isFinite(host.loss.data[0]!)).toBe(true);
        expect(paramCount(cfg).tensors).toBeGreaterThan(0);
      }),
      runs,
    );
  });

  it("the encoder output depends on exactly the visible patches of its own example (dependence)", async () => {
    await fc.assert(
      fc.asyncProperty(smallModelArb, async (m) => {
        const { cfg, params, x, noise } = setup(m);
        const { idsKeep, mask } = maskFromNoise(noise, geometry(cfg).keep);
        const host = await realize({ patches: patchify(x, cfg.patch), mask }, f64);
        const { frames, mels } = cfg.input;
        // Output positions: examples; input positions: (example, patch) of the patches.
        const dep = dependence((ps) => encodeVisible(params, cfg)(unpatchify(ps, cfg.patch, frames, mels), idsKeep), [host.patches], {
          outputAxes: 1,
          inputAxes: 2,
          seed: m.seed,
        });
        const n = host.mask.shape[1]!;
        assertDependence(dep, {
          name: "the visible patches of the same example",
          allows: ([b], [bj, q]) => b === bj && host.mask.data[bj! * n + q!] === 0,
        });
      }),
      runs,
    );
  });

  it("the loss depends on exactly the predictions at masked patches (dependence)", async () => {
    await fc.assert(
      fc.asyncProperty(smallModelArb, async (m) => {
        const { g, noise, kr } = setup(m);
        const [kp, kt] = split(kr, 2) as [Key, Key];
        const shape = [m.batch, g.patches, g.patchValues] as const;
        const { mask } = maskFromNoise(noise, g.keep);
        const host = await realize({ pred: uniform(kp, shape), target: uniform(kt, shape), mask }, f64);
        const target = lift(host.target) as T3;
        const dep = dependence((p) => maeLoss(p, target, mask), [host.pred], { inputAxes: 2, seed: m.seed });
        assertDependence(dep, { name: "the masked predictions", allows: (_, [b, q]) => host.mask.data[b! * g.patches + q!] === 1 });
      }),
      runs,
    );
  });

  it("patchify and unpatchify are inverse", async () => {
    await fc.assert(
      fc.asyncProperty(smallModelArb, async (m) => {
        const { cfg, x } = setup(m);
        const patches = patchify(x, cfg.patch);
        const host = await realize(
          {
            x,
            back: unpatchify(patches, cfg.patch, cfg.input.frames, cfg.input.mels),
            patches,
            again: patchify(unpatchify(patches, cfg.patch, cfg.input.frames, cfg.input.mels), cfg.patch),
          },
          f64,
        );
        expect(Array.from(host.back.data)).toEqual(Array.from(host.x.data));
        expect(Array.from(host.again.data)).toEqual(Array.from(host.patches.data));
      }),
      runs,
    );
  });

  it("restore undoes the shuffle, and exactly keep patches are visible", async () => {
    await fc.assert(
      fc.asyncProperty(smallModelArb, async (m) => {
        const { g, noise } = setup(m);
        const { idsShuffle, idsRestore, idsKeep, mask } = maskFromNoise(noise, g.keep);
        const shuffled = gather(noise, idsShuffle, 1);
        const restored = gather(shuffled, idsRestore, 1);
        const keptMask = gather(mask, idsKeep, 1);
        const host = await realize({ noise, restored, visible: sum(toFloat(mask), [1]), keptMask, shuffled }, f64);
        expect(Array.from(host.restored.data)).toEqual(Array.from(host.noise.data));
        expect(Array.from(host.visible.data)).toEqual(new Array(m.batch).fill(g.patches - g.keep));
        expect(Array.from(host.keptMask.data).every((v) => v === 0)).toBe(true);
        for (let b = 0; b < m.batch; b++) {
          const row = Array.from(host.shuffled.data.subarray(b * g.patches, (b + 1) * g.patches));
          expect(row).toEqual([...row].sort((a, c) => a - c)); // ascending noise: small is kept
        }
      }),
      runs,
    );
  });
});
