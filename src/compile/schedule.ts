/**
 * @file From a graph to a program: fusion decides the roots, each root becomes one kernel (its
 * expression at the output's flat index `t`, with non-roots inlined), kernels run in topological order,
 * and the buffer plan assigns their outputs to reusable slots.
 */

import { constant, type Node, type OpName } from "../ir/index.js";
import { size } from "../shape/index.js";
import { topo, type Graph } from "../trace/index.js";
import { planBuffers } from "./buffer-plan.js";
import { planFusion, type FusionOptions } from "./fusion.js";
import { atomsOf, clamp, indexKey, ravel, threadIndex, unravel, type Index } from "./index-expr.js";
import { children, type BufferInfo, type Expr, type Kernel, type Program } from "./kernel-ir.js";
import { lowerNode, type LowerContext } from "./lower.js";
import { isView, movementOf, traitsOf } from "./op-traits.js";

/** Largest buffer whose flat indices are exact in float32 index arithmetic (GL and WebAssembly). */
export const MAX_ELEMENTS = 2 ** 24;

/** The tensor a `BufferLimitError` is about. */
export interface OversizedTensor {
  readonly op: string;
  readonly dtype: string;
  readonly shape: ReadonlyArray<number>;
  readonly elements: number;
}

/** Raised when a tensor cannot be given a buffer: names the tensor, its size and the limit. */
export class BufferLimitError extends Error {
  override readonly name = "BufferLimitError";
  /** The tensor that does not fit (for callers that suggest a smaller batch). */
  readonly tensor: OversizedTensor | undefined;
  constructor(message: string, tensor?: OversizedTensor) {
    super(message);
    this.tensor = tensor;
  }
}

/** Every buffer a kernel expression loads, in first-load order (gathered indices included). */
const loadsOf = (e: Expr): number[] => {
  const seen: number[] = [];
  const visitIndex = (x: Index): void =>
    atomsOf(x, (a) => {
      if (a.kind === "value") visit(a.x);
    });
  const visit = (n: Expr): void => {
    if (n.kind === "load") {
      visitIndex(n.at);
      if (!seen.includes(n.buffer)) seen.push(n.buffer);
    }
    if (n.kind === "index") visitIndex(n.index);
    children(n).forEach(visit);
  };
  visit(e);
  return seen;
};

/**
 * Compiles a graph into kernels, a schedule and a buffer plan. With `maxInputs`, a kernel that reads
 * more buffers is split: the nodes inlined directly under its root become roots, and fusion runs again.
 */
export const schedule = (graph: Graph, options: FusionOptions = {}): Program => {
  let forced = new Set(options.roots ?? []);
  for (;;) {
    const program = scheduleOnce(graph, { ...options, roots: forced });
    const limit = options.maxInputs ?? Infinity;
    const over = program.kernels.filter((k) => k.inputs.length > limit);
    const next = new Set(forced);
    const isRoot = new Set(program.kernels.map((k) => k.root));
    for (const k of over) inlinedFrontier(k.root, isRoot).forEach((n) => next.add(n));
    if (next.size === forced.size) return program;
    forced = next;
  }
};

/** The nearest layer of inlined nodes under `root`: what to make roots to split its kernel. */
const inlinedFrontier = (root: Node, isRoot: ReadonlySet<Node>): Node[] => {
  let level = root.inputs.filter((x) => x.op !== "input" && x.op !== "constant" && !isRoot.has(x));
  const seen = new Set<Node>();
  while (level.length > 0) {
    const real = level.filter((n) => !(isView(n.op) || movementOf(n.op) === "broadcast" || traitsOf(n.op).kind === "identity"));
    if (real.length > 0) return real;
    level.forEach((n) => seen.add(n));
    level = level.flatMap((n) => n.inputs).filter((x) => x.op !== "input" && x.op !== "constant" && !isRoot.has(x) && !seen.has(x));
  }
  return [];
};

const scheduleOnce = (graph: Graph, options: FusionOptions): Program => {
  const { roots, sources } = planFusion(graph, options);
  const order = topo(graph.outputs);
  const position = new Map(order.map((n, i) => [n, i]));
  const buffers: BufferInfo[] = [];
  const bufferOf = new Map<Node, number>();
  const outputs = new Set(graph.outputs);
  for (const n of order) {
    if (!sources.has(n) && !roots.has(n)) continue;
    if (size(n.shape) > MAX_ELEMENTS) {
      throw new BufferLimitError(
        `${n.op}:${n.dtype}[${n.shape.join(",")}] has ${size(n.shape)} elements; a buffer holds at most ${MAX_ELEMENTS} (float32 index arithmetic)`,
        { op: n.op, dtype: n.dtype, shape: n.shape, elements: size(n.shape) },
      );
    }
    const role = n.op === "input" ? "input" : n.op === "constant" ? "constant" : outputs.has(n) ? "output" : "intermediate";
    const inputIndex = n.op === "input" ? graph.inputs.indexOf(n as Node<"input">) : undefined;
    bufferOf.set(n, buffers.length);
    buffers.push({
      id: buffers.length,
      role,
      shape: n.shape,
      dtype: n.dtype,
      size: size(n.shape),
      node: n,
      ...(inputIndex === undefined ? {} : { inputIndex }),
    });
  }

  const kernels: Kernel[] = [];
  for (const root of order) {
    if (!roots.has(root)) continue;
    let loops = 0;
    const ops: OpName[] = [];
    const memo = new Map<string, Expr>();
    const ctx: LowerContext = {
      loop: () => loops++,
      constant: (data, shape) => {
        const node = constant(data, shape, "i32");
        bufferOf.set(node, buffers.length);
        buffers.push({ id: buffers.length, role: "constant", shape: node.shape, dtype: "i32", size: data.length, node });
        return node;
      },
      at: (node, index) => {
        const buffer = bufferOf.get(node);
        const n = size(node.shape);
        // An empty tensor is only ever read where a select discards it (pad, concat): read nothing.
        if (n === 0) return { kind: "literal", value: 0 };
        if (buffer !== undefined && node !== root) {
          return { kind: "load", buffer, at: clamp(ravel(index, node.shape), n - 1) };
        }
        if (node.op === "constant") return { kind: "literal", value: (node as Node<"constant">).attrs.data[0]! };
        const key = `${position.get(node)}@${index.map(indexKey).join(";")}`;
        const hit = memo.get(key);
        if (hit !== undefined) return hit;
        if (!ops.includes(node.op)) ops.push(node.op);
        const e = lowerNode(node, index, ctx);
        memo.set(key, e);
        return e;
      },
    };
    const expr = ctx.at(root, unravel(threadIndex(size(root.shape)), root.shape));
    const named = ops.filter((o) => !["reshape", "permute", "expand", "stopGradient"].includes(o));
    kernels.push({
      name: `k${kernels.length}_${(named.length > 0 ? named : ops).slice(0, 4).join("_")}`,
      output: bufferOf.get(root)!,
      inputs: loadsOf(expr),
      expr,
      ops,
      root,
    });
  }
  const outputIds = graph.outputs.map((o) => bufferOf.get(o)!);
  return { buffers, kernels, outputs: outputIds, plan: planBuffers(buffers, kernels, outputIds) };
};
