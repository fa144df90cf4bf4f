/**
 * Architecture properties over small random configs (test/support/mwmae-configs.ts): who can see what
 * (zero gradients), inverses (patches, shuffles) and shapes. Everything is built from constants and
 * evaluated eagerly in float64, so "zero" means exactly zero.
 */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gather, grad, mul, realize, sum, toFloat, type HostTensor, type Tensor } from "../../../src";
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
import { configOf, validSmallModelArb, type SmallModel } from "../../support/mwmae-configs";

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

/** Rows of a `[B, n, P]` host tensor whose every value is zero, as a `[B·n]` list of booleans. */
const zeroRows = (t: HostTensor): boolean[] => {
  const [b, n, p] = t.shape as [number, number, number];
  return Array.from({ length: b * n }, (_, r) => Array.from(t.data.subarray(r * p, (r + 1) * p)).every((v) => v === 0));
};

const runs = { numRuns: 15 };

describe("MW-MAE properties", () => {
  it("forward shapes match the config's geometry, and init fits the config", async () => {
    await fc.assert(
      fc.asyncProperty(validSmallModelArb, async (m) => {
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

  it("the encoder output has zero gradient with respect to masked patches, non-zero for visible ones", async () => {
    await fc.assert(
      fc.asyncProperty(validSmallModelArb, async (m) => {
        const { cfg, params, x, noise, kr } = setup(m);
        const { idsKeep, mask } = maskFromNoise(noise, geometry(cfg).keep);
        const latent = encodeVisible(params, cfg)(x, idsKeep);
        const r = uniform(kr, latent.shape);
        const dx = grad((xs: T3) => sum(mul(encodeVisible(params, cfg)(xs, idsKeep), r)) as Tensor<readonly []>)(x);
        const host = await realize({ g: patchify(dx, cfg.patch), mask }, f64);
        const zero = zeroRows(host.g);
        Array.from(host.mask.data).forEach((masked, i) => expect(zero[i]).toBe(masked === 1));
      }),
      runs,
    );
  });

  it("the loss has zero gradient with respect to predictions at visible patches", async () => {
    await fc.assert(
      fc.asyncProperty(validSmallModelArb, async (m) => {
        const { g, noise, kr } = setup(m);
        const [kp, kt] = split(kr, 2) as [Key, Key];
        const shape = [m.batch, g.patches, g.patchValues] as const;
        const { mask } = maskFromNoise(noise, g.keep);
        const target = uniform(kt, shape) as T3;
        const dp = grad((p: T3) => maeLoss(p, target, mask))(uniform(kp, shape) as T3);
        const host = await realize({ dp, mask }, f64);
        const zero = zeroRows(host.dp);
        Array.from(host.mask.data).forEach((masked, i) => expect(zero[i]).toBe(masked === 0));
      }),
      runs,
    );
  });

  it("patchify and unpatchify are inverse", async () => {
    await fc.assert(
      fc.asyncProperty(validSmallModelArb, async (m) => {
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
      fc.asyncProperty(validSmallModelArb, async (m) => {
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
