/**
 * @file A checkpoint's bytes, whatever wrote them, told apart by content rather than by file name:
 * safetensors (this project's runs and exports), a Flax msgpack state dict (a bare `{params,
 * buffers}` dict as the golden files, or the official trainer's whole `TrainState`, recognised by its
 * fields). Everything that reads weights goes through `decodeStateDict`.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { HostTensor } from "../ir/index.js";
import { decodeFlaxTree, flattenFlaxTree, flaxArrayToHost, isFlaxArray, type FlaxTree } from "./flax-tree.js";
import { decodeSafetensors, describeBytes, looksLikeSafetensors, type FormatError } from "./safetensors.js";
import { isTrainStateTree, readTrainState, type OfficialTrainState } from "./trainstate.js";

/** The formats a checkpoint's bytes can be in. */
export type StateDictFormat = "safetensors" | "flax-msgpack";

/** A checkpoint decoded: tensors by flat path, and what else the file holds. */
export interface StateDict {
  readonly format: StateDictFormat;
  /** `params/…` and `buffers/…` (and, for this project's runs, `opt/…`); a TrainState's optimiser state is in `trainState`. */
  readonly tensors: Readonly<Record<string, HostTensor>>;
  /** safetensors `__metadata__` (empty for msgpack). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Set when the file is the official trainer's TrainState. */
  readonly trainState?: OfficialTrainState;
  /** What the file holds that is not used, one phrase each. */
  readonly ignored: ReadonlyArray<string>;
  /** The decoded msgpack tree (msgpack only), for exact re-export. */
  readonly tree?: FlaxTree;
}

/** A Flax state dict is a msgpack map: fixmap (0x80–0x8f), map16 (0xde) or map32 (0xdf). */
const looksLikeMsgpackMap = (b: Uint8Array): boolean =>
  b.length > 0 && ((b[0]! >= 0x80 && b[0]! <= 0x8f) || b[0] === 0xde || b[0] === 0xdf);

/**
 * The format of a checkpoint's bytes, by content; `undefined` when neither.
 * @example
 * sniffStateDict(readFileSync("checkpoint_2")); // "flax-msgpack"
 */
export const sniffStateDict = (bytes: Uint8Array): StateDictFormat | undefined =>
  looksLikeSafetensors(bytes) ? "safetensors" : looksLikeMsgpackMap(bytes) ? "flax-msgpack" : undefined;

const prefixed = (prefix: string, flat: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> =>
  Object.fromEntries(Object.entries(flat).map(([p, t]) => [`${prefix}/${p}`, t]));

/** A bare state dict's array leaves by path; other leaves (nil, numbers, strings) are listed as ignored. */
const bareTensors = (tree: FlaxTree, source: string): E.Either<FormatError, StateDict> => {
  const tensors: Record<string, HostTensor> = {};
  const ignored: string[] = [];
  for (const [path, leaf] of flattenFlaxTree(tree)) {
    if (!isFlaxArray(leaf)) {
      ignored.push(`${path || "(root)"} (${leaf === null ? "nil" : typeof leaf})`);
      continue;
    }
    const t = flaxArrayToHost(leaf, path, source);
    if (E.isLeft(t)) return t;
    tensors[path] = t.right;
  }
  return E.right({ format: "flax-msgpack", tensors, metadata: {}, ignored, tree });
};

/**
 * Decodes a checkpoint's bytes in either format, told apart by content; a TrainState gives its
 * `params/…` and `buffers/…` as tensors and the rest in `trainState`. `source` names the file in errors.
 * @example
 * decodeStateDict(bytes, "checkpoint_2"); // Right({ format: "flax-msgpack", tensors: { "params/…": … }, trainState: { step: 2, … } })
 */
export const decodeStateDict = (bytes: Uint8Array, source: string): E.Either<FormatError, StateDict> => {
  const format = sniffStateDict(bytes);
  if (format === "safetensors")
    return pipe(
      decodeSafetensors(bytes, source),
      E.map((f) => ({ format, tensors: f.tensors, metadata: f.metadata, ignored: [] })),
    );
  if (format === undefined)
    return E.left({
      kind: "format",
      source,
      field: "",
      message: `neither a safetensors file nor a Flax msgpack checkpoint: ${describeBytes(bytes)}`,
    });
  return pipe(
    decodeFlaxTree(bytes, source),
    E.chain((tree) =>
      isTrainStateTree(tree)
        ? pipe(
            readTrainState(tree, source),
            E.map(
              (ts): StateDict => ({
                format,
                tensors: { ...prefixed("params", ts.params), ...prefixed("buffers", ts.buffers) },
                metadata: {},
                trainState: ts,
                ignored: [...ts.ignored, ...(E.isLeft(ts.optimizer) ? [`opt_state (${ts.optimizer.left}: not usable for resuming)`] : [])],
                tree,
              }),
            ),
          )
        : bareTensors(tree, source),
    ),
  );
};
