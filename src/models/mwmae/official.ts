/**
 * @file The official code's keyword-argument form of a model (`MWMAE(img_size=…, patch_size=…)`, as in
 * the `*.config.json` files of the golden data) decoded into `MwmaeConfig`. Options this project does
 * not implement (encoder windows, shifted windows, normalised-pixel loss, more than one channel) are
 * rejected by name rather than silently ignored; the redundant `grid_size` / `num_patches` must agree.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { configError, decodeConfig, PositiveInt, type ConfigError, type MwmaeConfig } from "./config.js";

const Pair = t.tuple([PositiveInt, PositiveInt]);
/** 0 (no windows), one window for every head, or a list. */
const OfficialWindows = t.union([t.number, t.array(t.number)]);

/** The official constructor arguments; absent fields take the official `MAEBase` defaults. */
export const OfficialConfig = t.intersection([
  t.type({ model_class: t.union([t.literal("MWMAE"), t.literal("MAE")]) }),
  t.partial({
    img_size: Pair,
    patch_size: Pair,
    in_chans: PositiveInt,
    embed_dim: PositiveInt,
    depth: PositiveInt,
    num_heads: PositiveInt,
    decoder_embed_dim: PositiveInt,
    decoder_depth: PositiveInt,
    decoder_num_heads: PositiveInt,
    mlp_ratio: PositiveInt,
    mask_ratio: t.number,
    use_cls_token: t.boolean,
    window_sizes: OfficialWindows,
    decoder_window_sizes: OfficialWindows,
    shifting_windows: t.boolean,
    norm_pix_loss: t.boolean,
    grid_size: Pair,
    num_patches: PositiveInt,
  }),
]);
export type OfficialConfig = t.TypeOf<typeof OfficialConfig>;

const unsupported = (o: OfficialConfig): string[] => [
  ...(o.in_chans !== undefined && o.in_chans !== 1 ? [`in_chans: ${o.in_chans} channels; log-mels have 1`] : []),
  ...(o.window_sizes !== undefined && o.window_sizes !== 0
    ? ["window_sizes: encoder windows are not implemented (the paper's models use 0)"]
    : []),
  ...(o.shifting_windows === true ? ["shifting_windows: shifted windows are not implemented (the paper's models use false)"] : []),
  ...(o.norm_pix_loss === true ? ["norm_pix_loss: the normalised-pixel loss is not implemented (the paper's models use false)"] : []),
];

const derivedAgree = (o: OfficialConfig, cfg: MwmaeConfig): string[] => {
  const grid = [cfg.input.frames / cfg.patch.time, cfg.input.mels / cfg.patch.freq];
  return [
    ...(o.grid_size !== undefined && (o.grid_size[0] !== grid[0] || o.grid_size[1] !== grid[1])
      ? [`grid_size: [${o.grid_size.join(", ")}] but img_size / patch_size give [${grid.join(", ")}]`]
      : []),
    ...(o.num_patches !== undefined && o.num_patches !== grid[0]! * grid[1]!
      ? [`num_patches: ${o.num_patches} but the grid has ${grid[0]! * grid[1]!}`]
      : []),
  ];
};

/** `MwmaeConfig` fields from the official ones (official defaults for absent fields). */
const toConfig = (o: OfficialConfig): unknown => {
  const heads = o.decoder_num_heads ?? 8;
  const ws = o.decoder_window_sizes ?? 0;
  // Official semantics: a bare int is one window for every head; 0 everywhere means a plain MHA block.
  const windows = typeof ws === "number" ? new Array<number>(heads).fill(ws) : ws;
  const [frames, mels] = o.img_size ?? [200, 80];
  const [time, freq] = o.patch_size ?? [4, 16];
  return {
    kind: o.model_class === "MAE" || windows.every((w) => w === 0) ? "mae" : "mwmae",
    input: { frames, mels },
    patch: { time, freq },
    encoder: { dim: o.embed_dim ?? 768, depth: o.depth ?? 12, heads: o.num_heads ?? 12 },
    decoder: { dim: o.decoder_embed_dim ?? 384, depth: o.decoder_depth ?? 4, heads, windows },
    mlpRatio: o.mlp_ratio ?? 4,
    maskRatio: o.mask_ratio ?? 0.8,
    useClsToken: o.use_cls_token ?? o.model_class === "MAE",
  };
};

/**
 * Decodes the official keyword-argument form into a checked `MwmaeConfig`.
 * @example
 * decodeOfficialConfig("tiny_mwmae.config.json")(JSON.parse(text)); // Right({ kind: "mwmae", … })
 */
export const decodeOfficialConfig =
  (source: string) =>
  (json: unknown): E.Either<ConfigError, MwmaeConfig> =>
    pipe(
      OfficialConfig.decode(json),
      E.mapLeft((errors) => configError(source, PathReporter.report(E.left(errors)))),
      E.chain((o) => {
        const problems = unsupported(o);
        return problems.length === 0 ? E.right(o) : E.left(configError(source, problems));
      }),
      E.chain((o) =>
        pipe(
          decodeConfig(source)(toConfig(o)),
          E.chain((cfg) => {
            const problems = derivedAgree(o, cfg);
            return problems.length === 0 ? E.right(cfg) : E.left(configError(source, problems));
          }),
        ),
      ),
    );
