/**
 * @file WAV files on disk: the effectful edge around `decodeWav`/`encodeWav`. Reads return
 * `TaskEither` with an `AudioError` naming the path; writes are atomic (a temporary file beside the
 * target, fsynced, renamed over it), so a crash leaves the old file or the new one, never half of one.
 */

import { readFile, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as TE from "fp-ts/lib/TaskEither.js";
import { writeFileAtomic } from "../io/node.js";
import { audioError, type AudioError } from "./error.js";
import { checkClip, type ClipChecks } from "./clip.js";
import { to16k, type ResamplerQuality } from "./resample.js";
import { decodeWav, defaultAudioLimits, encodeWav, type Audio, type AudioLimits, type WavFormat } from "./wav.js";

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** What a path is, in words, when it is not a regular file. */
const fileType = (s: Stats): string | undefined =>
  s.isFile()
    ? undefined
    : s.isDirectory()
      ? "a folder"
      : s.isFIFO()
        ? "a FIFO (named pipe)"
        : s.isSocket()
          ? "a socket"
          : s.isCharacterDevice() || s.isBlockDevice()
            ? "a device"
            : "not a regular file";

/**
 * `path` if it is a regular file (symbolic links followed), else a `not-a-file` error: FIFOs, sockets
 * and devices are refused by type before they are opened (reading a FIFO would block forever).
 * @example
 * const ok = await regularFile("clip.wav")(); // Right("clip.wav"), or Left: "x.wav: a FIFO (named pipe), not a regular file"
 */
export const regularFile = (path: string): TE.TaskEither<AudioError, string> =>
  pipe(
    TE.tryCatch(
      () => stat(path),
      (e) => audioError("io", path, `cannot read: ${reason(e)}`),
    ),
    TE.chainEitherK((s) => {
      const type = fileType(s);
      return type === undefined ? E.right(path) : E.left(audioError("not-a-file", path, `${type}, not a regular file: refused`));
    }),
  );

/**
 * Reads and decodes a WAV file (a regular file only; see `regularFile`), within `limits`.
 * @example
 * const audio = await readWav("clip.wav")(); // Either<AudioError, Audio>
 */
export const readWav = (path: string, limits: AudioLimits = defaultAudioLimits): TE.TaskEither<AudioError, Audio> =>
  pipe(
    regularFile(path),
    TE.chain(() =>
      TE.tryCatch(
        () => readFile(path),
        (e) => audioError("io", path, `cannot read: ${reason(e)}`),
      ),
    ),
    TE.chainEitherK((bytes) => decodeWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, limits)),
  );

/** Writes `bytes` to `path` atomically (io's temporary file, fsync, rename). */
export const writeFileAtomically = (path: string, bytes: Uint8Array): TE.TaskEither<AudioError, void> =>
  TE.fromEither(
    pipe(
      writeFileAtomic(path, bytes),
      E.mapLeft((e) => audioError("io", path, `cannot write: ${e.message}`)),
    ),
  );

/**
 * Encodes and writes a WAV file atomically.
 * @example
 * await writeWav("tone.wav", { sampleRate: 16000, samples }, "float32")();
 */
export const writeWav = (
  path: string,
  audio: { readonly sampleRate: number; readonly samples: Float32Array | ReadonlyArray<Float32Array> },
  format: WavFormat = "pcm16",
): TE.TaskEither<AudioError, void> =>
  pipe(
    TE.tryCatch(
      async () => encodeWav(audio, format),
      (e) => audioError("io", path, `cannot encode: ${reason(e)}`),
    ),
    TE.chain((bytes) => writeFileAtomically(path, bytes)),
  );

/**
 * Reads a WAV file as a 16 kHz mono clip that the front-end can use.
 * @example
 * const clip = await loadClip("dog.wav")(); // Either<AudioError, Audio> at 16 kHz
 */
export const loadClip = (
  path: string,
  checks: ClipChecks = {},
  quality?: ResamplerQuality,
  limits: AudioLimits = defaultAudioLimits,
): TE.TaskEither<AudioError, Audio> =>
  pipe(
    readWav(path, limits),
    TE.map((audio) => to16k(audio, quality)),
    TE.chainEitherK(checkClip(path, checks)),
  );
