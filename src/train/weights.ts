/**
 * @file Model weights as files: reading parameters from this project's checkpoints (safetensors, with
 * `params/…` paths beside the optimiser's `opt/…`) or from official Flax msgpack checkpoints (the same
 * `params/…` paths, nested; a bare state dict or the trainer's TrainState), told apart by content and
 * found in folders (src/io/checkpoint-path.ts), checked against a config; and writing them in the official Flax layout
 * (`params` plus the derived `buffers`), so a run can be continued with the official JAX trainer.
 */

import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { isHostTensor, type HostTensor } from "../ir/index.js";
import { decodeStateDict, encodeFlaxMsgpack, type StateDict } from "../io/index.js";
import { locateCheckpoint } from "../io/node.js";
import { blockName, geometry, loadParams, type HostParams, type MwmaeConfig } from "../models/mwmae/index.js";
import { relativePositionIndex } from "../nn/index.js";
import { realize } from "../backends/index.js";
import { flatten } from "../trace/index.js";

/** A weights file found and decoded: the file read, how it was chosen from a folder, and its contents. */
export interface WeightsFile {
  readonly file: string;
  /** How the file was chosen from a folder ("" for a file given directly). */
  readonly how: string;
  readonly stateDict: StateDict;
}

/**
 * Finds (a file, a trainer work folder, a `checkpoint_<step>/` folder, a run folder) and decodes a
 * weights file, its format told by content; `Left` names the file and the first bad tensor.
 * @example
 * readWeightsFile("workdir"); // Right({ file: "workdir/checkpoint_4", stateDict: { format: "flax-msgpack", trainState: … } })
 */
export const readWeightsFile = (path: string): E.Either<string, WeightsFile> =>
  pipe(
    locateCheckpoint(path),
    E.mapLeft((e) => `${e.path}: ${e.message}`),
    E.chain((loc) =>
      pipe(
        E.tryCatch(
          () => new Uint8Array(readFileSync(loc.file)),
          (e) => `${loc.file}: cannot read: ${e instanceof Error ? e.message : String(e)}`,
        ),
        E.chain((bytes) =>
          pipe(
            decodeStateDict(bytes, loc.file),
            E.mapLeft((e) => `${e.source}: ${e.field === "" ? "" : `${e.field}: `}${e.message}`),
          ),
        ),
        E.map((stateDict) => ({ file: loc.file, how: loc.how, stateDict })),
      ),
    ),
  );

/** Every tensor of a weights file (or folder, see `readWeightsFile`) by flat path; `Left` names the file and the first bad tensor. */
export const readTensors = (path: string): E.Either<string, Record<string, HostTensor>> =>
  E.map((w: WeightsFile) => ({ ...w.stateDict.tensors }))(readWeightsFile(path));

/** The tensors under `prefix/`, with the prefix removed (`opt/mu/…` → `…`). */
export const subtree = (flat: Readonly<Record<string, HostTensor>>, prefix: string): Record<string, HostTensor> => {
  const out: Record<string, HostTensor> = {};
  for (const [p, t] of Object.entries(flat)) if (p.startsWith(`${prefix}/`)) out[p.slice(prefix.length + 1)] = t;
  return out;
};

/**
 * Parameters of `flat`'s `params/` collection (or, in a bare weights file without one, of every path)
 * checked against `cfg`; `Left` names the first missing, mis-shaped or unexpected tensor.
 */
export const paramsFromTensors = (
  cfg: MwmaeConfig,
  flat: Readonly<Record<string, HostTensor>>,
  source: string,
): E.Either<string, HostParams> =>
  pipe(
    loadParams(cfg, Object.keys(flat).some((p) => p.startsWith("params/")) ? subtree(flat, "params") : flat),
    E.mapLeft((e) => `${source}: tensor "params/${e.path}" does not match the config: ${e.message}`),
  );

/**
 * Parameters from a checkpoint of either format, checked against `cfg`.
 * @example
 * const params = readParams(cfg, "tiny_mwmae.msgpack"); // Right(HostParams) or Left("…: tensor "params/…" …")
 */
export const readParams = (cfg: MwmaeConfig, path: string): E.Either<string, HostParams> =>
  pipe(
    readTensors(path),
    E.chain((flat) => paramsFromTensors(cfg, flat, path)),
  );

/** Flat `prefix/path → tensor` of a host tree. */
export const flatTensors = (tree: unknown, prefix: string): Record<string, HostTensor> => {
  const { leaves, paths } = flatten(tree, isHostTensor);
  return Object.fromEntries(paths.map((p, i) => [`${prefix}/${p}`, leaves[i]!]));
};

/**
 * The official `buffers` collection: each window head's relative-position index (`i − j + w − 1`),
 * derived from the config, which the official modules keep beside `params`.
 */
export const officialBuffers = async (cfg: MwmaeConfig): Promise<Record<string, HostTensor>> => {
  if (cfg.kind !== "mwmae") return {};
  const out: Record<string, HostTensor> = {};
  const windows = geometry(cfg).windows;
  for (let b = 0; b < cfg.decoder.depth; b++) {
    for (const [h, w] of windows.entries()) {
      if (w === 0) continue;
      out[`buffers/${blockName("decoder", b)}/wmha_block/attn_heads_${h}/relative_position_index`] = await realize(
        relativePositionIndex(w),
      );
    }
  }
  return out;
};

/**
 * Parameters (and the derived buffers) as an official Flax msgpack checkpoint: `{ params: {…}, buffers: {…} }`.
 * @example
 * writeFileAtomic("run/params.msgpack", await encodeOfficial(cfg, params));
 */
export const encodeOfficial = async (cfg: MwmaeConfig, params: HostParams): Promise<Uint8Array> =>
  encodeFlaxMsgpack({ ...flatTensors(params, "params"), ...(await officialBuffers(cfg)) });
