/**
 * @file A clip ready for the front-end, checked for the two things that
 * decode fine but cannot be used: silence (every sample zero: the log-mel is constant and its std 0)
 * and clips shorter than one analysis window (25 ms, 400 samples at 16 kHz).
 */

import * as E from "fp-ts/lib/Either.js";
import { audioError, type AudioError } from "./error.js";
import { logMelDefaults } from "./mel.js";

/** What `checkClip` refuses besides empty clips: clips that are too short, and (by default) all-zero ones. */
export interface ClipChecks {
  /** Fewest samples accepted (default: one 400-sample window). */
  readonly minSamples?: number;
  /** Refuse all-zero clips (default true). */
  readonly rejectSilence?: boolean;
}

/**
 * The clip itself when it passes `checks`, else an `AudioError` naming `source`.
 * @example
 * pipe(decodeWav(bytes, name), E.map(to16k), E.chain(checkClip(name)));
 */
export const checkClip =
  (source: string, checks: ClipChecks = {}) =>
  <A extends { readonly sampleRate: number; readonly samples: Float32Array }>(audio: A): E.Either<AudioError, A> => {
    const min = checks.minSamples ?? logMelDefaults.winLength;
    const n = audio.samples.length;
    if (n === 0) return E.left(audioError("empty", source, "empty: no samples"));
    if (n < min) {
      const ms = ((1000 * n) / audio.sampleRate).toFixed(1);
      return E.left(
        audioError("too-short", source, `too short: ${n} samples (${ms} ms) at ${audio.sampleRate} Hz, fewer than one frame of ${min}`),
      );
    }
    if (checks.rejectSilence !== false && audio.samples.every((v) => v === 0)) {
      return E.left(audioError("silent", source, `silent: all ${n} samples are zero`));
    }
    return E.right(audio);
  };
