/**
 * Tiny HEAR task folders in the layout `mwmae embed --out` writes, with synthetic embeddings: a
 * k-fold scene task (class c shifts axis c by 5) and a train/valid/test event task (a frame's axis c
 * is shifted by 4 while an event of label c is active). Small enough for the reference interpreter.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy } from "../../src/hear";
import { bits, key } from "../../src/random";

const noise = (seed: number, n: number): Float32Array => Float32Array.from(bits(key(seed), n), (u) => u / 2 ** 32 - 0.5);

const writeMetadata = (dir: string, meta: object, vocabulary: ReadonlyArray<string>): void => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "task_metadata.json"), JSON.stringify(meta));
  writeFileSync(join(dir, "labelvocabulary.csv"), `idx,label\n${vocabulary.map((l, i) => `${i},${l}`).join("\n")}\n`);
};

/** Options of `sceneTask`. */
export interface SceneTaskOptions {
  readonly name?: string;
  readonly folds?: number;
  readonly perFold?: number;
  readonly width?: number;
  readonly gap?: number;
  readonly seed?: number;
  readonly evaluation?: ReadonlyArray<string>;
  readonly labelOf?: (i: number) => string;
  readonly parent?: string;
}

/** A k-fold multiclass scene task; returns its folder. */
export const sceneTask = (o: SceneTaskOptions = {}): string => {
  const vocabulary = ["bird", "dog", "rain"];
  const name = o.name ?? "toy";
  const nf = o.folds ?? 3;
  const perFold = o.perFold ?? 30;
  const d = o.width ?? 8;
  const gap = o.gap ?? 5;
  const labelOf = o.labelOf ?? ((i: number) => vocabulary[i % 3]!);
  const dir = join(o.parent ?? mkdtempSync(join(tmpdir(), "hear-task-")), `${name}-v1-full`);
  const folds = Array.from({ length: nf }, (_, f) => `fold${String(f).padStart(2, "0")}`);
  writeMetadata(
    dir,
    {
      task_name: name,
      embedding_type: "scene",
      prediction_type: "multiclass",
      split_mode: "new_split_kfold",
      nfolds: nf,
      splits: folds,
      sample_duration: 1,
      evaluation: o.evaluation ?? ["top1_acc"],
    },
    vocabulary,
  );
  const u = noise(o.seed ?? 11, nf * perFold * d);
  folds.forEach((fold, f) => {
    mkdirSync(join(dir, fold));
    const listed: Record<string, string[]> = {};
    for (let c = 0; c < perFold; c++) {
      const i = f * perFold + c;
      const x = Float32Array.from({ length: d }, (_, j) => u[i * d + j]! + (j === i % 3 ? gap : 0));
      writeFileSync(join(dir, fold, `clip${i}.wav.embedding.npy`), encodeNpy(x, [d]));
      writeFileSync(join(dir, fold, `clip${i}.wav.target-labels.json`), JSON.stringify([labelOf(i)]));
      listed[`clip${i}.wav`] = [labelOf(i)];
    }
    writeFileSync(join(dir, `${fold}.json`), JSON.stringify(listed));
  });
  return dir;
};

/** A train/valid/test event task: 3 s clips, frames every 100 ms, one event per clip; returns its folder. */
export const eventTask = (o: { readonly parent?: string; readonly clips?: Readonly<Record<string, number>> } = {}): string => {
  const vocabulary = ["knock", "ring"];
  const dir = join(o.parent ?? mkdtempSync(join(tmpdir(), "hear-task-")), "events-v1-full");
  writeMetadata(
    dir,
    {
      task_name: "events",
      embedding_type: "event",
      prediction_type: "multilabel",
      split_mode: "trainvaltest",
      splits: ["train", "valid", "test"],
      sample_duration: 3,
      evaluation: ["event_onset_200ms_fms", "event_onset_50ms_fms", "segment_1s_er"],
      evaluation_params: { event_postprocessing_grid: { median_filter_ms: [0, 250], min_duration: [0, 150] } },
    },
    vocabulary,
  );
  const counts = o.clips ?? { train: 8, valid: 4, test: 4 };
  const frames = 30;
  const d = 6;
  let clipIndex = 0;
  for (const [split, n] of Object.entries(counts)) {
    mkdirSync(join(dir, split));
    const listed: Record<string, Array<{ label: string; start: number; end: number }>> = {};
    for (let k = 0; k < n; k++, clipIndex++) {
      const clip = `clip${clipIndex}.wav`;
      const label = vocabulary[clipIndex % 2]!;
      const start = 300 + 100 * (clipIndex % 10);
      const event = { label, start, end: start + 1000 };
      listed[clip] = [event];
      const times = Array.from({ length: frames }, (_, i) => i * 100);
      const u = noise(100 + clipIndex, frames * d);
      const active = times.map((t) => (t >= event.start && t < event.end + 0.0001 ? [label] : []));
      const x = Float32Array.from({ length: frames * d }, (_, j) => {
        const i = Math.floor(j / d);
        return u[j]! + (active[i]!.length > 0 && j % d === clipIndex % 2 ? 4 : 0);
      });
      writeFileSync(join(dir, split, `${clip}.embedding.npy`), encodeNpy(x, [frames, d]));
      writeFileSync(join(dir, split, `${clip}.timestamps.json`), JSON.stringify(times));
      writeFileSync(join(dir, split, `${clip}.target-labels.json`), JSON.stringify(active));
    }
    writeFileSync(join(dir, `${split}.json`), JSON.stringify(listed));
  }
  return dir;
};
