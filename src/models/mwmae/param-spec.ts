/**
 * @file Every parameter a config implies, by its official Flax path (without the `params/` collection
 * prefix) and shape: the one table that parameter counts, checkpoint import and tree checks share.
 * The fixed sin-cos tables are listed because the official code keeps them in `params` (so they are in
 * checkpoints and in the official parameter counts); the relative-position *index* buffers are not,
 * being derived from the window sizes.
 */

import * as E from "fp-ts/lib/Either.js";
import { flatten, type PyTree } from "../../trace/index.js";
import { sameShape, size, type Shape } from "../../shape/index.js";
import { geometry, type MwmaeConfig } from "./config.js";

/** Official block names: `encoder_block_00`, `decoder_block_03` (two digits, like `{:02d}`). */
export const blockName = (part: "encoder" | "decoder", i: number): string => `${part}_block_${String(i).padStart(2, "0")}`;

const dense = (path: string, fanIn: number, fanOut: number): Array<[string, Shape]> => [
  [`${path}/kernel`, [fanIn, fanOut]],
  [`${path}/bias`, [fanOut]],
];
const norm = (path: string, d: number): Array<[string, Shape]> => [
  [`${path}/scale`, [d]],
  [`${path}/bias`, [d]],
];
const mlp = (path: string, d: number, ratio: number): Array<[string, Shape]> => [
  ...dense(`${path}/Dense_0`, d, d * ratio),
  ...dense(`${path}/Dense_1`, d * ratio, d),
];
/** A pre-norm block with standard attention (`Block`): qkv as `Dense_0`, projection as `Dense_1`. */
const block = (path: string, d: number, ratio: number): Array<[string, Shape]> => [
  ...norm(`${path}/LayerNorm_0`, d),
  ...dense(`${path}/Attention_0/Dense_0`, d, 3 * d),
  ...dense(`${path}/Attention_0/Dense_1`, d, d),
  ...norm(`${path}/LayerNorm_1`, d),
  ...mlp(`${path}/Mlp_0`, d, ratio),
];
/** A pre-norm block with multi-window attention (`MWMHABlock`): one bias table per window head. */
const windowBlock = (path: string, d: number, ratio: number, windows: ReadonlyArray<number>): Array<[string, Shape]> => [
  ...norm(`${path}/LayerNorm_0`, d),
  ...dense(`${path}/wmha_block/qkv`, d, 3 * d),
  ...windows.flatMap(
    (w, i): Array<[string, Shape]> =>
      w === 0 ? [] : [[`${path}/wmha_block/attn_heads_${i}/relative_position_bias_table`, [2 * w - 1, 1]]],
  ),
  ...dense(`${path}/wmha_block/proj`, d, d),
  ...norm(`${path}/LayerNorm_1`, d),
  ...mlp(`${path}/Mlp_0`, d, ratio),
];

/**
 * `[path, shape]` of every parameter, in the official module order.
 * @example
 * paramShapes(preset()).length; // 229 tensors for MW-MAE-base
 */
export const paramShapes = (cfg: MwmaeConfig): Array<readonly [string, Shape]> => {
  const g = geometry(cfg);
  const { dim, depth } = cfg.encoder;
  const dec = cfg.decoder.dim;
  const windowed = cfg.kind === "mwmae";
  return [
    [`patch_embed/proj/kernel`, [cfg.patch.time, cfg.patch.freq, 1, dim]],
    [`patch_embed/proj/bias`, [dim]],
    ...(cfg.useClsToken ? [["cls_token", [1, 1, dim]] as [string, Shape]] : []),
    ["pos_embed", [1, g.tokens, dim]],
    ...Array.from({ length: depth }, (_, i) => block(blockName("encoder", i), dim, cfg.mlpRatio)).flat(),
    ...norm("encoder_norm", dim),
    ...dense("decoder_embed", dim, dec),
    ["mask_token", [1, 1, dec]],
    ["decoder_pos_embed", [1, g.tokens, dec]],
    ...Array.from({ length: cfg.decoder.depth }, (_, i) =>
      windowed ? windowBlock(blockName("decoder", i), dec, cfg.mlpRatio, g.windows) : block(blockName("decoder", i), dec, cfg.mlpRatio),
    ).flat(),
    ...norm("decoder_norm", dec),
    ...dense("decoder_pred", dec, g.patchValues),
  ];
};

/** The sin-cos tables: fixed by the paper, but official `params` (see docs/mwmae.md). */
export const positionTables: ReadonlyArray<string> = ["pos_embed", "decoder_pos_embed"];

/**
 * Parameter tensors and scalars, the sin-cos tables included as in the official counts, and how many
 * of the scalars those tables hold.
 */
export const paramCount = (cfg: MwmaeConfig): { readonly tensors: number; readonly scalars: number; readonly positionScalars: number } => {
  const shapes = paramShapes(cfg);
  const scalars = (keep: (path: string) => boolean) => shapes.reduce((acc, [p, s]) => acc + (keep(p) ? size(s) : 0), 0);
  return { tensors: shapes.length, scalars: scalars(() => true), positionScalars: scalars((p) => positionTables.includes(p)) };
};

/** Why a parameter tree does not fit a config: the first parameter at fault. */
export interface ParamError {
  readonly path: string;
  readonly message: string;
}

const isShaped = (x: unknown): x is { readonly shape: Shape } =>
  typeof x === "object" && x !== null && Array.isArray((x as { shape?: unknown }).shape);

/**
 * Checks a tree (of host tensors, tensors or specs) against the config: every expected parameter is
 * present with its shape and data type (f32), and nothing else is there. Names the first missing, mis-shaped or unexpected
 * parameter.
 */
export const checkParams = <T>(cfg: MwmaeConfig, tree: T): E.Either<ParamError, T> => {
  const { leaves, paths } = flatten(tree as PyTree<unknown>, isShaped);
  const got = new Map(paths.map((p, i) => [p, leaves[i]!.shape] as const));
  for (const [path, shape] of paramShapes(cfg)) {
    const s = got.get(path);
    if (s === undefined) return E.left({ path, message: `missing parameter ${path} [${shape.join(", ")}]` });
    if (!sameShape(s, shape))
      return E.left({ path, message: `${path} has shape [${s.join(", ")}], the config needs [${shape.join(", ")}]` });
    // A float tensor relabelled as integers has the right shape; catch it here, not as a matmul error per clip.
    // (Float dtypes go by several names: f32, float32, float64, bfloat16.)
    const dtype = (leaves[paths.indexOf(path)] as { readonly dtype?: unknown }).dtype;
    if (typeof dtype === "string" && !/^(f|bf)/i.test(dtype)) return E.left({ path, message: `${path} is ${dtype}, the config needs f32` });
    got.delete(path);
  }
  const extra = [...got.keys()][0];
  return extra === undefined ? E.right(tree) : E.left({ path: extra, message: `unexpected parameter ${extra} for this config` });
};

/**
 * A nested tree from flat official paths (`params/encoder_norm/scale` or `encoder_norm/scale`): the
 * `params/` collection prefix is dropped and other collections (`buffers/…`) are skipped.
 */
export const treeFromFlat = <L>(flat: Readonly<Record<string, L>>): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const [full, leaf] of Object.entries(flat)) {
    const parts = full.split("/");
    if (parts[0] === "params") parts.shift();
    else if (parts[0] === "buffers" || parts[0] === "batch_stats") continue;
    let node = root;
    for (const p of parts.slice(0, -1)) {
      node[p] ??= {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = leaf;
  }
  return root;
};
