/**
 * @file Code fragments the wasm code generator assembles: loops, op application in both widths, lane
 * assembly, and the lane-list view of expressions (one expression per lane, structurally equal),
 * keyed by `exprSerial` (a number per distinct structure: short keys, whatever the expression's size).
 * Code is a plain byte array; large pieces are appended with loops, never spread into call arguments
 * (a kernel body can outgrow the engine's argument limit).
 */

import { exprSerial, type Expr } from "../../compile/index.js";
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

/** Opens `for (r = from; …)` in `into` (a counted loop: the test is at the bottom, `countedLoopClose`). */
export const countedLoopOpen = (into: number[], r: number, from: number): number[] => append(into, op.i32Const(from), op.set(r), op.loop);

/** Closes a counted loop opened by `countedLoopOpen`: `r += step`, again while `r < to`. */
export const countedLoopClose = (into: number[], r: number, to: number, step: number): number[] =>
  append(into, op.get(r), op.i32Const(step), op.i32Add, op.tee(r), op.i32Const(to), op.i32LtS, op.brIf(0), op.end);

/** Appends `for (r = from; r < to; r += step) body` with from < to known (the test at the bottom) to `into`. */
export const countedLoop = (into: number[], r: number, from: number, to: number, step: number, body: ReadonlyArray<number>): number[] =>
  countedLoopClose(append(countedLoopOpen(into, r, from), body), r, to, step);

/** Opens `for (r = start; r < to; r++)` in `into`, with `start` the code pushing the first value and `to` a local: maybe no trip. */
export const rangeLoopOpen = (into: number[], r: number, start: ReadonlyArray<number>, to: number): number[] =>
  append(into, start, op.set(r), op.block, op.loop, op.get(r), op.get(to), op.i32GeS, op.brIf(1));

/** Closes a range loop opened by `rangeLoopOpen`. */
export const rangeLoopClose = (into: number[], r: number): number[] =>
  append(into, op.get(r), op.i32Const(1), op.i32Add, op.set(r), op.br(0), op.end, op.end);

/** Appends `for (r = start; r < to; r++) body` (`rangeLoopOpen`) to `into`. */
export const rangeLoop = (into: number[], r: number, start: ReadonlyArray<number>, to: number, body: ReadonlyArray<number>): number[] =>
  rangeLoopClose(append(rangeLoopOpen(into, r, start, to), body), r);

/** Code leaving the op's result on the stack, from operand locals; imports run lane by lane; `local` gives an `expand` op scratch locals. */
export const opCode = (o: Op, operands: ReadonlyArray<number>, width: number, local?: (t: ValType) => number): number[] => {
  if ("expand" in o)
    return o.expand(
      operands,
      width,
      local ??
        ((): never => {
          throw new Error("wasm: this op needs scratch locals");
        }),
    );
  if ("scalar" in o) {
    const code: number[] = [];
    for (const l of operands) append(code, op.get(l));
    return append(code, width === 1 ? o.scalar : o.vector);
  }
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
export const keyOf = (lanes: Lanes): string => {
  if (lanes.length === 1) return `s:${exprSerial(lanes[0]!)}`;
  let k = "v:";
  for (const l of lanes) k += `${exprSerial(l)}|`;
  return k;
};
