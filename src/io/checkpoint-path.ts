/**
 * @file Where the checkpoint is, given a file or a folder (Node-only): a file is itself; a trainer's
 * work folder holding `checkpoint_<step>` files or folders gives the newest (or the step asked for);
 * a `checkpoint_<step>/` folder written by Flax through Orbax gives the one msgpack file `checkpoint`
 * inside it (the aggregated form); this project's run folder gives its newest checkpoint. An Orbax
 * folder that keeps its arrays in separate files is named as such, with what to do, and a folder
 * holding no checkpoint lists what it holds.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { CheckpointError } from "./checkpoint.js";

/** A checkpoint file found from a path, and how it was chosen. */
export interface CheckpointLocation {
  readonly file: string;
  /** The trainer step in its name, when it has one. */
  readonly step?: number;
  /** How the file was chosen from a folder ("" for a file given directly). */
  readonly how: string;
}

const trainerName = /^checkpoint_(\d+)$/;
/** Files and folders that only Orbax writes (metadata, OCDBT and TensorStore array stores). */
const orbaxMarkers = /^(_METADATA|_CHECKPOINT_METADATA|_sharding|manifest\.ocdbt|ocdbt\.process_\d+|d|.*\.zarray|array_metadatas)$/;

const fail = (path: string, message: string): E.Either<CheckpointError, CheckpointLocation> =>
  E.left({ kind: "checkpoint", path, message });

const listing = (names: ReadonlyArray<string>): string =>
  names.length === 0 ? "it is empty" : `found ${names.slice(0, 12).join(", ")}${names.length > 12 ? `, … (${names.length} entries)` : ""}`;

/** The Orbax advice, in one place. */
export const orbaxAdvice =
  "restore it in JAX (orbax.checkpoint.PyTreeCheckpointer().restore(folder)) and save it again with " +
  "flax.training.checkpoints.save_checkpoint(workdir, state, step) after flax.config.update('flax_use_orbax_checkpointing', False), " +
  "which writes the one-file msgpack form read here";

/**
 * The checkpoint file that `path` names: the file itself, or the one a folder holds (newest
 * `checkpoint_<step>` unless `step` is given). `Left` says why none, listing what the folder holds.
 * @example
 * locateCheckpoint("workdir"); // Right({ file: "workdir/checkpoint_4", step: 4, how: "newest of checkpoint_2, checkpoint_4" })
 */
export const locateCheckpoint = (path: string, step?: number): E.Either<CheckpointError, CheckpointLocation> => {
  if (!existsSync(path)) return fail(path, "cannot read: no such file or folder");
  if (!statSync(path).isDirectory()) return E.right({ file: path, how: "" });
  const names = readdirSync(path).sort();
  const steps = names
    .map((n) => trainerName.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (steps.length > 0) {
    const chosen = step ?? steps[steps.length - 1]!;
    if (!steps.includes(chosen)) return fail(path, `no checkpoint_${chosen} here (steps ${steps.join(", ")})`);
    const inner = locateCheckpoint(join(path, `checkpoint_${chosen}`));
    const how = step === undefined ? `newest of ${steps.map((s) => `checkpoint_${s}`).join(", ")}` : `checkpoint_${chosen} as asked`;
    return E.map((loc: CheckpointLocation) => ({ file: loc.file, step: chosen, how: loc.how === "" ? how : `${how}; ${loc.how}` }))(inner);
  }
  if (names.includes("checkpoint") && statSync(join(path, "checkpoint")).isFile())
    return E.right({ file: join(path, "checkpoint"), how: "the Orbax folder's aggregated msgpack file" });
  const orbax = names.filter((n) => orbaxMarkers.test(n));
  if (orbax.length > 0)
    return fail(
      path,
      `an Orbax checkpoint that keeps its arrays in separate files (${orbax.join(", ")}), which this project cannot read: ${orbaxAdvice}`,
    );
  // This project's run folder, or its checkpoints/ folder.
  if (names.includes("checkpoints") && statSync(join(path, "checkpoints")).isDirectory()) {
    const inner = locateCheckpoint(join(path, "checkpoints"));
    if (E.isRight(inner)) return inner;
  }
  const ours = names.filter((n) => /^ckpt-\d{8}\.safetensors$/.test(n));
  const pointer = names.includes("latest") ? readFileSync(join(path, "latest"), "utf8").trim() : "";
  if (pointer !== "" && existsSync(join(path, pointer))) return E.right({ file: join(path, pointer), how: "the run's latest checkpoint" });
  if (ours.length > 0) return E.right({ file: join(path, ours[ours.length - 1]!), how: "the run's newest checkpoint" });
  return fail(path, `no checkpoint in this folder (no checkpoint_<step>, no Orbax checkpoint, no run checkpoints): ${listing(names)}`);
};
