/**
 * @file A clip ready for the front-end: read, resampled to 16 kHz, and checked for the two things that
 * decode fine but cannot be used: silence (every sample zero: the log-mel is constant and its std 0)
 * and clips shorter than one analysis window (25 ms, 400 samples at 16 kHz).
 */

import * as E from "fp-ts/lib/Either";
import { pipe } from "fp-ts/lib/function";
import * as TE from "fp-ts/lib/TaskEither";
import { audioError, type AudioError } from "./error";
import { logMelDefaults } from "./mel";
import { to16k, type ResamplerQuality } from "./resample";
import type { Audio } from "./wav";
import { readWav } from "./wav-file";

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
      return E.left(audioError("too-short", source, `too short: ${n} samples (${ms} ms) at ${audio.sampleRate} Hz, fewer than one frame of ${min}`));
    }
    if (checks.rejectSilence !== false && audio.samples.every((v) => v === 0)) {
      return E.left(audioError("silent", source, `silent: all ${n} samples are zero`));
    }
    return E.right(audio);
  };

/**
 * Reads a WAV file as a 16 kHz mono clip that the front-end can use.
 * @example
 * const clip = await loadClip("dog.wav")(); // Either<AudioError, Audio> at 16 kHz
 */
export const loadClip = (path: string, checks: ClipChecks = {}, quality?: ResamplerQuality): TE.TaskEither<AudioError, Audio> =>
  pipe(
    readWav(path),
    TE.map((audio) => to16k(audio, quality)),
    TE.chainEitherK(checkClip(path, checks)),
  );
