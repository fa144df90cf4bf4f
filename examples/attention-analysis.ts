/**
 * @file The MW-MAE paper's analyses on a small model: attention entropy and mean attention distance
 * per head of the encoder and the decoder, and PWCCA / linear CKA between encoder layers, on one clip.
 * Run: `npx tsx examples/attention-analysis.ts`.
 */

import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { analyzeModel, compareLayers, decodeWav } from "mwmae-ts";
import { loadModel } from "mwmae-ts/node";

const golden = new URL("../test/golden/", import.meta.url).pathname;
const loaded = await loadModel(`${golden}tiny_hear.msgpack`, { config: `${golden}tiny_hear.config.json` })();
if (E.isLeft(loaded)) throw new Error(loaded.left.message);
const model = loaded.right; // 200×80 input, 4×16 patches: a 50×5 grid, n = 250; decoder windows [2, 5, 25, 0]

const wav = decodeWav(readFileSync(`${golden}audio/hear_clip_3p3s.wav`), "hear_clip_3p3s.wav");
if (E.isLeft(wav)) throw new Error(wav.left.message);
const clip = wav.right.samples;

// Standardised log-mel of the clip, then its first whole chunk of 200 frames (2 s): [1, 200, 80].
const logmel = await model.frontEnd({ shape: [1, clip.length], dtype: "f32", data: clip });
const { frames, mels } = model.config.input;
const chunks = { shape: [1, frames, mels], dtype: "f32", data: logmel.data.subarray(0, frames * mels) } as const;

// Per layer and head: entropy (nats) and mean distance (tokens; also time/frequency patches, ms, mel bins).
const analysis = await analyzeModel(model, chunks, { seed: 0 });
for (const h of analysis.heads) {
  const label = `${h.part} ${h.layer}.${h.head} ${h.window === 0 ? "global" : `w=${h.window}`}`;
  console.log(
    `${label.padEnd(20)} entropy ${h.entropy.toFixed(3)} nats, distance ${h.distance.toFixed(2)} tokens (${h.distanceMs.toFixed(0)} ms)`,
  );
}
const windowHeads = analysis.heads.filter((h) => h.window > 0);
if (windowHeads.every((h) => h.distance < h.window)) console.log("every window head attends over less than its window");

// Encoder layers against each other: [layers][layers] of PWCCA and linear CKA over 250 patch tokens.
const similarity = compareLayers(analysis.representations, analysis.representations);
console.log(`PWCCA layer 0 vs 1: ${similarity.pwcca[0]![1]!.toFixed(3)}, CKA: ${similarity.cka[0]![1]!.toFixed(3)}`);
