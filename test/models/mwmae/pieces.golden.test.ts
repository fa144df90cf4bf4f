import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { flatten, isHostTensor, lift, realize, reshape, type Tensor } from "../../../src";
import { decodeFlaxMsgpack } from "../../../src/io/flax-msgpack";
import { decodeSafetensors } from "../../../src/io/safetensors";
import {
  checkParams,
  decodeOfficialConfig,
  decoderPositions,
  encoderPositions,
  geometry,
  loadParams,
  maskFromNoise,
  paramCount,
  paramShapes,
  patchify,
  preset,
  treeFromFlat,
  type MwmaeConfig,
} from "../../../src/models/mwmae";
import { ArrayRecord, GoldenArray, hostOf, maxAbsDiff, readGolden } from "../../support/golden";

const Tiny = t.type({
  config: t.unknown,
  input: GoldenArray,
  noise: GoldenArray,
  ids_restore: GoldenArray,
  mask: GoldenArray,
  target: GoldenArray,
  weights: ArrayRecord,
});
const tiny = readGolden("tiny_mwmae.json", Tiny);
const tinyCfg = E.getOrElseW(() => {
  throw new Error("config");
})(decodeOfficialConfig("tiny_mwmae.json")(tiny.config));

describe("patchify (tiny_mwmae.json target)", () => {
  it("gives the official patch order and values per patch exactly", async () => {
    const x = lift(hostOf(tiny.input));
    const spectrogram = reshape(x, [2, 16, 16]) as Tensor<readonly [2, number, number]>;
    const out = await realize(patchify(spectrogram, tinyCfg.patch));
    expect(out.shape).toEqual([2, 16, 16]);
    expect(maxAbsDiff(out.data, tiny.target.data)).toBe(0);
  });
});

describe("maskFromNoise (tiny_mwmae.json noise)", () => {
  it("gives the golden ids_restore and mask exactly", async () => {
    const m = maskFromNoise(lift(hostOf(tiny.noise)) as Tensor<readonly [2, 16]>, geometry(tinyCfg).keep);
    const out = await realize({ idsRestore: m.idsRestore, mask: m.mask, idsKeep: m.idsKeep });
    expect(Array.from(out.idsRestore.data)).toEqual(tiny.ids_restore.data);
    expect(Array.from(out.mask.data)).toEqual(tiny.mask.data);
    expect(out.idsKeep.shape).toEqual([2, 4]);
  });
});

describe("sin-cos positions (pos_embed_base.safetensors)", () => {
  const file = E.getOrElseW((e: { message: string }) => {
    throw new Error(e.message);
  })(decodeSafetensors(new Uint8Array(readFileSync(join(__dirname, "../../golden/pos_embed_base.safetensors"))), "pos_embed_base"));
  const g = geometry(preset());

  // float64/* is the same formula in float64, stored narrowed to f32: ours (f64, rounded once) must
  // match to float32 rounding of values in [−1, 1], i.e. 2⁻²⁴ ≈ 6e-8.
  it("matches the float64 formula to float32 rounding", () => {
    const enc = encoderPositions(g.grid, 768);
    const dec = decoderPositions(g.patches, 384);
    expect(enc.shape).toEqual([1, 250, 768]);
    expect(dec.shape).toEqual([1, 250, 384]);
    expect(maxAbsDiff(enc.data, file.tensors["float64/pos_embed"]!.data)).toBeLessThan(6e-8);
    expect(maxAbsDiff(dec.data, file.tensors["float64/decoder_pos_embed"]!.data)).toBeLessThan(6e-8);
  });

  // The official table multiplies position by ω in float32: the angle carries a relative error of
  // ~2⁻²³, which at angle ~250 is ~3e-5 absolute in sin/cos. Measured: ~1.5e-5.
  it("matches the official float32 table within its own float32 angle error (3e-5)", () => {
    expect(maxAbsDiff(encoderPositions(g.grid, 768).data, file.tensors["params/pos_embed"]!.data)).toBeLessThan(3e-5);
    expect(maxAbsDiff(decoderPositions(g.patches, 384).data, file.tensors["params/decoder_pos_embed"]!.data)).toBeLessThan(3e-5);
  });

  it("puts the frequency-patch index in the first half and the time index in the second", () => {
    const enc = encoderPositions([3, 2], 8).data; // rows t·2 + f
    const row = (t: number, f: number) => Array.from(enc.slice((t * 2 + f) * 8, (t * 2 + f + 1) * 8));
    expect(row(2, 1).slice(0, 4)).toEqual(row(0, 1).slice(0, 4)); // first half: f only
    expect(row(2, 1).slice(4)).toEqual(row(2, 0).slice(4)); // second half: t only
    expect(Array.from(encoderPositions([3, 2], 8, true).data.slice(0, 8))).toEqual(new Array(8).fill(0));
  });
});

const Names = t.record(
  t.string,
  t.type({ config: t.unknown, params: t.record(t.string, t.array(t.number)), num_param_tensors: t.number, num_param_scalars: t.number }),
);

describe("paramShapes (names_base.json)", () => {
  const names = readGolden("names_base.json", Names);
  for (const [model, entry] of Object.entries(names)) {
    it(`lists every official path and shape of ${model}, and its counts`, () => {
      const cfg: MwmaeConfig = E.getOrElseW(() => {
        throw new Error(model);
      })(decodeOfficialConfig(model)(entry.config));
      const ours = Object.fromEntries(paramShapes(cfg).map(([p, s]) => [`params/${p}`, [...s]]));
      expect(ours).toEqual(entry.params);
      expect(paramCount(cfg)).toMatchObject({ tensors: entry.num_param_tensors, scalars: entry.num_param_scalars });
    });
  }
});

describe("checkParams", () => {
  const tree = treeFromFlat(tiny.weights);
  it("accepts the golden weights for their config", () => {
    expect(E.isRight(checkParams(tinyCfg, tree))).toBe(true);
  });
  it("names the first missing or mis-shaped parameter", () => {
    const { mask_token: _, ...missing } = tree;
    expect(checkParams(tinyCfg, missing)).toEqual(E.left({ path: "mask_token", message: "missing parameter mask_token [1, 1, 16]" }));
    const other: MwmaeConfig = { ...tinyCfg, decoder: { ...tinyCfg.decoder, windows: [2, 4, 16, 0] } };
    expect(checkParams(other, tree)).toEqual(
      E.left({
        path: "decoder_block_00/wmha_block/attn_heads_2/relative_position_bias_table",
        message: "decoder_block_00/wmha_block/attn_heads_2/relative_position_bias_table has shape [15, 1], the config needs [31, 1]",
      }),
    );
  });
});

describe("loadParams from an official checkpoint (tiny_mwmae.msgpack)", () => {
  it("maps every Flax path onto the tree, with the golden values", () => {
    const bytes = new Uint8Array(readFileSync(join(__dirname, "../../golden/tiny_mwmae.msgpack")));
    const flat = decodeFlaxMsgpack(bytes, "tiny_mwmae.msgpack");
    if (E.isLeft(flat)) throw new Error(flat.left.message);
    const loaded = loadParams(tinyCfg, flat.right);
    if (E.isLeft(loaded)) throw new Error(loaded.left.message);
    const { leaves, paths } = flatten(loaded.right, isHostTensor);
    expect(paths.map((p) => `params/${p}`).sort()).toEqual(Object.keys(tiny.weights).sort());
    paths.forEach((p, i) => expect(Array.from(leaves[i]!.data), p).toEqual(tiny.weights[`params/${p}`]!.data));
  });
});
