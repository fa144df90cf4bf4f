/**
 * @file Code fragments the wasm code generator assembles: loops, op application in both widths, lane
 * assembly, and the lane-list view of expressions (one expression per lane, structurally equal). Code
 * is a plain byte array; large pieces are appended with loops, never spread into call arguments
 * (a kernel body can outgrow the engine's argument limit).
 */

import { exprKey, type Expr } from "../../compile/index.js";
import { mathImports, type MathImport, type Op } from "./lowering.js";
import { F32, op, V128, vop, type ValType } from "./module.js";

/** One expression per lane (1 or 4 lanes; structurally equal, differing in indices). */
export type Lanes = ReadonlyArray<Expr>;
export type Reduce = Extract<Expr, { kind: "reduce" }>;

/** Appends `parts` to `into` and returns it. */
export const append = (into: number[], ...parts: ReadonlyArray<ReadonlyArray<number>>): number[] => {
  for (const part of parts) for (let i = 0; i < part.length; i++) into.push(part[i]!);
  return into;
};

/** Function index of each imported math function (imports come first, in `mathImports` order). */
export const importIndex = (name: MathImport): number => Object.keys(mathImports).indexOf(name);

/** `for (r = from; r < to; r += step) body` with from < to known: the test at the bottom. */
export const countedLoop = (r: number, from: number, to: number, step: number, body: ReadonlyArray<number>): number[] =>
  append([...op.i32Const(from), ...op.set(r), ...op.loop], body, [
    ...op.get(r),
    ...op.i32Const(step),
    ...op.i32Add,
    ...op.tee(r),
    ...op.i32Const(to),
    ...op.i32LtS,
    ...op.brIf(0),
    ...op.end,
  ]);

/** `for (r = from; r < to; r++) body` with `from` the value `start` pushes and `to` a local: maybe no trip. */
export const rangeLoop = (r: number, start: ReadonlyArray<number>, to: number, body: ReadonlyArray<number>): number[] =>
  append([...start, ...op.set(r), ...op.block, ...op.loop, ...op.get(r), ...op.get(to), ...op.i32GeS, ...op.brIf(1)], body, [
    ...op.get(r),
    ...op.i32Const(1),
    ...op.i32Add,
    ...op.set(r),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ]);

/** Code leaving the op's result on the stack, from operand locals; imports run lane by lane. */
export const opCode = (o: Op, operands: ReadonlyArray<number>, width: number): number[] => {
  if ("scalar" in o) return [...operands.flatMap((l) => op.get(l)), ...(width === 1 ? o.scalar : o.vector)];
  const call = op.call(importIndex(o.call));
  const lane = (q: number): number[] => [
    ...operands.flatMap((l) => [...op.get(l), ...(width === 1 ? [] : vop.extract(q)), ...op.f64PromoteF32]),
    ...call,
    ...op.f32DemoteF64,
  ];
  if (width === 1) return lane(0);
  return [...lane(0), ...vop.splat, ...[1, 2, 3].flatMap((q) => [...lane(q), ...vop.replace(q)])];
};

/** Lanes assembled from one scalar each: splat the first, replace the rest. */
export const assemble = (scalars: ReadonlyArray<ReadonlyArray<number>>): number[] =>
  scalars.length === 1 ? [...scalars[0]!] : scalars.flatMap((s, q) => [...s, ...(q === 0 ? vop.splat : vop.replace(q))]);

export const valType = (lanes: Lanes): ValType => (lanes.length === 1 ? F32 : V128);

/** Structural key of a lane list (scalars and vectors of one expression differ). */
export const keyOf = (lanes: Lanes): string => (lanes.length === 1 ? `s:${exprKey(lanes[0]!)}` : `v:${lanes.map(exprKey).join("|")}`);
