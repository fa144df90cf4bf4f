/**
 * @file Dependence structures ("what may see what") and the assertions that hold a `Dependence` to
 * one: block-diagonal windows, causal (optionally sliding-window) attention, per-example independence
 * in a batch, and any predicate a user writes. A failure lists the offending pairs with their
 * gradient norms and, when small enough, draws the expected and the found dependence as a map.
 */

import { showShape, size } from "../shape/index.js";
import type { Dependence } from "./dependence.js";
import { multiIndex, num, showIndex } from "./evaluate.js";

/** A dependence structure: which output positions may depend on which input positions. */
export interface Structure {
  /** How failure messages name it: `causal window of 3 along axis 1`. */
  readonly name: string;
  /** Whether output position `output` may depend on position `position` of input `which`. */
  readonly allows: (output: ReadonlyArray<number>, position: ReadonlyArray<number>, which: number) => boolean;
}

const axisIn = (rank: number, axis: number): number => (axis < 0 ? rank + axis : axis);

/** Equal on every axis but `axis` (when output and input positions have the same rank). */
const othersEqual = (o: ReadonlyArray<number>, i: ReadonlyArray<number>, axis: number): boolean =>
  o.length !== i.length || o.every((v, d) => d === axis || v === i[d]);

const along = (rank: number, axis: number, what: string): number => {
  const a = axisIn(rank, axis);
  if (a < 0 || a >= rank) throw new RangeError(`${what}: axis ${axis} is not a position axis (positions have ${rank} axes)`);
  return a;
};

/**
 * Non-overlapping windows of `window` positions along `axis` (default the last position axis): output
 * i may see input j iff ⌊i/window⌋ = ⌊j/window⌋, and on every other position axis (a batch) only its
 * own index. Window attention's receptive field.
 * @example
 * assertDependence(dependence(windowed, [x], { outputAxes: 2, inputAxes: 2 }), blockDiagonal(4));
 */
export const blockDiagonal = (window: number, axis = -1): Structure => ({
  name: `block-diagonal windows of ${window} along axis ${axis}`,
  allows: (o, i) => {
    const a = along(o.length, axis, "blockDiagonal");
    return Math.floor(o[a]! / window) === Math.floor(i[a]! / window) && othersEqual(o, i, a);
  },
});

/** Options of `causal`. */
export interface CausalOptions {
  /** The sequence axis among the position axes (default -1, the last). */
  readonly axis?: number;
  /** A sliding window: output i sees only i − window < j ≤ i (default: the whole past). */
  readonly window?: number;
}

/**
 * Causal: output i may see input j ≤ i along `axis` (with `window`, only the last `window` of them,
 * i − window < j ≤ i), and on every other position axis only its own index.
 * @example
 * assertDependence(dep, causal({ window: 3 })); // a sliding window of 3, the current position included
 */
export const causal = (options: CausalOptions = {}): Structure => {
  const axis = options.axis ?? -1;
  const window = options.window ?? Number.POSITIVE_INFINITY;
  return {
    name: Number.isFinite(window) ? `causal window of ${window} along axis ${axis}` : `causal along axis ${axis}`,
    allows: (o, i) => {
      const a = along(o.length, axis, "causal");
      const lag = o[a]! - i[a]!;
      return lag >= 0 && lag < window && othersEqual(o, i, a);
    },
  };
};

/**
 * Per-example independence: output position b (along `axis`, default 0, the batch) may see only
 * input positions of the same example; anything within the example is allowed. Use it with
 * `exact: false`, as `assertPerExample` does.
 */
export const perExample = (axis = 0): Structure => ({
  name: `per example along axis ${axis}`,
  allows: (o, i) => o[along(o.length, axis, "perExample")] === i[along(i.length, axis, "perExample")],
});

/** Both (all) structures at once. */
export const allOf = (...structures: ReadonlyArray<Structure>): Structure => ({
  name: structures.map((s) => s.name).join(" and "),
  allows: (o, i, k) => structures.every((s) => s.allows(o, i, k)),
});

/** Options of `assertDependence`. */
export interface AssertDependenceOptions {
  /** true (default): every allowed pair must depend too; false: only forbidden dependences fail. */
  readonly exact?: boolean;
  /** Inputs to check (default: all). */
  readonly inputs?: ReadonlyArray<number>;
}

/** Pairs listed in a failure message, at most. */
const LISTED = 6;
/** Largest map (positions per side) drawn in a failure message. */
const MAP_LIMIT = 64;

/**
 * Throws unless `dep` has the structure: no output position depends on an input position the
 * structure forbids, and (when `exact`, the default) every allowed pair does depend. The message
 * names the structure, lists the offending pairs with their gradient norms, and draws the map.
 * @example
 * assertDependence(dependence(attend, [x], { outputAxes: 1, inputAxes: 1 }), causal({ window: 3 }));
 */
export const assertDependence = (dep: Dependence, structure: Structure, options: AssertDependenceOptions = {}): void => {
  const exact = options.exact ?? true;
  const inputs = options.inputs ?? dep.inputPositions.map((_, k) => k);
  const nOut = size(dep.outputPositions);
  const lines: string[] = [];
  for (const k of inputs) {
    const shape = dep.inputPositions[k];
    if (shape === undefined) throw new RangeError(`assertDependence: no input ${k} (the function has ${dep.inputPositions.length})`);
    const nIn = size(shape);
    const extra: string[] = [];
    const missing: string[] = [];
    const map: string[] = [];
    for (let o = 0; o < nOut; o++) {
      const op = multiIndex(o, dep.outputPositions);
      let row = "";
      for (let i = 0; i < nIn; i++) {
        const ip = multiIndex(i, shape);
        const m = dep.magnitude[k]![o * nIn + i]!;
        const found = m > dep.threshold;
        const allowed = structure.allows(op, ip, k);
        if (found && !allowed) extra.push(`output ${showIndex(op)} depends on input ${k} at ${showIndex(ip)} (|∂| = ${num(m)})`);
        if (!found && allowed && exact) missing.push(`output ${showIndex(op)} does not depend on input ${k} at ${showIndex(ip)}`);
        row += found ? (allowed ? "#" : "+") : allowed && exact ? "-" : ".";
      }
      map.push(row);
    }
    if (extra.length + missing.length === 0) continue;
    lines.push(
      `  input ${k} (positions ${showShape(shape)} of ${showShape(dep.inputShapes[k]!)}): ${extra.length} forbidden dependences, ${missing.length} missing`,
      ...[...extra, ...missing].slice(0, LISTED).map((l) => `    ${l}`),
    );
    if (extra.length + missing.length > LISTED) lines.push(`    … and ${extra.length + missing.length - LISTED} more`);
    if (nOut <= MAP_LIMIT && nIn <= MAP_LIMIT)
      lines.push(
        "    map (rows: output positions, columns: input positions; # depends as allowed, + depends but forbidden, - allowed but absent):",
        ...map.map((r) => `      ${r}`),
      );
  }
  if (lines.length === 0) return;
  throw new Error(
    [
      `assertDependence: the dependence is not ${exact ? "exactly " : "within "}"${structure.name}"`,
      `  output positions ${showShape(dep.outputPositions)} of ${showShape(dep.outputShape)}`,
      ...lines,
    ].join("\n"),
  );
};

/**
 * Exactly block-diagonal windows of `window` along `axis` (see `blockDiagonal`).
 * @example
 * assertBlockDiagonal(dependence(head, [x], { outputAxes: 2, inputAxes: 2 }), 5, { axis: 1 });
 */
export const assertBlockDiagonal = (dep: Dependence, window: number, options: { readonly axis?: number } = {}): void =>
  assertDependence(dep, blockDiagonal(window, options.axis));

/**
 * Causal, or a causal sliding window (see `causal`); `exact` (default true) also requires every
 * allowed pair to depend.
 * @example
 * assertCausal(dependence(attend, [x], { outputAxes: 1, inputAxes: 1 }), { window: 3 });
 */
export const assertCausal = (dep: Dependence, options: CausalOptions & { readonly exact?: boolean } = {}): void =>
  assertDependence(dep, causal(options), { exact: options.exact ?? true });

/**
 * No output of one example depends on another example's inputs (the batch is `axis`, default 0).
 * @example
 * assertPerExample(dependence((x) => layerNorm(x), [x], { outputAxes: 1, inputAxes: 1 }));
 */
export const assertPerExample = (dep: Dependence, options: { readonly axis?: number } = {}): void =>
  assertDependence(dep, perExample(options.axis), { exact: false });
