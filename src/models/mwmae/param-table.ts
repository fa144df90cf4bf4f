/**
 * @file Parameter counts of the paper's configurations (encoders tiny…huge, 4×16 and 5×5 patches,
 * decoder 384/4/8): MW-MAE with auto windows and the plain MAE with its official class token, as the
 * markdown table docs/mwmae.md shows (a test checks that the docs hold exactly this table).
 */

import { paramCount } from "./param-spec.js";
import { encoderSizes, preset, type EncoderSize, type PatchPreset } from "./presets.js";

/** Parameter counts of one encoder size and patch size, for MW-MAE and for the plain MAE. */
export interface ParamRow {
  readonly encoder: EncoderSize;
  readonly patch: PatchPreset;
  /** All official `params` scalars (sin-cos tables included). */
  readonly mwmae: number;
  /** The same count for the plain MAE decoder with a class token. */
  readonly mae: number;
  /** The same without the two sin-cos tables. */
  readonly mwmaeWithoutTables: number;
  /** The plain MAE count without the two sin-cos tables. */
  readonly maeWithoutTables: number;
}

/** One row per encoder size and patch size. */
export const paramTable = (patches: ReadonlyArray<PatchPreset> = ["4x16", "5x5"]): ParamRow[] =>
  patches.flatMap((patch) =>
    (Object.keys(encoderSizes) as EncoderSize[]).map((encoder) => {
      const mw = paramCount(preset({ encoder, patch }));
      const mae = paramCount(preset({ encoder, patch, kind: "mae", useClsToken: true }));
      return {
        encoder,
        patch,
        mwmae: mw.scalars,
        mae: mae.scalars,
        mwmaeWithoutTables: mw.scalars - mw.positionScalars,
        maeWithoutTables: mae.scalars - mae.positionScalars,
      };
    }),
  );

const grouped = (n: number): string => n.toLocaleString("en-US");

/** The table as markdown. */
export const formatParamTable = (rows: ReadonlyArray<ParamRow> = paramTable()): string =>
  [
    "| encoder | patch | MW-MAE | MAE | MW-MAE − MAE | MW-MAE without sin-cos tables | MAE without sin-cos tables |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.encoder} | ${r.patch} | ${grouped(r.mwmae)} | ${grouped(r.mae)} | ${grouped(r.mwmae - r.mae)} | ${grouped(r.mwmaeWithoutTables)} | ${grouped(r.maeWithoutTables)} |`,
    ),
  ].join("\n");
