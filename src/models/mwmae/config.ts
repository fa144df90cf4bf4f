/**
 * @file The model's configuration: one io-ts codec (`MwmaeConfig`), the cross-field facts checked right
 * after decoding (windows divide the patch count, heads divide widths, patches tile the input, the
 * mask ratio leaves something visible), and the derived geometry every other file uses (`geometry`).
 * Defaults are DESIGN.md §2's: 200×80 input, 4×16 patches, decoder 384/4/8, mask ratio 0.8.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { windowSizesAuto } from "../../nn/index.js";

/** An integer > 0 (a plain `number` once decoded, so presets and tests can spread configs freely). */
export const PositiveInt = new t.Type<number, number, unknown>(
  "PositiveInt",
  (u): u is number => typeof u === "number" && Number.isInteger(u) && u > 0,
  (u, c) => (typeof u === "number" && Number.isInteger(u) && u > 0 ? t.success(u) : t.failure(u, c)),
  (n) => n,
);

/** Window sizes per decoder head: `"auto"` (DESIGN §2's rule) or one entry per head, 0 = global. */
export const Windows = t.union([t.literal("auto"), t.array(t.number)]);
export type Windows = t.TypeOf<typeof Windows>;

/** io-ts codec of a model configuration; `decodeConfig` decodes with it and then checks the cross-field rules. */
export const MwmaeConfig = t.type({
  /** `mwmae`: multi-window decoder; `mae`: the plain MAE decoder (standard attention). */
  kind: t.union([t.literal("mwmae"), t.literal("mae")]),
  /** Log-mel crop: frames (time) × mel bins. */
  input: t.type({ frames: PositiveInt, mels: PositiveInt }),
  /** Patch size: frames × mel bins. */
  patch: t.type({ time: PositiveInt, freq: PositiveInt }),
  encoder: t.type({ dim: PositiveInt, depth: PositiveInt, heads: PositiveInt }),
  decoder: t.type({ dim: PositiveInt, depth: PositiveInt, heads: PositiveInt, windows: Windows }),
  mlpRatio: PositiveInt,
  /** Fraction of patches hidden from the encoder, in (0, 1). */
  maskRatio: t.number,
  /** Prepend a learned class token (the official `MAE` module's default). */
  useClsToken: t.boolean,
});
/** A model configuration: encoder and decoder sizes, input crop, patch size, mask ratio and decoder windows. */
export type MwmaeConfig = t.TypeOf<typeof MwmaeConfig>;

/** What was wrong with a configuration, and where it came from. */
export interface ConfigError {
  readonly source: string;
  /** One line per problem: `field.path: reason`. */
  readonly messages: ReadonlyArray<string>;
}
/** Builds a `ConfigError` from where the config came from (a file path, `"cli"`…) and one message per problem. */
export const configError = (source: string, messages: ReadonlyArray<string>): ConfigError => ({ source, messages });
/** A value for a message: short JSON, cut after 40 characters. */
const preview = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/**
 * One short line per io-ts error, field first: `embed_dim: expected PositiveInt, got -3` (io-ts's
 * PathReporter prints the whole codec, ~1.4 kB, with the field at the end). Member indices of unions
 * and intersections are left out of the path.
 * @example
 * pipe(MwmaeConfig.decode(json), E.mapLeft(reportConfigErrors)); // Left(["encoder/dim: expected PositiveInt, got 0"])
 */
export const reportConfigErrors = (errors: t.Errors): string[] => [
  ...new Set(
    errors.map((e) => {
      const keys = e.context.filter((entry, i) => {
        const parent = e.context[i - 1]?.type as { readonly _tag?: string } | undefined;
        return entry.key !== "" && parent?._tag !== "UnionType" && parent?._tag !== "IntersectionType";
      });
      const path = keys.map((entry) => entry.key).join(".") || "(root)";
      const type = e.context[e.context.length - 1]?.type as (t.Decoder<unknown, unknown> & { readonly _tag?: string }) | undefined;
      const name = type?.name ?? "a value";
      // A whole record's io-ts name spells out every field; say what it is instead.
      const expected =
        name.length <= 40
          ? name
          : type?._tag === "ArrayType"
            ? "a list"
            : type?._tag === "UnionType"
              ? `one of: ${name.slice(0, 30)}…`
              : "an object";
      return e.value === undefined ? `${path}: missing (expected ${expected})` : `${path}: expected ${expected}, got ${preview(e.value)}`;
    }),
  ),
];

/** A config error as one readable string. */
export const showConfigError = (e: ConfigError): string => `${e.source}: ${e.messages.join("; ")}`;

/** The shapes a config implies; every model function reads them from here. */
export interface Geometry {
  /** Patch grid: time patches × frequency patches. */
  readonly grid: readonly [number, number];
  /** Number of patches, n = grid[0]·grid[1]. */
  readonly patches: number;
  /** Values per patch (time·freq, one channel). */
  readonly patchValues: number;
  /** Patches the encoder sees: int(n·(100 − 100·ratio)/100), the official rounding. */
  readonly keep: number;
  /** Window per decoder head (0 = global); all 0 for the plain MAE. */
  readonly windows: ReadonlyArray<number>;
  /** Tokens including the class token, if any. */
  readonly tokens: number;
}

/**
 * `int(n·(100 − 100·ratio)/100)` as the official `random_masking` computes it: the ×100 avoids
 * `1 − 0.8 = 0.19999…` flooring 250·0.2 to 49. Computed in float64 like Python.
 */
export const keepCount = (n: number, ratio: number): number => Math.trunc((n * (100 - ratio * 100)) / 100);

/** Windows per head: explicit, or the auto rule; the plain MAE has only global heads. */
export const resolveWindows = (cfg: MwmaeConfig, patches: number): number[] =>
  cfg.kind === "mae"
    ? new Array<number>(cfg.decoder.heads).fill(0)
    : cfg.decoder.windows === "auto"
      ? [...windowSizesAuto(patches, cfg.decoder.heads)]
      : [...cfg.decoder.windows];

/** The derived shapes of a (checked) config. */
export const geometry = (cfg: MwmaeConfig): Geometry => {
  const grid = [Math.floor(cfg.input.frames / cfg.patch.time), Math.floor(cfg.input.mels / cfg.patch.freq)] as const;
  const patches = grid[0] * grid[1];
  return {
    grid,
    patches,
    patchValues: cfg.patch.time * cfg.patch.freq,
    keep: keepCount(patches, cfg.maskRatio),
    windows: resolveWindows(cfg, patches),
    tokens: patches + (cfg.useClsToken ? 1 : 0),
  };
};

/**
 * Upper bounds on a config's sizes, far beyond any real model (MW-MAE-huge is 1280/32/16 on 200×80):
 * they keep a typo such as a depth of 2^53 from looping or allocating without end before anything can
 * say the model is too large.
 */
export const configBounds = {
  dim: 65536,
  depth: 1024,
  heads: 1024,
  frames: 1 << 20,
  mels: 65536,
  patches: 1 << 20,
  mlpRatio: 1024,
} as const;

/** Fields beyond `configBounds`, as `path: reason` lines. */
const boundProblems = (cfg: MwmaeConfig): string[] => {
  const b = configBounds;
  const checks: Array<readonly [string, number, number]> = [
    ["input.frames", cfg.input.frames, b.frames],
    ["input.mels", cfg.input.mels, b.mels],
    ["encoder.dim", cfg.encoder.dim, b.dim],
    ["encoder.depth", cfg.encoder.depth, b.depth],
    ["encoder.heads", cfg.encoder.heads, b.heads],
    ["decoder.dim", cfg.decoder.dim, b.dim],
    ["decoder.depth", cfg.decoder.depth, b.depth],
    ["decoder.heads", cfg.decoder.heads, b.heads],
    ["mlpRatio", cfg.mlpRatio, b.mlpRatio],
  ];
  return checks.filter(([, v, max]) => v > max).map(([path, v, max]) => `${path}: ${v} exceeds the bound of ${max}`);
};

/** Every cross-field problem of a structurally valid config, as `path: reason` lines. */
export const configProblems = (cfg: MwmaeConfig): string[] => {
  const problems: string[] = boundProblems(cfg);
  if (problems.length > 0) return problems;
  const tiles = (field: "time" | "freq", size: number, what: string): void => {
    if (size % cfg.patch[field] !== 0) problems.push(`patch.${field}: ${cfg.patch[field]} does not tile the ${size} ${what} of the input`);
  };
  tiles("time", cfg.input.frames, "frames");
  tiles("freq", cfg.input.mels, "mel bins");
  const widths = (part: "encoder" | "decoder"): void => {
    const { dim, heads } = cfg[part];
    if (dim % heads !== 0) problems.push(`${part}.heads: ${heads} heads do not divide width ${dim}`);
  };
  widths("encoder");
  widths("decoder");
  // The 2-D sin-cos table splits the width in halves, each in sin and cos halves; the 1-D one in two.
  if (cfg.encoder.dim % 4 !== 0) problems.push(`encoder.dim: ${cfg.encoder.dim} is not a multiple of 4 (2-D sin-cos positions)`);
  if (cfg.decoder.dim % 2 !== 0) problems.push(`decoder.dim: ${cfg.decoder.dim} is not even (1-D sin-cos positions)`);
  if (!(cfg.maskRatio > 0 && cfg.maskRatio < 1)) problems.push(`maskRatio: ${cfg.maskRatio} is outside (0, 1)`);
  if (problems.length > 0) return problems;
  const n = (cfg.input.frames / cfg.patch.time) * (cfg.input.mels / cfg.patch.freq);
  if (n > configBounds.patches)
    return [`patch: ${n} patches exceed the bound of ${configBounds.patches} (larger patches or a smaller input)`];
  if (keepCount(n, cfg.maskRatio) < 1) problems.push(`maskRatio: ${cfg.maskRatio} leaves no visible patch out of ${n}`);
  if (cfg.kind === "mae" && cfg.decoder.windows !== "auto" && cfg.decoder.windows.some((w) => w !== 0)) {
    problems.push("decoder.windows: the plain MAE has only global heads (use kind mwmae for windows)");
  }
  if (cfg.kind === "mwmae" && cfg.useClsToken)
    problems.push("useClsToken: MW-MAE's window heads tile the n patches; a class token would straddle them");
  if (cfg.kind === "mwmae" && cfg.decoder.windows !== "auto") {
    const ws = cfg.decoder.windows;
    if (ws.length !== cfg.decoder.heads) problems.push(`decoder.windows: ${ws.length} entries for ${cfg.decoder.heads} heads`);
    ws.forEach((w, i) => {
      if (!Number.isInteger(w) || w < 0) problems.push(`decoder.windows[${i}]: ${w} is not a non-negative integer`);
      else if (w !== 0 && n % w !== 0) problems.push(`decoder.windows[${i}]: window ${w} does not divide the ${n} patches`);
    });
  }
  return problems;
};

/**
 * Decodes and checks a config; `source` names where it came from in errors.
 * @example
 * decodeConfig("cli")({ ...presets.base, maskRatio: 1.2 }); // Left: "maskRatio: 1.2 is outside (0, 1)"
 */
export const decodeConfig =
  (source: string) =>
  (json: unknown): E.Either<ConfigError, MwmaeConfig> =>
    pipe(
      MwmaeConfig.decode(json),
      E.mapLeft((errors) => configError(source, reportConfigErrors(errors))),
      E.chain((cfg) => {
        const problems = configProblems(cfg);
        return problems.length === 0 ? E.right(cfg) : E.left(configError(source, problems));
      }),
    );
