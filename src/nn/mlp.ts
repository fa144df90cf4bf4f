/**
 * @file The transformer MLP: dense → GELU (tanh approximation, Flax's `nn.gelu` default) → dense,
 * hidden width `mlpRatio`·dim (4 in MW-MAE). Flax names the two layers `Dense_0` and `Dense_1`.
 */

import { gelu, type Tensor } from "../ir/index.js";
import { split, type Key } from "../random/index.js";
import type { DropLast } from "../shape/index.js";
import { dense, initDense, type Dense } from "./dense.js";
import { xavierUniform, type Initializer } from "./init.js";

/** The official `Mlp` module's parameters. */
export interface Mlp<I extends number = number, H extends number = number, O extends number = I> {
  readonly Dense_0: Dense<I, H>;
  readonly Dense_1: Dense<H, O>;
}

/** `Dense_1(gelu(Dense_0(x)))` over the last axis. */
export const mlp =
  <I extends number, H extends number, O extends number>(p: Mlp<I, H, O>) =>
  <S extends readonly [...number[], I]>(x: Tensor<S>): Tensor<readonly [...DropLast<S>, O]> => {
    // The hidden shape [...S without I, H] does not reduce for a generic S; its rank and H are what count.
    const hidden: Tensor = gelu(dense(p.Dense_0)(x));
    return dense(p.Dense_1)(hidden as Tensor<readonly [H]>) as never;
  };

/** Configuration of `initMlp`: input/output width, hidden expansion and the kernel initialiser. */
export interface MlpConfig<D extends number = number> {
  /** Input and output width. */
  readonly dim: D;
  /** Hidden width as a multiple of `dim` (Flax: `int(dim * mlp_ratio)`); default 4. */
  readonly mlpRatio?: number;
  /**
   * Kernel initialiser of both layers. Default xavier-uniform: the official blocks pass
   * `kernel_init=xavier_uniform()` to their `Mlp` (the module's own lecun-normal default is never used).
   */
  readonly kernelInit?: Initializer;
}

/** MLP parameters `dim → ⌊dim·mlpRatio⌋ → dim`, biases zero. */
export const initMlp = <D extends number>(key: Key, cfg: MlpConfig<D>): Mlp<D, number, D> => {
  const hidden = Math.trunc(cfg.dim * (cfg.mlpRatio ?? 4));
  const [k0, k1] = split(key, 2) as [Key, Key];
  const init = cfg.kernelInit ?? xavierUniform;
  return { Dense_0: initDense(k0, cfg.dim, hidden, init), Dense_1: initDense(k1, hidden, cfg.dim, init) };
};
