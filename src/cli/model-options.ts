/**
 * @file The model flags every command shares: a base configuration (`--preset`, or `--config FILE` in
 * this project's format, the official keyword-argument form, or a run folder's `run.json`), then
 * per-field overrides, the result decoded and checked by the model's codec. Bad values come back as
 * `UsageError`s naming the flag, or the config field and the reason.
 */

import { readFileSync, statSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import {
  decodeConfig,
  decodeOfficialConfig,
  encoderSizes,
  patchSizes,
  preset,
  showConfigError,
  type EncoderSize,
  type MwmaeConfig,
  type PatchPreset,
} from "../models/mwmae/index.js";
import { parseDecimalNumber, pathFlag, UsageError, type Options } from "./command.js";

/** parseArgs options for the model. */
export const modelOptions = {
  preset: { type: "string" },
  config: { type: "string" },
  kind: { type: "string" },
  input: { type: "string" },
  patch: { type: "string" },
  encoder: { type: "string" },
  decoder: { type: "string" },
  windows: { type: "string" },
  "mask-ratio": { type: "string" },
  "mlp-ratio": { type: "string" },
  "cls-token": { type: "string" },
} as const satisfies Options;

/** The `--help` lines for the model flags. */
export const modelUsage = [
  "model (a base, then overrides; the default base is mwmae-base-4x16):",
  "  --preset NAME          <mwmae|mae>-<tiny|small|medium|base|large|huge>-<4x16|5x5|8x16|8x8|4x8>, e.g. mwmae-base-4x16",
  "  --config FILE          JSON: this project's config, the official keyword arguments (model_class, img_size, …),",
  "                         or a run folder's run.json",
  "  --kind mwmae|mae       multi-window decoder, or the plain MAE",
  "  --input FRAMESxMELS    log-mel crop, e.g. 200x80",
  "  --patch TIMExFREQ      patch size, e.g. 4x16",
  "  --encoder SIZE|D/L/H   tiny…huge, or width/depth/heads, e.g. 64/2/4",
  "  --decoder D/L/H        decoder width/depth/heads, e.g. 384/4/8",
  "  --windows auto|LIST    window per decoder head, e.g. 2,5,10,25,50,125,0,0 (0 = global)",
  "  --mask-ratio R         fraction of patches hidden, in (0, 1)",
  "  --mlp-ratio N          MLP width / model width",
  "  --cls-token yes|no     prepend a class token (plain MAE only)",
];

type ModelFlags = { readonly [K in keyof typeof modelOptions]?: string };

const presetPattern = /^(mwmae|mae)-(tiny|small|medium|base|large|huge)-(4x16|5x5|8x16|8x8|4x8)$/;

/** A preset by name: `mwmae-base-4x16`; the plain MAE presets use the official class token. */
export const presetByName = (name: string): MwmaeConfig => {
  const m = presetPattern.exec(name);
  if (m === null) {
    throw new UsageError(
      `--preset: unknown preset "${name}" (expected <mwmae|mae>-<${Object.keys(encoderSizes).join("|")}>-<${Object.keys(patchSizes).join("|")}>)`,
    );
  }
  const kind = m[1] as MwmaeConfig["kind"];
  return preset({ kind, encoder: m[2] as EncoderSize, patch: m[3] as PatchPreset, useClsToken: kind === "mae" });
};

/** `AxB` as two positive integers. */
const pair = (flag: string, value: string): [number, number] => {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (m === null) throw new UsageError(`--${flag}: expected AxB with positive integers, got "${value}"`);
  return [Number(m[1]), Number(m[2])];
};

/** `D/L/H` as three positive integers. */
const triple = (flag: string, value: string): { dim: number; depth: number; heads: number } => {
  const m = /^(\d+)\/(\d+)\/(\d+)$/.exec(value);
  if (m === null) throw new UsageError(`--${flag}: expected width/depth/heads, e.g. 64/2/4, got "${value}"`);
  return { dim: Number(m[1]), depth: Number(m[2]), heads: Number(m[3]) };
};

const number = (flag: string, value: string): number => {
  const n = parseDecimalNumber(value);
  if (n === undefined) throw new UsageError(`--${flag}: expected a decimal number, got "${value}"`);
  return n;
};

/** The largest config file read (a run.json is a few kB). */
const maxConfigBytes = 1 << 20;

/**
 * A config file's model: official form (has `model_class`), a run's `run.json` (has `model`), or ours.
 * A file that cannot be read or is not JSON is a `Left` (exit 1); one whose values are wrong throws a
 * `UsageError` (exit 2, as the same value given as a flag would).
 */
export const readConfigFile = (path: string): E.Either<string, MwmaeConfig> => {
  let json: unknown;
  try {
    const bytes = statSync(path).size;
    if (bytes > maxConfigBytes) return E.left(`${path}: ${bytes} bytes, more than a config file's ${maxConfigBytes} (not a config?)`);
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return E.left(`${path}: cannot read a JSON config: ${e instanceof Error ? e.message : String(e)}`);
  }
  const record = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const decoded =
    "model_class" in record
      ? decodeOfficialConfig(path)(json)
      : "model" in record
        ? decodeConfig(`${path} (model)`)(record["model"])
        : decodeConfig(path)(json);
  if (E.isLeft(decoded)) throw new UsageError(`bad model config: ${showConfigError(decoded.left)}`);
  return decoded;
};

/** Applies the override flags to a base config (not yet checked). */
const override = (base: MwmaeConfig, f: ModelFlags): unknown => {
  const kind = f.kind === undefined ? base.kind : f.kind;
  if (kind !== "mwmae" && kind !== "mae") throw new UsageError(`--kind: expected mwmae or mae, got "${f.kind}"`);
  const [frames, mels] = f.input === undefined ? [base.input.frames, base.input.mels] : pair("input", f.input);
  const [time, freq] = f.patch === undefined ? [base.patch.time, base.patch.freq] : pair("patch", f.patch);
  const encoder =
    f.encoder === undefined
      ? base.encoder
      : f.encoder in encoderSizes
        ? { ...encoderSizes[f.encoder as EncoderSize] }
        : triple("encoder", f.encoder);
  const decoder = f.decoder === undefined ? base.decoder : { ...triple("decoder", f.decoder), windows: base.decoder.windows };
  const windows =
    f.windows === undefined
      ? // A new head count or patch grid invalidates explicit windows of the base: recompute them.
        f.decoder !== undefined || f.patch !== undefined || f.input !== undefined
        ? "auto"
        : decoder.windows
      : f.windows === "auto"
        ? "auto"
        : f.windows.split(",").map((w) => (w.trim() === "g" ? 0 : number("windows", w)));
  const cls = f["cls-token"];
  if (cls !== undefined && cls !== "yes" && cls !== "no") throw new UsageError(`--cls-token: expected yes or no, got "${cls}"`);
  return {
    kind,
    input: { frames, mels },
    patch: { time, freq },
    encoder,
    decoder: { ...decoder, windows },
    mlpRatio: f["mlp-ratio"] === undefined ? base.mlpRatio : number("mlp-ratio", f["mlp-ratio"]),
    maskRatio: f["mask-ratio"] === undefined ? base.maskRatio : number("mask-ratio", f["mask-ratio"]),
    useClsToken: cls === undefined ? (kind === "mwmae" ? false : base.useClsToken) : cls === "yes",
  };
};

/** Whether any model flag was given (a resumed run takes its model from the checkpoint instead). */
export const hasModelFlags = (f: ModelFlags): boolean => Object.keys(modelOptions).some((k) => f[k as keyof ModelFlags] !== undefined);

/**
 * The checked config the flags describe, and where it came from. Throws `UsageError` for bad flag
 * values and for configs that fail their checks (naming the field and the reason); a config file that
 * cannot be read is a `Left`.
 * @example
 * resolveModel({ preset: "mwmae-tiny-4x16", "mask-ratio": "0.75" }); // Right({ config, source: "mwmae-tiny-4x16 + flags" })
 */
export const resolveModel = (f: ModelFlags): E.Either<string, { readonly config: MwmaeConfig; readonly source: string }> => {
  if (f.preset !== undefined && f.config !== undefined) throw new UsageError("--preset and --config both give a base model; use one");
  pathFlag("config", f.config);
  let base: MwmaeConfig;
  let source: string;
  if (f.config !== undefined) {
    const read = readConfigFile(f.config);
    if (E.isLeft(read)) return read;
    base = read.right;
    source = f.config;
  } else {
    source = f.preset ?? "mwmae-base-4x16";
    base = presetByName(source);
  }
  const overridden = Object.keys(modelOptions).some((k) => k !== "preset" && k !== "config" && f[k as keyof ModelFlags] !== undefined);
  if (!overridden) return E.right({ config: base, source });
  const checked = decodeConfig(`${source} + flags`)(override(base, f));
  if (E.isLeft(checked)) throw new UsageError(`bad model config: ${showConfigError(checked.left)}`);
  return E.right({ config: checked.right, source: `${source} + flags` });
};
