/**
 * @file The built-in synthetic task (src/audio's `labelledTask`: one sound event of a class per clip
 * over a noise floor) written as a HEAR task folder (hear-protocol.md §1), so `mwmae embed`,
 * `mwmae evaluate` and `mwmae hear` treat it like any downloaded task: `synthetic-v1-full/` with
 * `task_metadata.json` (scene, multiclass, train/valid/test, metrics top1_acc, mAP, d_prime, aucroc),
 * `labelvocabulary.csv` (class names sorted), `train.json`/`valid.json`/`test.json` and 16-bit WAVs
 * under `16000/<split>/`. Every file is written atomically; the content depends only on the options.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { encodeWav, labelledTask, type SplitSizes } from "../audio/index.js";
import { writeFileAtomic } from "../io/node.js";
import { key } from "../random/index.js";

/** What to synthesise: clips per class and split, their length, the key's seed. */
export interface SyntheticTaskOptions {
  readonly perClass?: SplitSizes;
  readonly seconds?: number;
  readonly seed?: number;
}

/**
 * Writes the task under `parent/synthetic-v1-full/`; resolves to that folder, or a `Left` naming the file.
 * @example
 * writeSyntheticTask("tasks", { perClass: { train: 16, valid: 4, test: 8 }, seconds: 2 }); // Right("tasks/synthetic-v1-full")
 */
export const writeSyntheticTask = (parent: string, options: SyntheticTaskOptions = {}): E.Either<string, string> => {
  const perClass = options.perClass ?? { train: 16, valid: 4, test: 8 };
  const seconds = options.seconds ?? 2;
  const task = labelledTask(key(options.seed ?? 7), perClass, { seconds });
  const dir = join(parent, "synthetic-v1-full");
  const vocabulary = [...task.classes].sort();
  const files: Array<[string, string | Uint8Array]> = [
    [
      "task_metadata.json",
      `${JSON.stringify(
        {
          task_name: "synthetic",
          version: "v1",
          mode: "full",
          embedding_type: "scene",
          prediction_type: "multiclass",
          split_mode: "trainvaltest",
          splits: ["train", "valid", "test"],
          sample_duration: seconds,
          evaluation: ["top1_acc", "mAP", "d_prime", "aucroc"],
          synthetic: { perClass, seconds, seed: options.seed ?? 7, classes: task.classes },
        },
        null,
        2,
      )}\n`,
    ],
    ["labelvocabulary.csv", `idx,label\n${vocabulary.map((l, i) => `${i},${l}`).join("\n")}\n`],
  ];
  for (const split of ["train", "valid", "test"] as const) {
    const labels: Record<string, string[]> = {};
    for (const clip of task[split]) {
      const name = `${clip.id.replace(/\//g, "-")}.wav`;
      labels[name] = [task.classes[clip.label]!];
      files.push([join("16000", split, name), encodeWav({ sampleRate: task.sampleRate, samples: clip.samples })]);
    }
    files.push([`${split}.json`, `${JSON.stringify(labels, null, 1)}\n`]);
  }
  for (const [name, bytes] of files) {
    const path = join(dir, name);
    try {
      mkdirSync(join(path, ".."), { recursive: true });
    } catch (e) {
      return E.left(`${path}: cannot create the folder: ${e instanceof Error ? e.message : String(e)}`);
    }
    const written = writeFileAtomic(path, bytes);
    if (E.isLeft(written)) return E.left(`${path}: ${written.left.message}`);
  }
  return E.right(dir);
};
