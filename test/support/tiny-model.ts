/**
 * @file The tiny official models of the golden files (tiny_mwmae.json, tiny_mae_cls.json): their config,
 * weights by official Flax name, input spectrograms and masking noise, decoded once for every test
 * that runs them.
 */

import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { valueAndGrad } from "../../src/autodiff";
import { fromData, slice, type HostTensor, type Tensor } from "../../src/ir";
import {
  decodeOfficialConfig,
  forwardFeatures,
  forwardMae,
  loadParams,
  pretrainLoss,
  type HostParams,
  type MwmaeConfig,
  type MwmaeParams,
} from "../../src/models/mwmae";
import { ArrayRecord, GoldenArray, hostOf, hostRecord } from "./golden";

const orThrow = <A>(what: string, e: E.Either<unknown, A>): A =>
  E.getOrElseW((err: unknown) => {
    throw new Error(`${what}: ${String((err as { message?: string }).message ?? JSON.stringify(err))}`);
  })(e);

export interface TinyModel {
  readonly cfg: MwmaeConfig;
  readonly params: HostParams;
  /** Two 16×16 inputs. */
  readonly x: HostTensor<readonly [2, 16, 16]>;
  /** The masking noise the golden used, one row per input. */
  readonly noise: HostTensor<readonly [2, 16]>;
}

/** Config, parameters, input and noise of a tiny golden file. */
export const tinyModel = (
  file: string,
  golden: {
    readonly config: unknown;
    readonly weights: Readonly<Record<string, GoldenArray>>;
    readonly input: GoldenArray;
    readonly noise: GoldenArray;
  },
): TinyModel => {
  const cfg = orThrow(`${file} config`, decodeOfficialConfig(file)(golden.config));
  return {
    cfg,
    params: orThrow(`${file} weights`, loadParams(cfg, hostRecord(golden.weights))),
    x: fromData(hostOf(golden.input).data, [2, 16, 16] as const),
    noise: fromData(hostOf(golden.noise).data, [2, 16] as const),
  };
};

/** The fields of tiny_mwmae.json the tests read. */
export const TinyMwmaeGolden = t.type({
  config: t.unknown,
  weights: ArrayRecord,
  input: GoldenArray,
  noise: GoldenArray,
  ids_restore: GoldenArray,
  mask: GoldenArray,
  target: GoldenArray,
  latent: GoldenArray,
  latent_f32: GoldenArray,
  pred: GoldenArray,
  pred_f32: GoldenArray,
  loss: t.number,
  loss_f32: t.number,
  grads: ArrayRecord,
  grads_f32: ArrayRecord,
  forward_features: GoldenArray,
  forward_features_f32: GoldenArray,
});

/** Everything tiny_mwmae.json pins down, as one traceable function of params, input and noise. */
export const tinyMwmaeOutputs =
  (cfg: MwmaeConfig) =>
  ({ params: p, x: xs, noise: ns }: { params: MwmaeParams; x: Tensor<readonly [2, 16, 16]>; noise: Tensor<readonly [2, 16]> }) => {
    const out = forwardMae(p, cfg)(xs, ns);
    const [loss, grads] = valueAndGrad(pretrainLoss(cfg))(p, xs, ns);
    const features = forwardFeatures(p, cfg)(slice(xs as Tensor, 0, 0, 1) as Tensor<readonly [1, number, number]>);
    return { ids: out.idsRestore, mask: out.mask, target: out.target, latent: out.latent, pred: out.pred, loss, grads, features };
  };
