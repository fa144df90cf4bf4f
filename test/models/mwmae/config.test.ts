import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import {
  decodeConfig,
  decodeOfficialConfig,
  geometry,
  keepCount,
  preset,
  showConfigError,
  type MwmaeConfig,
} from "../../../src/models/mwmae";

const officialOf = (name: string): unknown =>
  (JSON.parse(readFileSync(join(__dirname, "../../golden", name), "utf8")) as { config: unknown }).config;

const problemsOf = (json: unknown): string => {
  const r = decodeConfig("test")(json);
  if (E.isRight(r)) throw new Error("expected a rejected config");
  return showConfigError(r.left);
};

describe("MwmaeConfig", () => {
  it("gives the base configuration's geometry (DESIGN §2)", () => {
    const g = geometry(preset());
    expect(g).toMatchObject({ grid: [50, 5], patches: 250, patchValues: 64, keep: 50, tokens: 250 });
    expect(g.windows).toEqual([2, 5, 10, 25, 50, 125, 0, 0]);
  });

  it("keeps int(n·(100 − 100·ratio)/100) patches, not int(n·(1 − ratio))", () => {
    expect(keepCount(250, 0.8)).toBe(50);
    expect(Math.trunc(250 * (1 - 0.8))).toBe(49); // the rounding the official code avoids
    expect(keepCount(16, 0.75)).toBe(4);
  });

  it("builds every paper preset", () => {
    for (const encoder of ["tiny", "small", "medium", "base", "large", "huge"] as const) {
      for (const patch of ["4x16", "5x5", "8x16", "8x8", "4x8"] as const) {
        for (const kind of ["mwmae", "mae"] as const) {
          const cfg = preset({ encoder, patch, kind });
          expect(E.isRight(decodeConfig("preset")(cfg))).toBe(true);
        }
      }
    }
    expect(geometry(preset({ patch: "5x5" })).patches).toBe(640);
  });

  it("rejects bad fields with their path", () => {
    expect(problemsOf({ ...preset(), encoder: { dim: 768, depth: 0, heads: 12 } })).toMatch(/encoder.*depth/);
    expect(problemsOf({ ...preset(), kind: "vit" })).toMatch(/kind/);
  });

  it("rejects cross-field mistakes with the field and the reason", () => {
    const base = preset();
    expect(problemsOf({ ...base, decoder: { ...base.decoder, windows: [2, 5, 10, 25, 50, 125, 0, 3] } })).toContain(
      "decoder.windows[7]: window 3 does not divide the 250 patches",
    );
    expect(problemsOf({ ...base, decoder: { ...base.decoder, windows: [2, 5, 0] } })).toContain("decoder.windows: 3 entries for 8 heads");
    expect(problemsOf({ ...base, encoder: { dim: 768, depth: 12, heads: 7 } })).toContain("encoder.heads: 7 heads do not divide width 768");
    expect(problemsOf({ ...base, patch: { time: 3, freq: 16 } })).toContain("patch.time: 3 does not tile the 200 frames of the input");
    expect(problemsOf({ ...base, maskRatio: 1 })).toContain("maskRatio: 1 is outside (0, 1)");
    expect(problemsOf({ ...base, kind: "mae", decoder: { ...base.decoder, windows: [2, 0, 0, 0, 0, 0, 0, 0] } })).toContain(
      "decoder.windows: the plain MAE has only global heads",
    );
    expect(problemsOf({ ...base, useClsToken: true })).toMatch(/useClsToken: MW-MAE's window heads/);
    expect(problemsOf({ ...base, maskRatio: 0.999 })).toContain("maskRatio: 0.999 leaves no visible patch out of 250");
  });
});

describe("decodeOfficialConfig", () => {
  const decode = (name: string): MwmaeConfig => {
    const r = decodeOfficialConfig(name)(officialOf(name));
    if (E.isLeft(r)) throw new Error(showConfigError(r.left));
    return r.right;
  };

  it("reads the tiny MW-MAE's keyword arguments", () => {
    const cfg = decode("tiny_mwmae.json");
    expect(cfg).toEqual({
      kind: "mwmae",
      input: { frames: 16, mels: 16 },
      patch: { time: 4, freq: 4 },
      encoder: { dim: 32, depth: 2, heads: 2 },
      decoder: { dim: 16, depth: 2, heads: 4, windows: [2, 4, 8, 0] },
      mlpRatio: 4,
      maskRatio: 0.75,
      useClsToken: false,
    });
  });

  it("refuses, by name, the official options the paper's models leave off", () => {
    const base = officialOf("tiny_mwmae.json") as Record<string, unknown>;
    const refused = (extra: Record<string, unknown>): string => {
      const r = decodeOfficialConfig("x.json")({ ...base, ...extra });
      return E.isLeft(r) ? showConfigError(r.left) : "accepted";
    };
    expect(refused({ window_sizes: [2, 4] })).toMatch(/window_sizes: encoder windows are not implemented/);
    expect(refused({ shifting_windows: true })).toMatch(/shifting_windows: shifted windows are not implemented/);
    expect(refused({ norm_pix_loss: true })).toMatch(/norm_pix_loss: the normalised-pixel loss is not implemented/);
    expect(refused({ window_sizes: 0, shifting_windows: false, norm_pix_loss: false })).toBe("accepted");
  });

  it("reads the plain MAE with a class token, and the HEAR model", () => {
    expect(decode("tiny_mae_cls.json")).toMatchObject({ kind: "mae", useClsToken: true, decoder: { heads: 2 } });
    expect(geometry(decode("hear_embed.json"))).toMatchObject({ grid: [50, 5], windows: [2, 5, 25, 0] });
  });

  it("reads the standalone *.config.json files as the configs inside the golden files", () => {
    const file = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, "../../golden", name), "utf8"));
    expect(decodeOfficialConfig("tiny_mwmae.config.json")(file("tiny_mwmae.config.json"))).toEqual(E.right(decode("tiny_mwmae.json")));
    expect(decodeOfficialConfig("tiny_mae_cls.config.json")(file("tiny_mae_cls.config.json"))).toEqual(
      E.right(decode("tiny_mae_cls.json")),
    );
    expect(decodeOfficialConfig("tiny_hear.config.json")(file("tiny_hear.config.json"))).toEqual(E.right(decode("hear_embed.json")));
  });

  it("rejects options it does not implement, and inconsistent derived fields", () => {
    const tiny = officialOf("tiny_mwmae.json") as Record<string, unknown>;
    const left = (json: unknown): string => {
      const r = decodeOfficialConfig("x")(json);
      return E.isLeft(r) ? showConfigError(r.left) : "accepted";
    };
    expect(left({ ...tiny, shifting_windows: true })).toMatch(/shifting_windows/);
    expect(left({ ...tiny, window_sizes: [2, 0] })).toMatch(/window_sizes: encoder windows/);
    expect(left({ ...tiny, num_patches: 17 })).toContain("num_patches: 17 but the grid has 16");
    expect(left({ ...tiny, decoder_window_sizes: [2, 3, 8, 0] })).toContain("decoder.windows[1]: window 3 does not divide the 16 patches");
  });
});
