/**
 * @file Lowering a graph node to a kernel expression at a multi-index of its output: one rule per
 * primitive (a mapped type over `OpName`, so a primitive without a rule does not compile). Movement
 * ops never load or copy: they rewrite the index and ask for their input there, so a chain of
 * reshape/permute/expand/slice becomes index arithmetic inside whichever kernel reads it. Reductions,
 * matmul and scatter-add open a loop.
 */

import type { Node, OpName } from "../ir/index.js";
import { normAxis, size } from "../shape/index.js";
import { add as indexAdd, addConst, constIndex, loopIndex, ravel, unravel, valueIndex, type Index } from "./index-expr.js";
import { exprKey, type Expr } from "./kernel-ir.js";

/** What a per-op lowering rule may ask of the fusion: its operands' values at an index, fresh loop ids and compile-time constants. */
export interface LowerContext {
  /** `node`'s value at `index`: a load when it lives in a buffer, else its expression, inlined. */
  readonly at: (node: Node, index: ReadonlyArray<Index>) => Expr;
  /** A fresh reduction loop id. */
  readonly loop: () => number;
  /** A new i32 constant computed at compile time, given a buffer of its own. */
  readonly constant: (data: Int32Array, shape: ReadonlyArray<number>) => Node;
}

type Rule<K extends OpName> = (node: Node<K>, index: ReadonlyArray<Index>, ctx: LowerContext) => Expr;

const lit = (value: number): Expr => ({ kind: "literal", value });
const idx = (index: Index): Expr => ({ kind: "index", index });
const input = (node: Node, i: number): Node => node.inputs[i]!;

const unary: Rule<"neg" | "exp" | "log" | "sin" | "cos" | "sqrt" | "tanh" | "erf"> = (node, index, ctx) => ({
  kind: "unary",
  op: node.op,
  x: ctx.at(input(node, 0), index),
});
const binary: Rule<"add" | "sub" | "mul" | "div" | "pow" | "maximum"> = (node, index, ctx) => ({
  kind: "binary",
  op: node.op,
  a: ctx.at(input(node, 0), index),
  b: ctx.at(input(node, 1), index),
});
const compare: Rule<"less" | "equal"> = (node, index, ctx) => ({
  kind: "compare",
  op: node.op,
  a: ctx.at(input(node, 0), index),
  b: ctx.at(input(node, 1), index),
});
const identity: Rule<"stopGradient"> = (node, index, ctx) => ctx.at(input(node, 0), index);
const unreachable = (node: Node): Expr => {
  throw new Error(`lower: ${node.op} lives in a buffer and is never lowered to an expression`);
};

/** Sum or max over `axes`: one loop over the reduced elements, its counter unravelled per axis. */
const reduce: Rule<"sum" | "max"> = (node, index, ctx) => {
  const x = input(node, 0);
  const axes = node.attrs.axes.map((a) => normAxis(node.op, x.shape, a));
  const dims = axes.map((a) => x.shape[a]!);
  const loop = ctx.loop();
  const r = unravel(loopIndex(loop, size(dims)), dims);
  const at = x.shape.map((_, d) => (axes.includes(d) ? r[axes.indexOf(d)]! : index[d]!));
  return { kind: "reduce", op: node.op, loop, extent: size(dims), body: ctx.at(x, at) };
};

/**
 * Contributions to each output of a scatter-add with constant indices, grouped by output in index
 * order (so sums accumulate in the reference's order): output p takes `upd` at positions
 * `perm[start[p] … start[p] + count[p])` along the axis.
 */
const csr = (idx: ArrayLike<number>, idxShape: ReadonlyArray<number>, outShape: ReadonlyArray<number>, axis: number) => {
  const outSize = size(outShape);
  const count = new Int32Array(outSize);
  const inner = size(idxShape.slice(axis + 1));
  const [j, line] = [(q: number) => Math.floor(q / inner) % idxShape[axis]!, (q: number) => Math.floor(q / (inner * idxShape[axis]!))];
  const target = (q: number): number => (line(q) * outShape[axis]! + idx[q]!) * inner + (q % inner);
  for (let q = 0; q < idx.length; q++) count[target(q)]!++;
  const start = new Int32Array(outSize);
  for (let p = 1; p < outSize; p++) start[p] = start[p - 1]! + count[p - 1]!;
  const perm = new Int32Array(idx.length);
  const fill = new Int32Array(outSize);
  for (let q = 0; q < idx.length; q++) {
    const p = target(q);
    perm[start[p]! + fill[p]!++] = j(q);
  }
  return { start, count, perm, longest: count.reduce((m, c) => Math.max(m, c), 0) };
};

/**
 * `ix` is a constant, or a constant broadcast (expand) along axes other than the scatter axis `a`:
 * then the segments are computed once on the constant's own shape and shared by every broadcast copy.
 */
const segmentSum = (node: Node<"scatterAdd">, ix: Node<"constant">, index: ReadonlyArray<Index>, ctx: LowerContext, a: number): Expr => {
  const [base, upd] = [input(node, 0), input(node, 2)];
  const outShape = node.shape.map((d, i) => (ix.shape[i] === 1 && i !== a ? 1 : d));
  const { start, count, perm, longest } = csr(ix.attrs.data, ix.shape, outShape, a);
  const base0 = ctx.at(base, index);
  if (longest === 0) return base0;
  const loop = ctx.loop();
  const segment = index.map((i, d) => (outShape[d] === 1 ? constIndex(0) : i));
  const first = ctx.at(ctx.constant(start, outShape), segment);
  const at = valueIndex(first, perm.length, exprKey(first));
  const slot = ctx.at(ctx.constant(perm, [perm.length]), [indexAdd(at, loopIndex(loop, longest))]);
  const j = valueIndex(slot, ix.shape[a]!, exprKey(slot));
  const body = ctx.at(
    upd,
    index.map((i, d) => (d === a ? j : i)),
  );
  const trips = ctx.at(ctx.constant(count, outShape), segment);
  const sum: Expr = { kind: "reduce", op: "sum", loop, extent: longest, body, count: trips };
  return base0.kind === "literal" && base0.value === 0 ? sum : { kind: "binary", op: "add", a: base0, b: sum };
};

/** The kernel-expression rule of every primitive. */
export const lowering: { readonly [K in OpName]: Rule<K> } = {
  input: unreachable,
  constant: unreachable,
  iota: (node, index) => idx(index[node.attrs.axis]!),
  neg: unary,
  exp: unary,
  log: unary,
  sin: unary,
  cos: unary,
  sqrt: unary,
  tanh: unary,
  erf: unary,
  add: binary,
  sub: binary,
  mul: binary,
  div: binary,
  pow: binary,
  maximum: binary,
  less: compare,
  equal: compare,
  select: (node, index, ctx) => ({
    kind: "select",
    cond: ctx.at(input(node, 0), index),
    a: ctx.at(input(node, 1), index),
    b: ctx.at(input(node, 2), index),
  }),
  cast: (node, index, ctx) => {
    const x = input(node, 0);
    // bool → anything and i32 → f32 keep the value; the rest truncate or test ≠ 0.
    const v = ctx.at(x, index);
    return x.dtype === "bool" || (x.dtype === "i32" && node.attrs.to === "f32") ? v : { kind: "cast", to: node.attrs.to, x: v };
  },
  stopGradient: identity,
  sum: reduce,
  max: reduce,
  reshape: (node, index, ctx) => {
    const x = input(node, 0);
    return ctx.at(x, unravel(ravel(index, node.shape), x.shape));
  },
  permute: (node, index, ctx) => {
    const x = input(node, 0);
    const at = new Array<Index>(x.shape.length);
    node.attrs.perm.forEach((p, i) => (at[normAxis("permute", x.shape, p)] = index[i]!));
    return ctx.at(x, at);
  },
  expand: (node, index, ctx) => {
    const x = input(node, 0);
    return ctx.at(
      x,
      x.shape.map((d, i) => (d === 1 ? constIndex(0) : index[i]!)),
    );
  },
  slice: (node, index, ctx) =>
    ctx.at(
      input(node, 0),
      index.map((ix, d) => addConst(ix, node.attrs.starts[d]!)),
    ),
  pad: (node, index, ctx) => {
    const x = input(node, 0);
    const at = index.map((ix, d) => addConst(ix, -node.attrs.lo[d]!));
    let e = ctx.at(x, at);
    const zero = lit(0);
    // Inside on every padded axis: 0 ≤ at[d] < dim (loads are clamped, so the discarded branch is safe).
    x.shape.forEach((dim, d) => {
      if (node.attrs.lo[d] === 0 && node.attrs.hi[d] === 0) return;
      e = { kind: "select", cond: { kind: "compare", op: "less", a: idx(at[d]!), b: lit(0) }, a: zero, b: e };
      e = { kind: "select", cond: { kind: "compare", op: "less", a: idx(at[d]!), b: lit(dim) }, a: e, b: zero };
    });
    return e;
  },
  concat: (node, index, ctx) => {
    const a = normAxis("concat", node.shape, node.attrs.axis);
    const starts: number[] = [];
    let at = 0;
    for (const x of node.inputs) {
      starts.push(at);
      at += x.shape[a]!;
    }
    const part = (k: number): Expr =>
      ctx.at(
        input(node, k),
        index.map((ix, d) => (d === a ? addConst(ix, -starts[k]!) : ix)),
      );
    let e = part(node.inputs.length - 1);
    for (let k = node.inputs.length - 2; k >= 0; k--) {
      e = { kind: "select", cond: { kind: "compare", op: "less", a: idx(index[a]!), b: lit(starts[k + 1]!) }, a: part(k), b: e };
    }
    return e;
  },
  gather: (node, index, ctx) => {
    const [x, ix] = [input(node, 0), input(node, 1)];
    const a = normAxis("gather", x.shape, node.attrs.axis);
    const picked = ctx.at(ix, index);
    return ctx.at(
      x,
      index.map((i, d) => (d === a ? valueIndex(picked, x.shape[a]!, exprKey(picked)) : i)),
    );
  },
  // out[p] = base[p] + Σ_j (idx[p with axis = j] = p[axis]) · upd[p with axis = j]: a loop, no atomics.
  // With constant indices, each output loops over its own contributions only (segments, see csr).
  scatterAdd: (node, index, ctx) => {
    const [base, ix, upd] = [input(node, 0), input(node, 1), input(node, 2)];
    const a = normAxis("scatterAdd", node.shape, node.attrs.axis);
    const src = ix.op === "expand" ? input(ix, 0) : ix;
    if (src.op === "constant" && src.shape.length === ix.shape.length && src.shape[a] === ix.shape[a])
      return segmentSum(node, src as Node<"constant">, index, ctx, a);
    const loop = ctx.loop();
    const at = index.map((i, d) => (d === a ? loopIndex(loop, ix.shape[a]!) : i));
    const hit: Expr = { kind: "compare", op: "equal", a: ctx.at(ix, at), b: idx(index[a]!) };
    const body: Expr = { kind: "select", cond: hit, a: ctx.at(upd, at), b: lit(0) };
    return {
      kind: "binary",
      op: "add",
      a: ctx.at(base, index),
      b: { kind: "reduce", op: "sum", loop, extent: ix.shape[a]!, body },
    };
  },
  matmul: (node, index, ctx) => {
    const [x, y] = [input(node, 0), input(node, 1)];
    const r = node.shape.length;
    const k = x.shape[r - 1]!;
    const loop = ctx.loop();
    const p = loopIndex(loop, k);
    const batch = index.slice(0, r - 2);
    const body: Expr = {
      kind: "binary",
      op: "mul",
      a: ctx.at(x, [...batch, index[r - 2]!, p]),
      b: ctx.at(y, [...batch, p, index[r - 1]!]),
    };
    return { kind: "reduce", op: "sum", loop, extent: k, body };
  },
};

/** `node`'s expression at `index` by its op's rule (`lowering`), for a node of any op. */
export const lowerNode = (node: Node, index: ReadonlyArray<Index>, ctx: LowerContext): Expr =>
  (lowering[node.op] as (n: Node, i: ReadonlyArray<Index>, c: LowerContext) => Expr)(node, index, ctx);
