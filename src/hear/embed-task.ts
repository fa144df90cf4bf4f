/**
 * @file One HEAR task folder embedded into hear-eval-kit's layout (src/hear/outputs.ts), resumably:
 * a clip whose files are all there (`.embedding.npy`, `.target-labels.json`, and `.timestamps.json`
 * for event tasks) is kept, so a rerun after an interruption embeds only what is missing. Every file
 * is written atomically, so an interrupted clip leaves either all of its old files or none of the new.
 * A clip that cannot be read or embedded is skipped and named.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { loadClip } from "../audio/node.js";
import { embedClips } from "./embed.js";
import type { HearModel } from "./model.js";
import { taskOutputDir, writeTaskClipFiles, writeTaskMetadata } from "./outputs.js";
import type { HearTask } from "./task.js";

/** What `embedTaskFolder` did. */
export interface EmbedTaskReport {
  /** The task's output folder. */
  readonly dir: string;
  readonly embedded: number;
  /** Clips whose files were already complete. */
  readonly kept: number;
  /** One message per clip that could not be embedded, naming it. */
  readonly skipped: ReadonlyArray<string>;
}

/** Whether a clip's output files are all present. */
const clipDone = (base: string, event: boolean): boolean =>
  existsSync(`${base}.embedding.npy`) && existsSync(`${base}.target-labels.json`) && (!event || existsSync(`${base}.timestamps.json`));

/**
 * Embeds every clip of `task` under `out/<task folder>/`, keeping complete clips from an earlier run.
 * @example
 * const report = await embedTaskFolder(task, model, "runs/hear/mwmae/embeddings");
 */
export const embedTaskFolder = async (
  task: HearTask,
  model: HearModel,
  out: string,
  onClip: (done: number, total: number) => void = () => undefined,
): Promise<E.Either<string, EmbedTaskReport>> => {
  const copied = writeTaskMetadata(out, task);
  if (E.isLeft(copied)) return E.left(copied.left.message);
  const dir = taskOutputDir(out, task);
  const event = task.metadata.embedding_type === "event";
  const jobs = task.splits.flatMap((split) => Object.keys(split.labels).map((clip) => ({ split, clip })));
  let embedded = 0;
  let kept = 0;
  const skipped: string[] = [];
  for (const [i, { split, clip }] of jobs.entries()) {
    if (clipDone(join(dir, split.name, clip), event)) kept += 1;
    else {
      const path = join(split.audioDir, clip);
      const audio = await loadClip(path)();
      if (E.isLeft(audio)) skipped.push(audio.left.message);
      else {
        try {
          const [c] = await embedClips([audio.right.samples], model);
          const written = writeTaskClipFiles(out, task, split, clip, c!);
          if (E.isLeft(written)) return E.left(written.left.message);
          embedded += 1;
        } catch (e) {
          skipped.push(`${path}: cannot embed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    onClip(i + 1, jobs.length);
  }
  return E.right({ dir, embedded, kept, skipped });
};
