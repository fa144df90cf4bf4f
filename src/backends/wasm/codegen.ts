/**
 * @file Kernel IR → one WebAssembly function. The function loops over the tiles of its output
 * (tiling.ts); in each tile it evaluates R·C copies of the kernel expression, each a vector of W lanes
 * (the expression re-expressed at each lane's output index), and stores them. A call runs its share of
 * the outer tile loop (parameters `part` of `parts`), so threads can split a kernel.
 *
 * This file walks the tile blocks and wires the emitters, one concern per file, around one explicit
 * state (`emit-state.ts`: locals, lane and loop variables, scopes):
 * - `index-code.ts`: index arithmetic (atoms, terms, addresses), exact i32, hoisted per loop;
 * - `values.ts`: values (loads, ops, literals) as f32 or f32x4 locals, shared by structural key;
 * - `loops.ts`: reduction loops (shared by loop id, unrolled; vector accumulators over trips);
 * - `packing.ts`: packed panels of matmul-like reductions (B's strided rows as one scratch stream);
 * - `fragments.ts`: code fragments (loops, op application, lane assembly).
 * The scopes, the top-level reductions and their loops are `src/compile/emit-scope.ts`, shared with
 * the gpu.js code generator.
 */

import { reductionGroups, resetExprSerials, topReductions, type Kernel } from "../../compile/index.js";
import { codegenState, PART, PARTS, type Codegen } from "./emit-state.js";
import { append, countedLoop, keyOf, rangeLoopClose, rangeLoopOpen } from "./fragments.js";
import { address, indexLocal } from "./index-code.js";
import { emitLoop } from "./loops.js";
import { wasmLowering, type WasmLowering } from "./lowering.js";
import { I32, op, vop, type FunctionBody } from "./module.js";
import { packCode, packedLoad, startBlock } from "./packing.js";
import { blocksOf, copiesOf, extentsOf, type Block, type Tiling } from "./tiling.js";
import { emit } from "./values.js";

/** A kernel's function and the scratch bytes its packed operands need (from the call's scratch address). */
export interface KernelFunction extends FunctionBody {
  readonly scratchBytes: number;
}

/** The tile body of one block: every copy computed and stored. */
const tileBody = (cx: Codegen, block: Block): number[] => {
  const { scopes, tiling, kernel } = cx;
  const W = block.width;
  scopes.reset();
  startBlock(cx, W > 1 && (block.rows > 1 || block.cols > 1) && extentsOf(block).y >= 2);
  const copies = copiesOf(kernel.expr, tiling, block);
  // Reductions first, grouped by loop, so that the copies share their loop trips.
  const pending = topReductions(
    copies.map((c) => c.lanes),
    keyOf,
  ).filter((g) => cx.exprLoops(g[0]!).size === 0);
  reductionGroups(
    pending,
    (g) => g[0]!,
    (g) => scopes.lookup(keyOf(g)) !== undefined,
    (group) => cx.emitLoop(group, scopes.outer()),
  );
  const root = scopes.outer();
  for (const { lanes, at } of copies) {
    const v = cx.emit(lanes);
    const a = cx.address(kernel.output, at);
    root.code.push(...op.get(a.addr), ...op.get(v), ...(W === 1 ? op.f32Store(a.offset) : vop.store(a.offset)));
  }
  return root.code;
};

/**
 * The function computing `kernel` into its output buffer with `tiling`. `size` is the output's element
 * count; `table` the lowering table. Its buffers are wherever its argument table (`ARGS`) says, so one
 * function serves every copy of a kernel.
 */
export const kernelFunction = (kernel: Kernel, size: number, tiling: Tiling, table: WasmLowering = wasmLowering): KernelFunction => {
  resetExprSerials(0);
  const cx = codegenState(kernel, tiling, table, { emit, emitLoop, indexLocal, address, packedLoad });
  const code: number[] = [...cx.prologue];
  let scratchBytes = 0;
  for (const block of blocksOf(tiling, size)) {
    const { x, y } = extentsOf(block);
    const body = tileBody(cx, block);
    scratchBytes = Math.max(scratchBytes, cx.pack.used);
    // Blocked tiles walk row groups innermost: the column group's packed B stream serves them all.
    const blocked = block.rows > 1 || block.cols > 1;
    const [outer, outerN, inner, innerN] = blocked ? [cx.laneX, x, cx.laneY, y] : [cx.laneY, y, cx.laneX, x];
    // This call's share of the outer loop: [⌊N·part/parts⌋, ⌊N·(part+1)/parts⌋).
    const share = (next: number): number[] => [
      ...op.i32Const(outerN),
      ...op.get(PART),
      ...(next === 0 ? [] : [...op.i32Const(1), ...op.i32Add]),
      ...op.i32Mul,
      ...op.get(PARTS),
      ...op.i32DivU,
    ];
    const end = cx.local(I32);
    append(code, share(1), op.set(end));
    rangeLoopOpen(code, outer, share(0), end);
    if (blocked) packCode(cx, code);
    countedLoop(code, inner, 0, innerN, 1, body);
    rangeLoopClose(code, outer);
  }
  return { name: kernel.name, locals: cx.locals, code, scratchBytes };
};
