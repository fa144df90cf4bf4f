/**
 * @file Folders of real audio, used like the built-in corpus: every `.wav` below a folder (recursively,
 * in sorted order so runs are reproducible), loaded as 16 kHz clips. A file that fails (corrupt,
 * truncated, silent, too short…) is skipped and reported with the others at the end; one bad file
 * never stops a run.
 */

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import * as TE from "fp-ts/lib/TaskEither.js";
import type { ClipChecks } from "./clip.js";
import { loadClip } from "./wav-file.js";
import { audioError, type AudioError } from "./error.js";
import type { ResamplerQuality } from "./resample.js";
import type { Audio, AudioLimits } from "./wav.js";

/**
 * Paths of every `.wav` entry (any case) under `folder`, recursively, sorted; or an io error naming
 * the folder that could not be listed. Symbolic links and other non-regular entries named `.wav` are
 * included, so that loading them follows the link or refuses them by name: nothing is dropped silently.
 * @example
 * const files = await findWavFiles("data/esc50")(); // Either<AudioError, string[]>
 */
export const findWavFiles = (folder: string): TE.TaskEither<AudioError, string[]> =>
  TE.tryCatch(
    async () => {
      const entries = await readdir(folder, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => !e.isDirectory() && e.name.toLowerCase().endsWith(".wav"))
        .map((e) => join(e.parentPath, e.name))
        .sort();
    },
    (e) => audioError("io", folder, `cannot list: ${e instanceof Error ? e.message : String(e)}`),
  );

/** What a run over many files gives: the clips that loaded, and one error per file skipped. */
export interface LoadedClips {
  readonly clips: ReadonlyArray<{ readonly path: string; readonly audio: Audio }>;
  readonly skipped: ReadonlyArray<AudioError>;
}

/**
 * Loads every path as a 16 kHz clip, in order, skipping (and collecting) the ones that fail.
 * @example
 * const { clips, skipped } = await loadClips(paths)();
 * skipped.forEach((e) => console.warn(`skipped ${e.message}`));
 */
export const loadClips =
  (paths: ReadonlyArray<string>, checks: ClipChecks = {}, quality?: ResamplerQuality, limits?: AudioLimits) =>
  async (): Promise<LoadedClips> => {
    const clips: Array<{ path: string; audio: Audio }> = [];
    const skipped: AudioError[] = [];
    for (const path of paths) {
      const result = await loadClip(path, checks, quality, limits)();
      if (result._tag === "Right") clips.push({ path, audio: result.right });
      else skipped.push(result.left);
    }
    return { clips, skipped };
  };
