/**
 * @file Layer × layer similarity of two encoders on the same datapoints, as the MW-MAE paper's PWCCA
 * figures: entry [i][j] compares layer i of A with layer j of B. Without a second encoder, A's layers
 * are compared with each other.
 */

import type { HostTensor } from "../ir/index.js";
import { cca, linearCka } from "./cca.js";

/** PWCCA, mean CCA and linear CKA between every layer of A and every layer of B. */
export interface LayerSimilarity {
  /** `[layers of A][layers of B]`. */
  readonly pwcca: ReadonlyArray<ReadonlyArray<number>>;
  readonly meanCca: ReadonlyArray<ReadonlyArray<number>>;
  readonly cka: ReadonlyArray<ReadonlyArray<number>>;
  /** Datapoints each representation holds (tokens × chunks). */
  readonly datapoints: number;
}

/**
 * Compares two stacks of layer representations `[datapoints, neurons]` over the same datapoints.
 * PWCCA needs as many layers on both sides (the paper compares encoders of one depth) and more
 * datapoints than neurons; a `RangeError` says which fact fails.
 * @example
 * compareLayers(mwmae.representations, mae.representations).pwcca[3][3];
 */
export const compareLayers = (a: ReadonlyArray<HostTensor>, b: ReadonlyArray<HostTensor>): LayerSimilarity => {
  if (a.length === 0 || b.length === 0) throw new RangeError("compareLayers: no layers to compare");
  if (a.length !== b.length)
    throw new RangeError(`compareLayers: PWCCA compares encoders of the same depth, got ${a.length} and ${b.length} layers`);
  const n = a[0]!.shape[0]!;
  for (const [side, layers] of [["A", a] as const, ["B", b] as const]) {
    layers.forEach((x, l) => {
      if (x.shape[0] !== n)
        throw new RangeError(`compareLayers: layer ${l} of ${side} has ${x.shape[0]} datapoints, layer 0 of A ${n}: use the same clips`);
      if (x.shape[1]! >= n)
        throw new RangeError(
          `compareLayers: ${n} datapoints for ${x.shape[1]} neurons (layer ${l} of ${side}); CCA needs more datapoints than neurons: give more clips`,
        );
    });
  }
  const pairs = a.map((x) => b.map((y) => ({ c: cca(x, y), k: linearCka(x, y) })));
  return {
    pwcca: pairs.map((row) => row.map((p) => p.c.pwcca)),
    meanCca: pairs.map((row) => row.map((p) => p.c.meanCca)),
    cka: pairs.map((row) => row.map((p) => p.k)),
    datapoints: n,
  };
};
