/**
 * @file The model's parameter tree, keyed by the official Flax names so that flattening it gives the
 * official checkpoint paths (`encoder_block_03/Attention_0/Dense_0/kernel`); `init` builds one from a
 * key with the official initialisers, `loadParams` imports flat official paths (checkpoints, goldens)
 * after checking them against the config.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { isHostTensor, lift, mul, zeros, type HostTensor, type Tensor } from "../../ir/index.js";
import {
  initBlock,
  initDense,
  initLayerNorm,
  initMwmhaBlock,
  lecunNormal,
  xavierUniform,
  type Block,
  type Dense,
  type LayerNorm,
  type MwmhaBlock,
} from "../../nn/index.js";
import { normal, split, type Key } from "../../random/index.js";
import { mapLeaves } from "../../trace/index.js";
import { geometry, type MwmaeConfig } from "./config.js";
import { checkParams, treeFromFlat, blockName, type ParamError } from "./param-spec.js";
import { decoderPositions, encoderPositions } from "./positions.js";

/** Encoder blocks (and plain-MAE decoder blocks) are nn's `Block`; MW-MAE decoder blocks nn's `MwmhaBlock`. */
export type AttentionBlock = Block;
/** An MW-MAE decoder block's parameters: nn's `MwmhaBlock` (multi-window attention + MLP). */
export type WindowBlock = MwmhaBlock;

/** The patch embedding: a conv with kernel = stride = patch size, `[time, freq, 1, dim]` (HWIO). */
export interface PatchEmbed {
  readonly proj: { readonly kernel: Tensor<readonly [number, number, 1, number]>; readonly bias: Tensor<readonly [number]> };
}

/** Everything but the blocks. `cls_token` is present exactly when the config asks for it. */
export interface MwmaeCore {
  readonly patch_embed: PatchEmbed;
  readonly cls_token?: Tensor<readonly [1, 1, number]>;
  /** 2-D sin-cos table `[1, tokens, dim]`: fixed in the paper, an (updated) param in the official code. */
  readonly pos_embed: Tensor<readonly [1, number, number]>;
  readonly encoder_norm: LayerNorm;
  readonly decoder_embed: Dense;
  readonly mask_token: Tensor<readonly [1, 1, number]>;
  /** 1-D sin-cos table `[1, tokens, decoder dim]`, likewise. */
  readonly decoder_pos_embed: Tensor<readonly [1, number, number]>;
  readonly decoder_norm: LayerNorm;
  readonly decoder_pred: Dense;
}

/** The whole tree: core plus `encoder_block_NN` and `decoder_block_NN` entries. */
export type MwmaeParams = MwmaeCore & {
  readonly [block: `encoder_block_${string}`]: AttentionBlock;
} & {
  readonly [block: `decoder_block_${string}`]: AttentionBlock | WindowBlock;
};

/** The `i`-th encoder block (throws naming it when absent). */
export const encoderBlock = (p: MwmaeParams, i: number): AttentionBlock => {
  const b = p[blockName("encoder", i) as `encoder_block_${string}`];
  if (b === undefined) throw new RangeError(`params: no ${blockName("encoder", i)}`);
  return b;
};

/** The `i`-th decoder block (throws naming it when absent). */
export const decoderBlock = (p: MwmaeParams, i: number): AttentionBlock | WindowBlock => {
  const b = p[blockName("decoder", i) as `decoder_block_${string}`];
  if (b === undefined) throw new RangeError(`params: no ${blockName("decoder", i)}`);
  return b;
};

/**
 * Fresh parameters with the official initialisers: xavier-uniform for the patch conv and the blocks'
 * dense kernels, lecun-normal for `decoder_embed`/`decoder_pred` (Flax's `Dense` default), normal(0.02)
 * for the mask and class tokens, sin-cos tables, zeros/ones for biases and norms. Values are constants
 * fixed by the key; `realize` turns the tree into host tensors.
 * @example
 * const params = init(key(0), preset({ encoder: "tiny" }));
 */
export const init = (k: Key, cfg: MwmaeConfig): MwmaeParams => {
  const g = geometry(cfg);
  const { dim } = cfg.encoder;
  const dec = cfg.decoder.dim;
  const [kPatch, kCls, kMask, kEmbed, kPred, kEnc, kDec] = split(k, 7) as [Key, Key, Key, Key, Key, Key, Key];
  const encKeys = split(kEnc, cfg.encoder.depth);
  const decKeys = split(kDec, cfg.decoder.depth);
  const blocks: Record<string, AttentionBlock | WindowBlock> = {};
  encKeys.forEach((bk, i) => (blocks[blockName("encoder", i)] = initBlock(bk, { dim, mlpRatio: cfg.mlpRatio })));
  decKeys.forEach(
    (bk, i) =>
      (blocks[blockName("decoder", i)] =
        cfg.kind === "mwmae"
          ? initMwmhaBlock(bk, { dim: dec, mlpRatio: cfg.mlpRatio, windows: g.windows })
          : initBlock(bk, { dim: dec, mlpRatio: cfg.mlpRatio })),
  );
  const core: MwmaeCore = {
    patch_embed: {
      proj: { kernel: xavierUniform(kPatch, [cfg.patch.time, cfg.patch.freq, 1, dim] as const), bias: zeros([dim] as const) },
    },
    ...(cfg.useClsToken ? { cls_token: mul(normal(kCls, [1, 1, dim] as const), 0.02) } : {}),
    pos_embed: lift(encoderPositions(g.grid, dim, cfg.useClsToken)) as Tensor<readonly [1, number, number]>,
    encoder_norm: initLayerNorm(dim),
    decoder_embed: initDense(kEmbed, dim, dec, lecunNormal),
    mask_token: mul(normal(kMask, [1, 1, dec] as const), 0.02),
    decoder_pos_embed: lift(decoderPositions(g.patches, dec, cfg.useClsToken)) as Tensor<readonly [1, number, number]>,
    decoder_norm: initLayerNorm(dec),
    decoder_pred: initDense(kPred, dec, g.patchValues, lecunNormal),
  };
  return { ...core, ...blocks } as MwmaeParams;
};

/**
 * Host parameters from flat official paths (`params/…`; other collections are skipped), checked
 * against the config: a `Left` names the first missing, mis-shaped or unexpected parameter.
 */
export const loadParams = (cfg: MwmaeConfig, flat: Readonly<Record<string, HostTensor>>): E.Either<ParamError, HostParams> =>
  pipe(
    checkParams(cfg, treeFromFlat(flat)),
    E.map((tree) => tree as unknown as HostParams),
  );

/** A parameter tree of host tensors (what `realize(init(…))` and `loadParams` give). */
export type HostParams = { readonly [key: string]: HostTensor | HostParams };

/** Constant nodes for a host tree, to evaluate a model eagerly with `realize`. */
export const liftParams = (p: HostParams): MwmaeParams => mapLeaves(p, isHostTensor, (t) => lift(t)) as unknown as MwmaeParams;
