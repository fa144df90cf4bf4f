/**
 * @file A tiny pre-training setup for the train and CLI tests: 16×16 log-mels in 4×4 patches (n = 16),
 * encoder 16/1/2, MW-MAE decoder 16/1/4 (windows 2, 4, 8, global), a pool of five 0.3 s synthetic clips
 * (so a few steps of three crops wrap around several epochs). One step takes milliseconds.
 */

import { rmSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { isHostTensor, type HostTensor } from "../../src/ir";
import type { MwmaeConfig } from "../../src/models/mwmae";
import { flatten } from "../../src/trace";
import { makeProgress, trainDefaults, type RunSetup } from "../../src/train";

export const tinyModel: MwmaeConfig = {
  kind: "mwmae",
  input: { frames: 16, mels: 16 },
  patch: { time: 4, freq: 4 },
  encoder: { dim: 16, depth: 1, heads: 2 },
  decoder: { dim: 16, depth: 1, heads: 4, windows: "auto" },
  mlpRatio: 2,
  maskRatio: 0.75,
  useClsToken: false,
};

/** The CLI flags that give `tinyModel`. */
export const tinyModelFlags = [
  "--input",
  "16x16",
  "--patch",
  "4x4",
  "--encoder",
  "16/1/2",
  "--decoder",
  "16/1/4",
  "--mlp-ratio",
  "2",
  "--mask-ratio",
  "0.75",
];

export const tinySetup = (steps: number, checkpointEvery = 100): RunSetup => ({
  model: tinyModel,
  // A large rate, so that every step visibly moves the parameters.
  train: { ...trainDefaults, steps, batch: 3, baseLr: 0.5, warmupSteps: Math.min(2, steps - 1), checkpointEvery },
  data: { kind: "synth", clips: 5, seconds: 0.3, seed: 3 },
});

export const quiet = makeProgress("none");

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Unwraps a `Right`, failing the test with the `Left`'s message otherwise. */
export const right = <A>(e: E.Either<string, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left);
  return e.right;
};

/** Every leaf of a host tree by path, as raw bytes (for bit-exact comparison). */
export const leafBytes = (tree: unknown): Record<string, string> => {
  const { leaves, paths } = flatten(tree, isHostTensor);
  return Object.fromEntries(
    paths.map((p, i) => {
      const t: HostTensor = leaves[i]!;
      return [p, `${t.dtype}:${t.shape.join("x")}:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex")}`];
    }),
  );
};
