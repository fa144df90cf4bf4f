import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isHostTensor, realize, type HostTensor } from "../../../src";
import { key } from "../../../src/random";
import { flatten } from "../../../src/trace";
import {
  checkParams,
  decoderPositions,
  dimsOf,
  encoderPositions,
  formatParamTable,
  geometry,
  init,
  liftParams,
  loadParams,
  paramShapes,
  paramTable,
  typedModel,
  type MwmaeConfig,
} from "../../../src/models/mwmae";

const tiny: MwmaeConfig = {
  kind: "mwmae",
  input: { frames: 16, mels: 16 },
  patch: { time: 4, freq: 4 },
  encoder: { dim: 32, depth: 2, heads: 2 },
  decoder: { dim: 16, depth: 2, heads: 4, windows: [2, 4, 8, 0] },
  mlpRatio: 4,
  maskRatio: 0.75,
  useClsToken: false,
};

describe("init", () => {
  it("builds exactly the official parameter paths and shapes", async () => {
    for (const cfg of [tiny, { ...tiny, kind: "mae" as const, useClsToken: true }]) {
      const host = await realize(init(key(0), cfg));
      expect(E.isRight(checkParams(cfg, host))).toBe(true);
      const { paths } = flatten(host, isHostTensor);
      expect(paths.sort()).toEqual(
        paramShapes(cfg)
          .map(([p]) => p)
          .sort(),
      );
    }
  });

  it("uses the sin-cos tables, unit norms, zero biases and small tokens", async () => {
    const host = (await realize(init(key(1), tiny))) as unknown as Record<string, HostTensor & Record<string, never>>;
    const flat = flatten(host, isHostTensor);
    const at = (path: string): HostTensor => flat.leaves[flat.paths.indexOf(path)]!;
    const g = geometry(tiny);
    expect(Array.from(at("pos_embed").data)).toEqual(Array.from(encoderPositions(g.grid, 32).data));
    expect(Array.from(at("decoder_pos_embed").data)).toEqual(Array.from(decoderPositions(g.patches, 16).data));
    expect(Array.from(at("encoder_norm/scale").data).every((v) => v === 1)).toBe(true);
    expect(Array.from(at("decoder_pred/bias").data).every((v) => v === 0)).toBe(true);
    const mask = Array.from(at("mask_token").data);
    expect(Math.max(...mask.map(Math.abs))).toBeLessThan(0.1); // normal(0.02): 16 draws stay within 5σ
    expect(mask.some((v) => v !== 0)).toBe(true);
    const again = await realize(init(key(1), tiny));
    expect(again).toEqual(host); // a key fixes every value
  });

  it("round-trips through flat official paths, and names what is wrong", async () => {
    const host = await realize(init(key(2), tiny));
    const { leaves, paths } = flatten(host, isHostTensor);
    const flat = Object.fromEntries(paths.map((p, i) => [`params/${p}`, leaves[i]!]));
    expect(
      E.isRight(loadParams(tiny, { ...flat, "buffers/decoder_block_00/wmha_block/attn_heads_0/relative_position_index": leaves[0]! })),
    ).toBe(true);
    const { ["params/encoder_block_01/Mlp_0/Dense_1/kernel"]: _, ...missing } = flat;
    expect(loadParams(tiny, missing)).toEqual(
      E.left({
        path: "encoder_block_01/Mlp_0/Dense_1/kernel",
        message: "missing parameter encoder_block_01/Mlp_0/Dense_1/kernel [128, 32]",
      }),
    );
    expect(loadParams(tiny, { ...flat, "params/extra/kernel": leaves[0]! })).toMatchObject(E.left({ path: "extra/kernel" }));
    const lifted = liftParams(host);
    expect(E.isRight(checkParams(tiny, lifted))).toBe(true);
    expect(lifted.mask_token.op).toBe("constant");
  });
});

describe("parameter counts", () => {
  it("pins the paper configurations (MW-MAE-base 4×16 = names_base.json's 92,814,576)", () => {
    const rows = paramTable();
    const row = (encoder: string, patch: string) => rows.find((r) => r.encoder === encoder && r.patch === patch)!;
    expect(row("base", "4x16")).toMatchObject({ mwmae: 92_814_576, mae: 92_814_784 });
    expect(row("tiny", "4x16")).toMatchObject({ mwmae: 12_694_704, mae: 12_693_760 });
    expect(row("huge", "4x16")).toMatchObject({ mwmae: 637_797_104, mae: 637_798_336 });
    expect(row("tiny", "5x5")).toMatchObject({ mwmae: 12_899_589, mae: 12_895_897 });
    expect(row("huge", "5x5")).toMatchObject({ mwmae: 638_383_877, mae: 638_382_361 });
    expect(rows).toHaveLength(12);
  });

  it("docs/mwmae.md shows the table the code computes", () => {
    const docs = readFileSync(join(__dirname, "../../../docs/mwmae.md"), "utf8");
    expect(docs).toContain(formatParamTable());
  });
});

describe("typedModel", () => {
  it("names the first dim that disagrees with the config", () => {
    const dims = {
      frames: 16,
      mels: 16,
      patches: 16,
      patchValues: 16,
      keep: 4,
      latentTokens: 4,
      dim: 32,
      decoderDim: 16,
      featureFrames: 4,
      featureWidth: 128,
    } as const;
    expect(dimsOf(tiny)).toEqual(dims);
    const params = init(key(3), tiny);
    expect(typedModel(params, tiny, dims).dims).toBe(dims);
    expect(() => typedModel(params, tiny, { ...dims, keep: 5 })).toThrow("typedModel: dims.keep is 5, the config gives 4");
  });
});
