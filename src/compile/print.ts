/**
 * @file Reading a program: one block per kernel with its output, its inputs and its expression over
 * the output's flat index `t` (Σ for sum loops, max for max loops), then the buffer plan.
 *
 * ```
 * k0_matmul_add_tanh  b2:f32[2,4] ← x:f32[2,3] w:f32[3,4] b:f32[4]
 *   out[t] = tanh((Σ r0<3: x[3·⌊t/4⌋ + r0] * w[4·r0 + t%4]) + b[t%4])
 * ```
 */

import type { Node } from "../ir/index.js";
import { atomsOf, showIndex, type Index } from "./index-expr.js";
import { children, exprKey, type BufferInfo, type Expr, type Program } from "./kernel-ir.js";

const infix: Partial<Record<string, string>> = { add: "+", sub: "-", mul: "*", div: "/", less: "<", equal: "==" };

/** The name a buffer is printed with: graph inputs by name, constants `c<id>`, the rest `b<id>`. */
export const bufferName = (b: BufferInfo): string =>
  b.role === "input" ? (b.node as Node<"input">).attrs.name.replace(/[^A-Za-z0-9_]/g, "_") : `${b.role === "constant" ? "c" : "b"}${b.id}`;

/** Loop variables an expression reads that it does not bind itself. */
const freeLoops = (e: Expr, memo: Map<Expr, Set<number>>): Set<number> => {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  const s = new Set<number>();
  const fromIndex = (x: Index): void =>
    atomsOf(x, (a) => {
      if (a.kind === "loop") s.add(a.id);
      if (a.kind === "value") freeLoops(a.x, memo).forEach((l) => s.add(l));
    });
  if (e.kind === "load") fromIndex(e.at);
  if (e.kind === "index") fromIndex(e.index);
  children(e).forEach((c) => freeLoops(c, memo).forEach((l) => s.add(l)));
  if (e.kind === "reduce") s.delete(e.loop);
  memo.set(e, s);
  return s;
};

/**
 * One expression as text. Compound subexpressions used more than once (outside any loop) are named
 * `%0`, `%1`, … and listed in `lets`, in evaluation order, so a fused kernel reads like its graph.
 */
export const showExpr = (e: Expr, name: (buffer: number) => string, lets?: string[]): string => {
  const counts = new Map<string, number>();
  const memo = new Map<Expr, Set<number>>();
  const count = (x: Expr): void => {
    const k = exprKey(x);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (counts.get(k) === 1) children(x).forEach(count);
  };
  if (lets !== undefined) count(e);
  const bound = new Map<string, string>();
  const go = (x: Expr): string => {
    const k = exprKey(x);
    const known = bound.get(k);
    if (known !== undefined) return known;
    const text = show(x);
    const shared = lets !== undefined && (counts.get(k) ?? 0) > 1 && x.kind !== "literal" && x.kind !== "load" && x.kind !== "index";
    if (!shared || freeLoops(x, memo).size > 0) return text;
    const v = `%${lets.length}`;
    lets.push(`${v} = ${text}`);
    bound.set(k, v);
    return v;
  };
  const show = (x: Expr): string => {
    switch (x.kind) {
      case "literal":
        return Number.isInteger(x.value) ? String(x.value) : String(+x.value.toPrecision(6));
      case "index":
        return showIndex(x.index, go);
      case "load":
        return `${name(x.buffer)}[${showIndex(x.at, go)}]`;
      case "unary":
        return `${x.op}(${go(x.x)})`;
      case "cast":
        return `${x.to}(${go(x.x)})`;
      case "binary":
      case "compare": {
        const op = infix[x.op];
        return op === undefined ? `${x.op}(${go(x.a)}, ${go(x.b)})` : `(${go(x.a)} ${op} ${go(x.b)})`;
      }
      case "select":
        return `(${go(x.cond)} ? ${go(x.a)} : ${go(x.b)})`;
      case "reduce":
        return `(${x.op === "sum" ? "Σ" : "max"} r${x.loop}<${x.count === undefined ? x.extent : go(x.count)}: ${go(x.body)})`;
    }
  };
  return go(e);
};

const typed = (b: BufferInfo): string => `${bufferName(b)}:${b.dtype}[${b.shape.join(",")}]`;

/**
 * The program as text: kernels in schedule order, then the buffer plan's totals.
 * @example
 * console.log(printKernels(schedule(optimize(trace(({ x }) => softmax(x), { x: spec([4, 5]) })))));
 */
export const printKernels = (program: Program): string => {
  const name = (id: number): string => bufferName(program.buffers[id]!);
  const blocks = program.kernels.map((k) => {
    const head = `${k.name}  ${typed(program.buffers[k.output]!)} ← ${k.inputs.map((i) => typed(program.buffers[i]!)).join(" ")}`;
    const lets: string[] = [];
    const out = showExpr(k.expr, name, lets);
    return [head, ...lets.map((l) => `  ${l}`), `  out[t] = ${out}`].join("\n");
  });
  const p = program.plan;
  const summary = `${program.kernels.length} kernels, ${p.slotBytes.length} buffer slots (${p.plannedBytes} bytes planned), peak ${p.peakBytes} bytes`;
  return [...blocks, summary].join("\n");
};
