/**
 * @file Packed panels for matmul-like reductions (register-blocked vector tiles only). A contiguous
 * vector load inside a top-level reduction that depends on nothing but that loop's variable and the
 * column group x (B's columns in a matmul) is copied, for every trip, into a sequential scratch stream
 * before the loop over row groups, which then all read it from there: strided rows of B (a 4 KiB
 * stride aliases in the caches) become one sequential, cache-resident stream. `packedLoad` registers a
 * stream while the tile body is emitted; `packCode` then emits the copies, one loop per packed
 * reduction, run once per column group.
 */

import { indexExpr as ix, substituteIndex, type Index } from "../../compile/index.js";
import { append, countedLoop } from "./fragments.js";
import { SCRATCH, type Codegen } from "./emit-state.js";
import { I32, op, vop } from "./module.js";

/** Longest reduction whose operands are packed (64 KiB of scratch per packed vector stream). */
export const MAX_PACKED_EXTENT = 4096;

/** Starts a tile block: no packed loops yet; `enabled` says whether this block packs at all. */
export const startBlock = (cx: Codegen, enabled: boolean): void => {
  cx.pack.packs = new Map();
  cx.pack.used = 0;
  cx.pack.enabled = enabled;
};

/** The packed loop an index streams over, if it depends on nothing but that loop and x. */
const packLoopOf = (cx: Codegen, x: Index): number | undefined => {
  let loop: number | undefined;
  let ok = true;
  ix.atomsOf(x, (a) => {
    if (a.kind === "loop" && cx.pack.packs.has(a.id) && (loop === undefined || loop === a.id)) loop = a.id;
    else if (!(a.kind === "lane" && a.axis === "x") && a.kind !== "div" && a.kind !== "mod" && a.kind !== "clamp") ok = false;
  });
  return ok ? loop : undefined;
};

/** A load of four consecutive elements read from its packed stream, registering the stream. */
export const packedLoad =
  (cx: Codegen) =>
  (buffer: number, at: Index): number[] | undefined => {
    const loop = packLoopOf(cx, at);
    if (loop === undefined) return undefined;
    const { extent, patterns } = cx.pack.packs.get(loop)!;
    const u = cx.shifts.get(loop) ?? 0;
    const base = substituteIndex(
      at,
      (a) => (a.kind === "loop" && a.id === loop ? ix.addConst(ix.atomIndex(a), -u) : undefined),
      `r${loop}+${-u}`,
    );
    const key = `${buffer}@${ix.indexKeySig(base)}`;
    let pattern = patterns.get(key);
    if (pattern === undefined) {
      pattern = { buffer, at: base, slot: cx.pack.used };
      cx.pack.used += extent * 16;
      patterns.set(key, pattern);
    }
    const r = cx.loopVars.get(loop)!;
    const addr = cx.bindIn(cx.scopes.scopeFor(new Set([loop])), `pack:${loop}`, I32, [
      ...op.get(r),
      ...op.i32Const(4),
      ...op.i32Shl,
      ...op.get(SCRATCH),
      ...op.i32Add,
    ]);
    return [...op.get(addr), ...cx.table.load.contiguous(pattern.slot + 16 * u)];
  };

/** Appends to `into` the copies of packed streams, one loop per packed reduction (run once per column group). */
export const packCode = (cx: Codegen, into: number[]): number[] => {
  cx.scopes.reset();
  const loops: number[] = [];
  for (const [loop, { extent, patterns }] of cx.pack.packs) {
    if (patterns.size === 0) continue;
    const r = cx.loopVars.get(loop)!;
    const body = cx.scopes.inLoop(loop, (inner) => {
      const to = cx.bindIn(inner, "to", I32, [...op.get(r), ...op.i32Const(4), ...op.i32Shl, ...op.get(SCRATCH), ...op.i32Add]);
      for (const { buffer, at, slot } of patterns.values()) {
        const a = cx.address(buffer, at);
        inner.code.push(...op.get(to), ...op.get(a.addr), ...cx.table.load.contiguous(a.offset), ...vop.store(slot));
      }
    }).scope.code;
    countedLoop(loops, r, 0, extent, 1, body);
  }
  return append(into, cx.scopes.outer().code, loops);
};
