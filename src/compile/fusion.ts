/**
 * @file Fusion: which nodes get a buffer of their own (the kernel roots) and which are inlined as
 * expressions into the kernels that read them. Inlining trades recomputation for memory traffic and
 * launches, so the rules say when recomputation is cheap:
 * - reductions (sum, max, matmul, scatter-add) are roots, except a single-use one whose value flows
 *   through elementwise ops and bijective movement into a root of its own: then it becomes that
 *   kernel's prologue and the ops after it its epilogue (matmul + bias + GELU is one kernel);
 * - elementwise and movement ops are inlined into their consumers, producers of reductions included,
 *   unless the inlined work would be repeated: a node with several uses, read through a broadcasting
 *   expand, or read as a matmul operand (each element is read once per output column) becomes a root
 *   when its expression costs more than a few operations;
 * - a matmul operand read through views that split its contracted axis (a reshape of permuted axes:
 *   heads merged back into a width) becomes a root, laid out for the loop: read in place, every trip
 *   of the contraction would divide its counter;
 * - graph outputs are roots; inputs and constants with more than one element are buffers; one-element
 *   constants are literals and iota an index expression.
 * `fuse: false` makes every op its own kernel: the baseline that launch counts are compared against.
 */

import type { Node } from "../ir/index.js";
import { size } from "../shape/index.js";
import { topo, type Graph } from "../trace/index.js";
import { atomsOf, constIndex, loopIndex, type Atom, type Index } from "./index-expr.js";
import type { Expr } from "./kernel-ir.js";
import { lowerNode, type LowerContext } from "./lower.js";
import { flowsOnce, inlineCost, isReduction, isView, movementOf, reductionOf } from "./op-traits.js";

/** Options of `planFusion` and `schedule`; every field is optional. */
export interface FusionOptions {
  /** Inline what the rules allow (default true); false gives one kernel per primitive. */
  readonly fuse?: boolean;
  /** Nodes that must be roots whatever the rules say (the schedule adds them to respect `maxInputs`). */
  readonly roots?: ReadonlySet<Node>;
  /**
   * Most buffers one kernel may read (WebGPU binds at most 8 storage buffers per stage by default,
   * output included); a kernel over the limit is split by making its inlined inputs roots.
   */
  readonly maxInputs?: number;
  /** Rules to switch off, for ablation studies (each is pinned by a test of attention's kernel counts); default none. */
  readonly disable?: ReadonlyArray<FusionRule>;
}

/**
 * The fusion rules by name:
 * - `repeated`: an inlined node read at several places whose expression costs more than `CHEAP` gets a buffer;
 * - `samePlace`: … unless all its reads land in one kernel at one index (computed once per thread there);
 * - `broadcast`: a node read through a broadcasting expand that costs more than `CHEAP` gets a buffer;
 * - `assemble`: likewise for a node read by concat or pad (both evaluate the branch a select discards);
 * - `operand`: a matmul operand that costs more than `CHEAP_OPERAND` gets a buffer (re-read per output column);
 * - `layout`: a matmul operand whose views split the contracted axis gets a buffer (`splitsContraction`);
 * - `maxCost`: an expression over `MAX_COST` gets a buffer (bounded kernel sources);
 * - `prologue`: a reduction evaluated once per thread of a root that does not re-read its operands is fused into it.
 */
export type FusionRule = "repeated" | "samePlace" | "broadcast" | "assemble" | "operand" | "layout" | "maxCost" | "prologue";

/**
 * Where an inlined node is evaluated: the root whose kernel computes it and the views (reshape, permute,
 * slice) its value passes through on the way there. Two reads of a node at equal placements read it at
 * the same index of the same kernel.
 */
export interface Placement {
  readonly root: Node;
  readonly path: ReadonlyArray<Node>;
}

/** True when `a` and `b` are the same kernel at the same index. */
const samePlacement = (a: Placement, b: Placement): boolean =>
  a.root === b.root && a.path.length === b.path.length && a.path.every((n, i) => n === b.path[i]);

/** Roots of a program: nodes that are computed by a kernel into a buffer. */
export interface FusionPlan {
  readonly roots: ReadonlySet<Node>;
  /** Leaves that live in buffers: inputs and constants of more than one element. */
  readonly sources: ReadonlySet<Node>;
}

/** Work of an inlined expression above which a repeated evaluation earns a buffer. */
const CHEAP = 8;
/** A matmul operand is re-read once per output column: only a scale or a mask is worth inlining. */
const CHEAP_OPERAND = 3;
/** Expressions larger than this are split, to keep kernel sources (and compile times) bounded. */
const MAX_COST = 400;

/**
 * Whether reading `x` along its axis `axis` as a loop needs a division or a modulo of the loop counter by
 * a divisor that is not a power of two (or a clamp of it): the views between `x` and the node it reads
 * (through `isRoot`'s roots and the leaves) split that axis into parts of such a size.
 * The views are walked with their own lowering rules, on a probe index (the loop on `axis`, 0 elsewhere).
 */
const splitsContraction = (x: Node, axis: number, isRoot: (n: Node) => boolean): boolean => {
  const probe = 0;
  let splits = false;
  // A power-of-two divisor is a shift or a mask, and its quotient and remainder stay cheap to index by.
  const costly = (a: Atom): a is Extract<Atom, { kind: "div" | "mod" | "clamp" }> =>
    a.kind === "clamp" || ((a.kind === "div" || a.kind === "mod") && (a.by & (a.by - 1)) !== 0);
  const divides = (i: Index): void =>
    atomsOf(i, (a) => {
      if (costly(a))
        atomsOf(a.x, (b) => {
          splits ||= b.kind === "loop";
        });
    });
  const ctx: LowerContext = {
    at: (n, index): Expr => {
      if (!isRoot(n) && n.op !== "input" && n.op !== "constant" && (isView(n.op) || movementOf(n.op) === "broadcast"))
        return lowerNode(n, index, ctx);
      index.forEach(divides);
      return { kind: "literal", value: 0 };
    },
    loop: () => probe,
    constant: () => {
      throw new Error("fusion: a view asked for a constant");
    },
  };
  ctx.at(
    x,
    x.shape.map((d, i) => (i === axis ? loopIndex(probe, d) : constIndex(0))),
  );
  return splits;
};

/** Decides the roots of `graph`. */
export const planFusion = (graph: Pick<Graph, "outputs">, options: FusionOptions = {}): FusionPlan => {
  const order = topo(graph.outputs);
  const outputs = new Set(graph.outputs);
  const sources = new Set(
    order.filter((n) => n.op === "input" || (n.op === "constant" && size(n.shape) > 1) || (n.op === "constant" && outputs.has(n))),
  );
  const isLeaf = (n: Node): boolean => n.op === "input" || n.op === "constant";
  const forced = options.roots ?? new Set<Node>();
  const roots = new Set<Node>(
    order.filter((n) => !isLeaf(n) && (options.fuse === false || outputs.has(n) || isReduction(n.op) || forced.has(n))),
  );
  if (options.fuse === false) return { roots, sources };
  const off = new Set(options.disable ?? []);
  const on = (rule: FusionRule): boolean => !off.has(rule);

  const consumers = new Map<Node, Node[]>();
  for (const n of order) for (const x of n.inputs) (consumers.get(x) ?? consumers.set(x, []).get(x)!).push(n);
  const uses = (n: Node): number => consumers.get(n)?.length ?? 0;

  /** The node a consumer's read lands on once free movement ops (views, broadcasts) are seen through. */
  const producer = (x: Node): Node => {
    let p = x;
    while (!roots.has(p) && !isLeaf(p) && (isView(p.op) || movementOf(p.op) === "broadcast")) p = p.inputs[0]!;
    return p;
  };
  const inlinable = (n: Node): boolean => !roots.has(n) && !isLeaf(n);

  /**
   * Where `n` is evaluated if inlined: its home root and the views on the way to it. Defined only when
   * every use reaches one home at one index, so the kernel computes `n` once per thread (codegen
   * shares equal subexpressions): then several uses or a reduction inlined there cost nothing extra.
   */
  const placement = (n: Node, memo = new Map<Node, Placement | null>()): Placement | null => {
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    let out: Placement | null = null;
    if (roots.has(n)) out = { root: n, path: [] };
    else {
      const places = (consumers.get(n) ?? []).map((c): Placement | null => {
        if (!flowsOnce(c.op)) return null;
        const p = placement(c, memo);
        return p === null || !isView(c.op) ? p : { root: p.root, path: [...p.path, c] };
      });
      const first = places[0];
      out = first !== undefined && first !== null && places.every((p) => p !== null && samePlacement(p, first)) ? first : null;
    }
    memo.set(n, out);
    return out;
  };

  // One pass in topological order, so a node's cost sees its producers' final decisions.
  const cost = new Map<Node, number>();
  const costOf = (x: Node): number => (roots.has(x) ? 1 : cost.get(x)!);
  for (const n of order) {
    n.inputs.forEach((x, operand) => {
      const p = producer(x);
      // A matmul operand read through views that split the contracted axis (A's last, B's second to last).
      const axis = x.shape.length - 1 - operand;
      const contraction = reductionOf(n.op) === "contraction";
      if (contraction && on("layout") && x !== p && inlinable(x) && splitsContraction(x, axis, (m) => roots.has(m))) roots.add(x);
      if (!inlinable(p)) return;
      const c = costOf(p);
      const broadcasts = n.op === "expand" && size(n.shape) > size(x.shape);
      if (contraction) {
        if (on("operand") && c > CHEAP_OPERAND) roots.add(p);
      } else if (c > CHEAP && ((on("broadcast") && broadcasts) || (on("assemble") && movementOf(n.op) === "assemble"))) roots.add(p);
    });
    const own = isLeaf(n) ? (sources.has(n) ? 1 : 0) : inlineCost(n.op);
    const c = own + n.inputs.reduce((acc, x) => acc + costOf(x), 0);
    cost.set(n, c);
    const repeated = on("repeated") && uses(n) > 1 && c > CHEAP && (!on("samePlace") || placement(n) === null);
    if (inlinable(n) && (repeated || (on("maxCost") && c > MAX_COST))) roots.add(n);
  }

  // A reduction evaluated once per thread of a root that reads each element once (an elementwise root,
  // or a sum/max) is fused there: matmul + bias + activation becomes one kernel.
  for (const r of order) {
    if (!isReduction(r.op) || outputs.has(r) || forced.has(r) || !on("prologue")) continue;
    roots.delete(r);
    const home = placement(r)?.root;
    const rereads = home !== undefined && (reductionOf(home.op) === "contraction" || reductionOf(home.op) === "scatter");
    if (home === undefined || rereads) roots.add(r);
  }
  return { roots, sources };
};
