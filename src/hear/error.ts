/**
 * @file `HearError`: what can go wrong when loading a model, reading a HEAR task or writing
 * embeddings, as data. Like `AudioError`, every error names its source (a file or folder) and reads
 * well on its own; `kind` lets the CLI group what it skipped.
 */

/** The ways the HEAR layer can fail on outside data. */
export type HearErrorKind =
  /** A config file that is missing, not JSON, or not a valid model configuration. */
  | "config"
  /** A checkpoint that cannot be read or does not match the configuration. */
  | "checkpoint"
  /** A HEAR task folder whose metadata, vocabulary or split files are missing or malformed. */
  | "task"
  /** A clip that cannot be embedded (the message comes from src/audio). */
  | "audio"
  /** An output file that could not be written. */
  | "write";

/** A failure of the HEAR layer on outside data, as a value: its kind, the file or folder at fault and a one-line message. */
export interface HearError {
  readonly kind: HearErrorKind;
  /** The file or folder at fault. */
  readonly source: string;
  /** What was wrong, starting with the source. */
  readonly message: string;
}

/** An error about `source`; the message leads with the source. */
export const hearError = (kind: HearErrorKind, source: string, detail: string): HearError => ({
  kind,
  source,
  message: `${source}: ${detail}`,
});
