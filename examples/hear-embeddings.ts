/**
 * @file The HEAR API: load an official Flax checkpoint of a small MW-MAE, embed a WAV clip (scene and
 * timestamp embeddings), then fit the linear probe on synthetic labelled embeddings.
 * Run: `npx tsx examples/hear-embeddings.ts`.
 */

import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { decodeWav, fromData, getSceneEmbeddings, getTimestampEmbeddings, probeEmbeddings } from "mwmae-ts";
import { loadModel } from "mwmae-ts/node";

const golden = new URL("../test/golden/", import.meta.url).pathname;
const loaded = await loadModel(`${golden}tiny_hear.msgpack`, { config: `${golden}tiny_hear.config.json` })();
if (E.isLeft(loaded)) throw new Error(loaded.left.message);
const model = loaded.right; // model.sampleRate = 16000

const wav = decodeWav(readFileSync(`${golden}audio/hear_clip_3p3s.wav`), "hear_clip_3p3s.wav");
if (E.isLeft(wav)) throw new Error(wav.left.message);
const clip = wav.right.samples;

const scene = await getSceneEmbeddings([clip], model); // HostTensor [1, sceneEmbeddingSize]
const { embeddings, timestamps } = await getTimestampEmbeddings([clip], model); // [1, T, D], [1, T] in ms
console.log(`scene embedding: [${scene.shape.join(", ")}], timestamp embeddings: [${embeddings.shape.join(", ")}]`);
console.log(`first timestamps (ms): ${Array.from(timestamps.data.subarray(0, 3), (t) => t.toFixed(1)).join(", ")}`);

// The linear probe: a softmax classifier on standardised features, best validation epoch kept.
const labels = Array.from({ length: 120 }, (_, i) => i % 3);
const features = fromData(
  labels.flatMap((l, i) => [l * 4 + Math.sin(i), Math.cos(i * 7), l - 1 + Math.sin(i * 3) / 2]),
  [120, 3],
);
const probe = await probeEmbeddings(features, labels, { seed: 0 });
console.log(`linear probe test accuracy: ${probe.testAccuracy.toFixed(3)}`);
