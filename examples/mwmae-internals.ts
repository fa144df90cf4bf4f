/**
 * @file MAE internals, step by step: one log-mel through a small MW-MAE with the paper's geometry
 * (200×80 input, 4×16 patches, n = 250, decoder windows [2, 5, 10, 25, 50, 125, 0, 0]) and narrow
 * widths so it runs in a second. Each step prints its static type next to the shape it had at run time.
 * docs/mwmae.md quotes this output. Run: `npx tsx examples/mwmae-internals.ts`.
 */

import {
  constant,
  decoderBlock,
  decoderInput,
  embedPatches,
  gatherTokens,
  geometry,
  init,
  key,
  layerNormLayer,
  maskingNoise,
  mwmhaHeads,
  paramCount,
  preset,
  realize,
  split,
  sum,
  toFloat,
  typedModel,
  withShape,
  type Key,
  type MwmaeConfig,
  type Tensor,
} from "mwmae-ts";

// The paper's geometry with narrow widths: encoder 32 wide (2 heads, 1 block), decoder 16 wide, 8 heads.
const cfg: MwmaeConfig = { ...preset(), encoder: { dim: 32, depth: 1, heads: 2 }, decoder: { ...preset().decoder, dim: 16, depth: 1 } };
const g = geometry(cfg);
const [kParams, kNoise] = split(key(0), 2) as [Key, Key];
const params = init(kParams, cfg);
// Name the dims once (checked against the config at run time); every step below has literal types.
const model = typedModel(params, cfg, {
  frames: 200,
  mels: 80,
  patches: 250,
  patchValues: 64,
  keep: 50,
  latentTokens: 50,
  dim: 32,
  decoderDim: 16,
  featureFrames: 50,
  featureWidth: 160,
} as const);

// A made-up log-mel, one clip: a rising tone and its harmonic.
const values = Array.from({ length: 200 * 80 }, (_, i) => {
  const [t, m] = [Math.floor(i / 80), i % 80];
  const pitch = 10 + t / 8;
  return Math.exp(-((m - pitch) ** 2) / 4) + 0.5 * Math.exp(-((m - 2 * pitch) ** 2) / 4) - 0.5;
});
const x: Tensor<readonly [1, 200, 80]> = constant(values, [1, 200, 80] as const);

// 1. spectrogram → patches (time-major: patch (t, f) is token t·5 + f, 4·16 values each)
const patches: Tensor<readonly [1, 250, 64]> = model.patchify(x);
// 2. masking: noise → argsort → keep the 50 lowest-noise patches; mask is 1 on the 200 hidden ones
const noise: Tensor<readonly [1, 250]> = maskingNoise(kNoise, 1, 250);
const { idsKeep, idsRestore, mask } = model.mask(noise);
// 3. encoder: embed every patch (+ 2-D sin-cos), keep the visible ones, blocks, LayerNorm
const tokens = withShape([1, 250, 32] as const)(embedPatches(params, cfg)(x));
const visible = withShape([1, 50, 32] as const)(gatherTokens(tokens, idsKeep));
const latent: Tensor<readonly [1, 50, 32]> = model.encode(x, idsKeep);
// 4. decoder input: project to 16, a mask token at each hidden patch, original order, 1-D sin-cos
const decoderTokens = withShape([1, 250, 16] as const)(decoderInput(params, cfg)(latent, idsRestore));
// 5. MW-MHA: the first decoder block's heads, each attending within its own window
const block0 = decoderBlock(params, 0);
if (!("wmha_block" in block0)) throw new Error("an MW-MAE decoder block has MW-MHA");
const heads = withShape([1, 8, 250, 2] as const)(
  mwmhaHeads(block0.wmha_block, { windows: g.windows })(layerNormLayer(block0.LayerNorm_0)(decoderTokens)),
);
// 6. reconstruction and loss (mean squared error per patch, over the hidden patches only)
const pred: Tensor<readonly [1, 250, 64]> = model.decode(latent, idsRestore);
const reconstruction: Tensor<readonly [1, 200, 80]> = model.unpatchify(pred);
const loss: Tensor<readonly []> = model.loss(pred, patches, mask);
// 7. features for downstream tasks: no masking, one vector per time patch (5 frequency patches × 32)
const features: Tensor<readonly [1, 50, 160]> = model.features(x);

const host = await realize({
  patches,
  mask,
  hidden: sum(toFloat(mask)),
  idsKeep,
  tokens,
  visible,
  latent,
  decoderTokens,
  heads,
  pred,
  reconstruction,
  loss,
  features,
});
const type = (t: { readonly shape: ReadonlyArray<number>; readonly dtype: string }) => `${t.dtype}[${t.shape.join(",")}]`;
/** The static type, written out from the run-time shape (they agree: the annotations above compile). */
const staticType = (t: { readonly shape: ReadonlyArray<number> }) => `Tensor<readonly [${t.shape.join(", ")}]>`;
const step = (name: string, t: { readonly shape: ReadonlyArray<number>; readonly dtype: string }, note = "") =>
  console.log(`${name.padEnd(15)} ${staticType(t).padEnd(32)} ${type(t).padEnd(14)} ${note}`.trimEnd());

console.log(
  `MW-MAE: ${cfg.input.frames}×${cfg.input.mels} log-mel, ${cfg.patch.time}×${cfg.patch.freq} patches → ${g.grid[0]}×${g.grid[1]} grid, n = ${g.patches}, keep ${g.keep}`,
);
console.log(`parameters: ${paramCount(cfg).scalars} (${paramCount(cfg).tensors} tensors)`);
console.log("");
console.log(`${"step".padEnd(15)} ${"static type".padEnd(32)} ${"run time".padEnd(14)} note`);
step("spectrogram", { shape: x.shape, dtype: x.dtype });
step("patches", host.patches, `${g.patchValues} values per patch`);
step("mask", host.mask, `${host.hidden.data[0]} hidden, ${g.keep} visible`);
step("idsKeep", host.idsKeep, `first kept patches: ${Array.from(host.idsKeep.data.slice(0, 5)).join(", ")}, …`);
step("patch tokens", host.tokens, "linear patch embedding + 2-D sin-cos");
step("visible tokens", host.visible, "gathered by idsKeep");
step("latent", host.latent, "encoder blocks + LayerNorm");
step("decoder tokens", host.decoderTokens, "mask tokens in, order restored, 1-D sin-cos");
step("MW-MHA heads", host.heads, "[batch, head, token, head dim]");
g.windows.forEach((w, h) =>
  console.log(
    `  head ${h}: ${w === 0 ? "global, no bias" : `window ${String(w).padStart(3)}: ${g.patches / w} windows, bias table [${2 * w - 1}, 1]`}`,
  ),
);
step("prediction", host.pred, "decoder blocks + LayerNorm + linear");
step("reconstruction", host.reconstruction, "unpatchify(prediction)");
step("loss", host.loss, `masked MSE = ${host.loss.data[0]!.toFixed(4)}`);
step("features", host.features, `${g.grid[0]} frames × ${g.grid[1]}·${cfg.encoder.dim}`);
