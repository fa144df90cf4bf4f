/**
 * @file `AudioError`: what can be wrong with audio from outside, as data. Every error names its source
 * (a path, or whatever name the caller gave the bytes) and says what was wrong in words; `kind` lets a
 * directory run group what it skipped.
 */

/** The ways a clip can fail to load. */
export type AudioErrorKind =
  /** The file could not be read or written (missing, permissions, disk). */
  | "io"
  /** Not a RIFF/WAVE container at all. */
  | "not-wav"
  /** A WAVE container whose chunks or format fields do not make sense. */
  | "corrupt"
  /** A chunk claims more bytes than the file holds. */
  | "truncated"
  /** A valid WAV in an encoding this reader does not decode (ADPCM, µ-law, 12-bit, …). */
  | "unsupported-encoding"
  /** No samples at all. */
  | "empty"
  /** Every sample is zero. */
  | "silent"
  /** Fewer samples than one analysis frame. */
  | "too-short"
  /** A NaN or infinite sample (or a float sample that overflows float32). */
  | "non-finite"
  /** A declared sample rate, channel count, duration or file size beyond the reader's limits (`AudioLimits`). */
  | "limit"
  /** Not a regular file: a folder, FIFO, socket or device, refused before it is opened. */
  | "not-a-file";

/** A failure to load one clip: its kind, the file, and a message that leads with the file. */
export interface AudioError {
  readonly kind: AudioErrorKind;
  /** The file (or the name given to the bytes). */
  readonly source: string;
  /** What was wrong, starting with the source. */
  readonly message: string;
}

/** An error about `source`; the message leads with the source so it reads well on its own. */
export const audioError = (kind: AudioErrorKind, source: string, detail: string): AudioError => ({
  kind,
  source,
  message: `${source}: ${detail}`,
});
