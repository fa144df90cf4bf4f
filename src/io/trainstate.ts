/**
 * @file The official trainer's `TrainState` as a state dict (what `flax.training.checkpoints` writes
 * into `checkpoint_<step>`): fields in this order, `step`, `batch_stats`, `buffers`, `dynamic_scale`,
 * `params`, `frozen_params`, `aux_rng_keys`, `opt_state`; deeper keys sorted; step and optimiser counts
 * 0-d int32; RNG keys uint32 [2]; `dynamic_scale` nil unless float16 on GPU. `opt_state` is optax.adamw's
 * `(ScaleByAdamState(count, mu, nu), EmptyState(), ScaleByScheduleState(count))`, tuples written as
 * dicts keyed "0", "1", "2". Reading takes the parameters and buffers (for embeddings) and, when it
 * matches them, the AdamW state (for resuming); building writes exactly that layout.
 */

import * as E from "fp-ts/lib/Either.js";
import type { HostTensor } from "../ir/index.js";
import { sameShape, showShape } from "../shape/index.js";
import {
  flattenFlaxTree,
  flaxArrayToHost,
  flaxIntegers,
  flaxScalar,
  flaxWords,
  hostToFlaxArray,
  isFlaxArray,
  isFlaxDict,
  nestSorted,
  type FlaxDict,
  type FlaxTree,
} from "./flax-tree.js";
import type { FormatError } from "./safetensors.js";

/** The TrainState's fields, in the order the trainer writes them. */
export const trainStateFields = [
  "step",
  "batch_stats",
  "buffers",
  "dynamic_scale",
  "params",
  "frozen_params",
  "aux_rng_keys",
  "opt_state",
] as const;

/** The MAE trainer's auxiliary RNG streams, in the order its TrainState lists them (sorted when written). */
export const maeRngStreams = ["dropout", "drop_path", "mixup", "spec_aug", "random_masking", "additive_noise", "gumbel"] as const;

/** AdamW's state as the trainer keeps it, flat paths relative to `params`. */
export interface OfficialAdamState {
  /** ScaleByAdamState.count: updates taken (bias correction uses count + 1). */
  readonly count: number;
  readonly mu: Readonly<Record<string, HostTensor>>;
  readonly nu: Readonly<Record<string, HostTensor>>;
  /** ScaleByScheduleState.count: the schedule's position. */
  readonly scheduleCount: number;
}

/** What a TrainState checkpoint holds, read. */
export interface OfficialTrainState {
  readonly step: number;
  /** Flat paths under `params/` (without the prefix). */
  readonly params: Readonly<Record<string, HostTensor>>;
  /** Flat paths under `buffers/` (without the prefix). */
  readonly buffers: Readonly<Record<string, HostTensor>>;
  /** The optimiser state, or why it cannot be used for resuming (the parameters still can). */
  readonly optimizer: E.Either<string, OfficialAdamState>;
  /** Each auxiliary RNG stream's key words (uint32). */
  readonly auxRngKeys: Readonly<Record<string, ReadonlyArray<number>>>;
  /** What was read but is not used here, one phrase each (said once by whoever reports). */
  readonly ignored: ReadonlyArray<string>;
}

/** True when a state dict is a TrainState: a dict with at least `step`, `params` and `opt_state`. */
export const isTrainStateTree = (tree: FlaxTree): tree is FlaxDict =>
  isFlaxDict(tree) && tree.has("step") && tree.has("params") && tree.has("opt_state");

const formatError = (source: string, field: string, message: string): FormatError => ({ kind: "format", source, field, message });

/** Every array leaf under `prefix` as host tensors by path relative to it; `Left` names the first bad leaf. */
const hostLeaves = (tree: FlaxTree | undefined, prefix: string, source: string): E.Either<FormatError, Record<string, HostTensor>> => {
  const out: Record<string, HostTensor> = {};
  if (tree === undefined) return E.right(out);
  if (!isFlaxDict(tree)) return E.left(formatError(source, prefix, "must be a dict"));
  for (const [path, leaf] of flattenFlaxTree(tree)) {
    const field = `${prefix}/${path}`;
    if (typeof leaf === "string" && /^PLACEHOLDER:\/\//.test(leaf))
      return E.left(
        formatError(source, field, "is an Orbax placeholder: the array is kept in a separate file, which this project cannot read"),
      );
    if (!isFlaxArray(leaf)) return E.left(formatError(source, field, `is ${leaf === null ? "nil" : typeof leaf}, not an array`));
    const t = flaxArrayToHost(leaf, field, source);
    if (E.isLeft(t)) return t;
    out[path] = t.right;
  }
  return E.right(out);
};

/** A 0-d integer leaf's value, or undefined. */
const scalarOf = (x: FlaxTree | undefined): number | undefined => {
  if (!isFlaxArray(x) || x.shape.length !== 0) return undefined;
  return flaxIntegers(x)?.[0];
};

/** `mu`/`nu` must have exactly the parameters' paths and shapes; names the first that does not. */
const momentsLike = (
  what: string,
  moments: Readonly<Record<string, HostTensor>>,
  params: Readonly<Record<string, HostTensor>>,
): string | undefined => {
  for (const [p, t] of Object.entries(params)) {
    const m = moments[p];
    if (m === undefined) return `${what} lacks "${p}"`;
    if (!sameShape(m.shape, t.shape) || m.dtype !== "f32")
      return `${what}/${p} is ${m.dtype} ${showShape(m.shape)}, the parameter is ${t.dtype} ${showShape(t.shape)}`;
  }
  const extra = Object.keys(moments).find((p) => params[p] === undefined);
  return extra === undefined ? undefined : `${what} has "${extra}", which is not a parameter`;
};

/** optax.adamw's state, checked against the parameters: `Left` says why it cannot be resumed from. */
const adamState = (
  opt: FlaxTree | undefined,
  params: Readonly<Record<string, HostTensor>>,
  source: string,
): E.Either<string, OfficialAdamState> => {
  const shape = 'optax.adamw\'s {"0": {count, mu, nu}, "1": {}, "2": {count}}';
  if (!isFlaxDict(opt)) return E.left(`opt_state is not a dict (expected ${shape})`);
  const adam = opt.get("0");
  const sched = opt.get("2");
  const keys = [...opt.keys()].join(", ");
  if (!isFlaxDict(adam) || !isFlaxDict(sched) || opt.size !== 3 || !(isFlaxDict(opt.get("1")) && (opt.get("1") as FlaxDict).size === 0))
    return E.left(`opt_state has keys [${keys}], not ${shape}`);
  const count = scalarOf(adam.get("count"));
  const scheduleCount = scalarOf(sched.get("count"));
  if (count === undefined) return E.left("opt_state/0/count is missing or not a 0-d integer");
  if (scheduleCount === undefined) return E.left("opt_state/2/count is missing or not a 0-d integer");
  const mu = hostLeaves(adam.get("mu"), "opt_state/0/mu", source);
  const nu = hostLeaves(adam.get("nu"), "opt_state/0/nu", source);
  if (E.isLeft(mu)) return E.left(`${mu.left.field}: ${mu.left.message}`);
  if (E.isLeft(nu)) return E.left(`${nu.left.field}: ${nu.left.message}`);
  const mismatch = momentsLike("opt_state/0/mu", mu.right, params) ?? momentsLike("opt_state/0/nu", nu.right, params);
  if (mismatch !== undefined) return E.left(mismatch);
  return E.right({ count, mu: mu.right, nu: nu.right, scheduleCount });
};

/**
 * Reads a TrainState state dict: parameters and buffers (any float/int dtype as f32/i32), the step,
 * the AdamW state when it matches the parameters, the RNG keys, and a note of what is not used.
 * @example
 * pipe(decodeFlaxTree(bytes, path), E.chain((tree) => readTrainState(tree, path))); // Right({ step: 2, … })
 */
export const readTrainState = (tree: FlaxTree, source: string): E.Either<FormatError, OfficialTrainState> => {
  if (!isTrainStateTree(tree))
    return E.left(formatError(source, "(root)", `not a TrainState: needs the fields ${trainStateFields.join(", ")}`));
  const step = scalarOf(tree.get("step"));
  if (step === undefined) return E.left(formatError(source, "step", "is not a 0-d integer array"));
  const params = hostLeaves(tree.get("params"), "params", source);
  if (E.isLeft(params)) return params;
  const buffers = hostLeaves(tree.get("buffers"), "buffers", source);
  if (E.isLeft(buffers)) return buffers;
  const keys: Record<string, ReadonlyArray<number>> = {};
  const rng = tree.get("aux_rng_keys");
  for (const [name, leaf] of isFlaxDict(rng) ? flattenFlaxTree(rng) : []) {
    const words = isFlaxArray(leaf) ? flaxIntegers(leaf) : undefined;
    if (words === undefined) return E.left(formatError(source, `aux_rng_keys/${name}`, "is not an integer array (a PRNG key)"));
    keys[name] = words;
  }
  const ignored: string[] = [];
  const describe = (field: string): void => {
    const v = tree.get(field);
    if (v === undefined) ignored.push(`${field} (absent)`);
    else if (v === null) ignored.push(`${field} (nil)`);
    else if (isFlaxDict(v) && v.size === 0) ignored.push(`${field} (empty)`);
    else ignored.push(`${field} (${flattenFlaxTree(v).length} leaves, not used by this project)`);
  };
  describe("batch_stats");
  describe("dynamic_scale");
  describe("frozen_params");
  if (Object.keys(keys).length > 0) ignored.push(`aux_rng_keys (${Object.keys(keys).join(", ")}: kept for export, not used here)`);
  const unknown = [...tree.keys()].filter((k) => !(trainStateFields as ReadonlyArray<string>).includes(k));
  if (unknown.length > 0) ignored.push(`unknown fields ${unknown.join(", ")}`);
  return E.right({
    step,
    params: params.right,
    buffers: buffers.right,
    optimizer: adamState(tree.get("opt_state"), params.right, source),
    auxRngKeys: keys,
    ignored,
  });
};

/** What `buildTrainState` writes. */
export interface TrainStateParts {
  readonly step: number;
  /** Flat paths relative to `params`. */
  readonly params: Readonly<Record<string, HostTensor>>;
  /** Flat paths relative to `buffers` (int32 index tables). */
  readonly buffers: Readonly<Record<string, HostTensor>>;
  readonly adam: OfficialAdamState;
  /** Key words per RNG stream (uint32). */
  readonly auxRngKeys: Readonly<Record<string, ReadonlyArray<number>>>;
}

const arrays = (flat: Readonly<Record<string, HostTensor>>): Record<string, FlaxTree> =>
  Object.fromEntries(Object.entries(flat).map(([p, t]) => [p, hostToFlaxArray(t)]));

/**
 * The TrainState state dict in exactly the trainer's layout (field order, sorted deeper keys, 0-d
 * int32 step and counts, uint32 keys, empty `batch_stats`/`frozen_params`, nil `dynamic_scale`);
 * `encodeFlaxTree` of it is the `checkpoint_<step>` file.
 * @example
 * writeFileAtomic(join(dir, `checkpoint_${parts.step}`), encodeFlaxTree(buildTrainState(parts)));
 */
export const buildTrainState = (parts: TrainStateParts): FlaxDict =>
  new Map<string, FlaxTree>([
    ["step", flaxScalar("int32", parts.step)],
    ["batch_stats", new Map()],
    ["buffers", nestSorted(arrays(parts.buffers))],
    ["dynamic_scale", null],
    ["params", nestSorted(arrays(parts.params))],
    ["frozen_params", new Map()],
    ["aux_rng_keys", nestSorted(Object.fromEntries(Object.entries(parts.auxRngKeys).map(([k, w]) => [k, flaxWords(w)])))],
    [
      "opt_state",
      new Map<string, FlaxTree>([
        [
          "0",
          new Map<string, FlaxTree>([
            ["count", flaxScalar("int32", parts.adam.count)],
            ["mu", nestSorted(arrays(parts.adam.mu))],
            ["nu", nestSorted(arrays(parts.adam.nu))],
          ]),
        ],
        ["1", new Map()],
        ["2", new Map<string, FlaxTree>([["count", flaxScalar("int32", parts.adam.scheduleCount)]])],
      ]),
    ],
  ]);
