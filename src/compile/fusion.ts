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
 * - graph outputs are roots; inputs and constants with more than one element are buffers; one-element
 *   constants are literals and iota an index expression.
 * `fuse: false` makes every op its own kernel: the baseline that launch counts are compared against.
 */

import type { Node, OpName } from "../ir/index.js";
import { size } from "../shape/index.js";
import { topo, type Graph } from "../trace/index.js";

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
}

/** Roots of a program: nodes that are computed by a kernel into a buffer. */
export interface FusionPlan {
  readonly roots: ReadonlySet<Node>;
  /** Leaves that live in buffers: inputs and constants of more than one element. */
  readonly sources: ReadonlySet<Node>;
}

const movement = new Set<OpName>(["reshape", "permute", "slice"]);
const reductions = new Set<OpName>(["sum", "max", "matmul", "scatterAdd"]);
const transcendental = new Set<OpName>(["exp", "log", "sin", "cos", "sqrt", "tanh", "erf", "pow", "div"]);
const freeOps = new Set<OpName>(["reshape", "permute", "expand", "slice", "pad", "concat", "gather", "stopGradient", "iota", "cast"]);
/** Ops a reduction's value may flow through into an epilogue: each element is read at most once. */
const epilogueOps = new Set<OpName>([
  "neg",
  "exp",
  "log",
  "sin",
  "cos",
  "sqrt",
  "tanh",
  "erf",
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "less",
  "equal",
  "select",
  "cast",
  "stopGradient",
  "reshape",
  "permute",
  "slice",
]);

/** Work of an inlined expression above which a repeated evaluation earns a buffer. */
const CHEAP = 8;
/** A matmul operand is re-read once per output column: only a scale or a mask is worth inlining. */
const CHEAP_OPERAND = 3;
/** Expressions larger than this are split, to keep kernel sources (and compile times) bounded. */
const MAX_COST = 400;

/** Decides the roots of `graph`. */
export const planFusion = (graph: Pick<Graph, "outputs">, options: FusionOptions = {}): FusionPlan => {
  const order = topo(graph.outputs);
  const outputs = new Set(graph.outputs);
  const position = new Map(order.map((n, i) => [n, i]));
  const sources = new Set(
    order.filter((n) => n.op === "input" || (n.op === "constant" && size(n.shape) > 1) || (n.op === "constant" && outputs.has(n))),
  );
  const isLeaf = (n: Node): boolean => n.op === "input" || n.op === "constant";
  const forced = options.roots ?? new Set<Node>();
  const roots = new Set<Node>(
    order.filter((n) => !isLeaf(n) && (options.fuse === false || outputs.has(n) || reductions.has(n.op) || forced.has(n))),
  );
  if (options.fuse === false) return { roots, sources };

  const consumers = new Map<Node, Node[]>();
  for (const n of order) for (const x of n.inputs) (consumers.get(x) ?? consumers.set(x, []).get(x)!).push(n);
  const uses = (n: Node): number => consumers.get(n)?.length ?? 0;

  /** The node a consumer's read lands on once free movement ops are seen through. */
  const producer = (x: Node): Node => {
    let p = x;
    while (!roots.has(p) && !isLeaf(p) && (p.op === "reshape" || p.op === "permute" || p.op === "expand" || p.op === "slice"))
      p = p.inputs[0]!;
    return p;
  };
  const inlinable = (n: Node): boolean => !roots.has(n) && !isLeaf(n);

  /**
   * Where `n` is evaluated if inlined: its home root and the movement path to it. Defined only when
   * every use reaches one home at one index, so the kernel computes `n` once per thread (codegen
   * shares equal subexpressions): then several uses or a reduction inlined there cost nothing extra.
   */
  const placement = (n: Node, memo = new Map<Node, string | null>()): string | null => {
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    let out: string | null = null;
    if (roots.has(n)) out = `${position.get(n)}:`;
    else {
      const places = (consumers.get(n) ?? []).map((c) => {
        if (!epilogueOps.has(c.op)) return null;
        const p = placement(c, memo);
        return p === null || !movement.has(c.op) ? p : `${p}/${position.get(c)}`;
      });
      out = places.length > 0 && places.every((p) => p !== null && p === places[0]) ? places[0]! : null;
    }
    memo.set(n, out);
    return out;
  };

  // One pass in topological order, so a node's cost sees its producers' final decisions.
  const cost = new Map<Node, number>();
  const costOf = (x: Node): number => (roots.has(x) ? 1 : cost.get(x)!);
  for (const n of order) {
    for (const x of n.inputs) {
      const p = producer(x);
      if (!inlinable(p)) continue;
      const broadcasts = n.op === "expand" && size(n.shape) > size(x.shape);
      const c = costOf(p);
      if (n.op === "matmul" ? c > CHEAP_OPERAND : (broadcasts || n.op === "concat" || n.op === "pad") && c > CHEAP) roots.add(p);
    }
    const own = isLeaf(n) ? (sources.has(n) ? 1 : 0) : freeOps.has(n.op) ? 0 : transcendental.has(n.op) ? 4 : 1;
    const c = own + n.inputs.reduce((acc, x) => acc + costOf(x), 0);
    cost.set(n, c);
    if (inlinable(n) && ((uses(n) > 1 && c > CHEAP && placement(n) === null) || c > MAX_COST)) roots.add(n);
  }

  // A reduction evaluated once per thread of a non-reducing root (or of a sum/max, whose body reads
  // each element once) is fused there: matmul + bias + activation becomes one kernel.
  for (const r of order) {
    if (!reductions.has(r.op) || outputs.has(r) || forced.has(r)) continue;
    roots.delete(r);
    const home = placement(r);
    const root = home === null ? undefined : order[Number(home.split(":")[0])]!;
    if (root === undefined || root.op === "matmul" || root.op === "scatterAdd") roots.add(r);
  }
  return { roots, sources };
};
