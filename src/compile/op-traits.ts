/**
 * @file What the compiler's passes need to know about each primitive, in one table typed over `OpName`:
 * its kind (source, elementwise, movement, reduction, identity), and within a kind what fusion asks
 * (an elementwise op's cost when inlined, a movement op's way of reading its input, a reduction's way of
 * reading its operands). Fusion and `simplify` read this table instead of lists of op names, so a new
 * primitive without an entry is a compile error, and a new unary, binary or comparison op must be
 * declared elementwise (`OpTraitTable` requires it).
 */

import type { BinaryOp, CompareOp, OpName, UnaryOp } from "../ir/index.js";

/**
 * How a movement op reads its input: `view` reads each element at most once at a moved index (reshape,
 * permute, slice); `broadcast` reads elements several times (expand); `assemble` reads several inputs
 * into one output with a select per element (pad, concat); `gather` reads at indices from data.
 */
export type MovementKind = "view" | "broadcast" | "assemble" | "gather";

/**
 * How a reduction reads its operands: `axis` folds each input element into one output (sum, max);
 * `contraction` re-reads every operand element once per output row or column (matmul); `scatter`
 * compares indices (scatter-add).
 */
export type ReductionKind = "axis" | "contraction" | "scatter";

/** The traits of one primitive. */
export type OpTrait =
  /** A leaf: a graph input, a constant or an index (iota). */
  | { readonly kind: "source" }
  /**
   * One output element from the same element of each input. `cost`: the work it adds when inlined (1
   * for arithmetic, 4 for a transcendental or a division, 0 for a free conversion).
   */
  | { readonly kind: "elementwise"; readonly cost: 0 | 1 | 4 }
  /** Reads its input at a rewritten index; computes nothing (lowering folds it into the loads). */
  | { readonly kind: "movement"; readonly movement: MovementKind }
  /** A loop with an accumulator: gets a kernel unless fusion places it in a consumer's kernel. */
  | { readonly kind: "reduction"; readonly reduction: ReductionKind }
  /** Passes its input through (`stopGradient`, once gradients are graphs). */
  | { readonly kind: "identity" };

/** The elementwise trait, the one every unary, binary and comparison op must have. */
export type ElementwiseTrait = Extract<OpTrait, { readonly kind: "elementwise" }>;

/**
 * A traits table over the op names `K`: one entry per name, and elementwise traits for every unary,
 * binary and comparison op. A missing name is a compile error.
 */
export type OpTraitTable<K extends string = OpName> = {
  readonly [P in K]: P extends UnaryOp | BinaryOp | CompareOp ? ElementwiseTrait : OpTrait;
};

const source = { kind: "source" } as const;
const arithmetic = { kind: "elementwise", cost: 1 } as const;
const transcendental = { kind: "elementwise", cost: 4 } as const;

/**
 * The traits of every primitive.
 * @example
 * opTraits.exp; // { kind: "elementwise", cost: 4 }
 */
export const opTraits = {
  input: source,
  constant: source,
  iota: source,
  neg: arithmetic,
  exp: transcendental,
  log: transcendental,
  sin: transcendental,
  cos: transcendental,
  sqrt: transcendental,
  tanh: transcendental,
  erf: transcendental,
  add: arithmetic,
  sub: arithmetic,
  mul: arithmetic,
  div: transcendental,
  pow: transcendental,
  maximum: arithmetic,
  less: arithmetic,
  equal: arithmetic,
  select: arithmetic,
  cast: { kind: "elementwise", cost: 0 },
  reshape: { kind: "movement", movement: "view" },
  permute: { kind: "movement", movement: "view" },
  slice: { kind: "movement", movement: "view" },
  expand: { kind: "movement", movement: "broadcast" },
  pad: { kind: "movement", movement: "assemble" },
  concat: { kind: "movement", movement: "assemble" },
  gather: { kind: "movement", movement: "gather" },
  sum: { kind: "reduction", reduction: "axis" },
  max: { kind: "reduction", reduction: "axis" },
  matmul: { kind: "reduction", reduction: "contraction" },
  scatterAdd: { kind: "reduction", reduction: "scatter" },
  stopGradient: { kind: "identity" },
} as const satisfies OpTraitTable;

/** The traits of `op`. */
export const traitsOf = (op: OpName): OpTrait => opTraits[op];

/** True for elementwise ops (unary, binary, compare, select, cast). */
export const isElementwise = (op: OpName): boolean => opTraits[op].kind === "elementwise";

/** True for reductions (sum, max, matmul, scatter-add). */
export const isReduction = (op: OpName): boolean => opTraits[op].kind === "reduction";

/** The movement kind of `op`, or undefined when it is not a movement op. */
export const movementOf = (op: OpName): MovementKind | undefined => {
  const t = opTraits[op];
  return t.kind === "movement" ? t.movement : undefined;
};

/** The reduction kind of `op`, or undefined when it is not a reduction. */
export const reductionOf = (op: OpName): ReductionKind | undefined => {
  const t = opTraits[op];
  return t.kind === "reduction" ? t.reduction : undefined;
};

/** True for ops that change where their input is read but read each element at most once: views (reshape, permute, slice). */
export const isView = (op: OpName): boolean => movementOf(op) === "view";

/**
 * Work an op adds to an inlined expression: an elementwise op's cost, 1 for a reduction's combine;
 * movement, identity and sources 0 (a source in a buffer costs its load, which fusion counts itself).
 */
export const inlineCost = (op: OpName): number => {
  const t = opTraits[op];
  return t.kind === "elementwise" ? t.cost : t.kind === "reduction" ? 1 : 0;
};

/**
 * True when a reduction's value may flow through `op` into an epilogue, each element read at most once:
 * elementwise ops, identities and views.
 */
export const flowsOnce = (op: OpName): boolean => {
  const t = opTraits[op];
  return t.kind === "elementwise" || t.kind === "identity" || (t.kind === "movement" && t.movement === "view");
};
