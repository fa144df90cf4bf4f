/**
 * @file The tiny official models of the golden files (tiny_mwmae.json, tiny_mae_cls.json): their config,
 * weights by official Flax name, input spectrograms and masking noise, decoded once for every test
 * that runs them.
 */

import * as E from "fp-ts/lib/Either";
import { fromData, type HostTensor } from "../../src/ir";
import { decodeOfficialConfig, loadParams, type HostParams, type MwmaeConfig } from "../../src/models/mwmae";
import { hostOf, hostRecord, type GoldenArray } from "./golden";

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
  golden: { readonly config: unknown; readonly weights: Readonly<Record<string, GoldenArray>>; readonly input: GoldenArray; readonly noise: GoldenArray },
): TinyModel => {
  const cfg = orThrow(`${file} config`, decodeOfficialConfig(file)(golden.config));
  return {
    cfg,
    params: orThrow(`${file} weights`, loadParams(cfg, hostRecord(golden.weights))),
    x: fromData(hostOf(golden.input).data, [2, 16, 16] as const),
    noise: fromData(hostOf(golden.noise).data, [2, 16] as const),
  };
};
