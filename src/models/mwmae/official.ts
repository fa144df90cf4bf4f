/**
 * @file The official code's keyword-argument form of a model (`MWMAE(img_size=…, patch_size=…)`, as in
 * the `*.config.json` files of the golden data) decoded into `MwmaeConfig`. Options this project does
 * not implement (encoder windows, shifted windows, normalised-pixel loss, more than one channel) are
 * rejected by name rather than silently ignored; the redundant `grid_size` / `num_patches` must agree.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { configBounds, configError, decodeConfig, PositiveInt, reportConfigErrors, type ConfigError, type MwmaeConfig } from "./config.js";

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

/** Every keyword the official constructor takes. */
const officialKeys: ReadonlyArray<string> = [...Object.keys(OfficialConfig.types[0].props), ...Object.keys(OfficialConfig.types[1].props)];

/** Edit distance, for "did you mean" (keys are short). */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
};

/**
 * Keys the official constructor does not take, by name (it raises `TypeError: unexpected keyword
 * argument`; silently defaulting a misspelt `embed_dims` to 768 would train the wrong model).
 */
export const unknownOfficialKeys = (json: unknown): string[] => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return [];
  return Object.keys(json)
    .filter((k) => !officialKeys.includes(k))
    .map((k) => {
      const near = officialKeys.find((known) => distance(k, known) <= 2);
      return `${k}: not a keyword argument of the official constructor${near === undefined ? "" : ` (did you mean ${near}?)`}`;
    });
};

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
  // (An absurd head count is left to decodeConfig's bounds to report, not allocated here.)
  const windows = typeof ws === "number" ? new Array<number>(heads <= configBounds.heads ? heads : 0).fill(ws) : ws;
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
      unknownOfficialKeys(json),
      (unknown) => (unknown.length === 0 ? E.right(json) : E.left(configError(source, unknown))),
      E.chain((j) =>
        pipe(
          OfficialConfig.decode(j),
          E.mapLeft((errors) => configError(source, reportConfigErrors(errors))),
        ),
      ),
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
