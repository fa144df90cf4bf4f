/**
 * @file Kernel IR → one WebAssembly function. The function loops over the tiles of its output
 * (tiling.ts); in each tile it evaluates R·C copies of the kernel expression, each a vector of W lanes
 * (the expression re-expressed at each lane's output index), and stores them. Every value is bound to
 * a local once (equal subexpressions share it, by structural key) in the outermost scope it can live
 * in: whatever does not depend on a reduction loop's variable is hoisted out of that loop, and so is
 * the loop-invariant part of every index. Index arithmetic is exact i32; a load's constant offset goes
 * into the instruction's immediate, so unrolled steps and adjacent lanes share one address. A load
 * whose lanes read consecutive elements is one `v128.load`, one whose lanes agree is one
 * `v128.load32_splat`, others gather lane by lane. Reductions of one loop id share one loop (unrolled
 * by 4), which is what makes the R·C copies of a matmul a register-blocked micro-kernel. A call runs
 * its share of the outer tile loop (parameters `part` of `parts`), so threads can split a kernel.
 * The scopes, the top-level reductions and their loops are `src/compile/emit-scope.ts`, shared with
 * the gpu.js code generator.
 */

import {
  exprKey,
  freeLoops,
  indexExpr as ix,
  loopsOfIndex,
  substituteIndex,
  atTrip,
  reductionGroups,
  scopeStack,
  topReductions,
  type Atom,
  type EmitScope,
  type Expr,
  type Index,
  type Kernel,
} from "../../compile/index.js";
import { append, assemble, countedLoop, rangeLoop, keyOf, opCode, valType, type Lanes, type Reduce } from "./fragments.js";
import { wasmLowering, type Op, type WasmLowering } from "./lowering.js";
import { F32, I32, KERNEL_PARAMS, op, V128, vop, type FunctionBody, type ValType } from "./module.js";
import { blocksOf, copiesOf, extentsOf, type Block, type Tiling } from "./tiling.js";

/** Byte offset of each buffer in the module's memory. */
export type OffsetOf = (buffer: number) => number;

/** A kernel's function and the scratch bytes its packed operands need (at `scratch` plus the call's scratch base). */
export interface KernelFunction extends FunctionBody {
  readonly scratchBytes: number;
}

/** Longest reduction whose operands are packed (64 KiB of scratch per packed vector stream). */
const MAX_PACKED_EXTENT = 4096;

/** A vector stream packed before the row loop: `buffer` at `at` for every trip of its loop. */
interface Pattern {
  readonly buffer: number;
  readonly at: Index;
  /** Byte offset of its packed copy in scratch. */
  readonly slot: number;
}

/**
 * The function computing `kernel` into its output buffer with `tiling`. `size` is the output's element
 * count; `scratch` the byte offset of the scratch area; `table` the lowering table.
 *
 * Packing (register-blocked tiles only): a contiguous vector load inside a top-level reduction that
 * depends on nothing but that loop's variable and the column group x (B's columns in a matmul) is
 * copied, for every trip, into a sequential scratch stream before the loop over row groups, which then
 * all read it from there: strided rows of B (a 4 KiB stride aliases in the caches) become one
 * sequential, cache-resident stream.
 */
export const kernelFunction = (
  kernel: Kernel,
  size: number,
  tiling: Tiling,
  offsetOf: OffsetOf,
  scratch: number,
  table: WasmLowering = wasmLowering,
): KernelFunction => {
  const locals: ValType[] = [];
  const local = (t: ValType): number => KERNEL_PARAMS + locals.push(t) - 1;
  // Parameters: this call's part of the outer tile loop, the number of parts, its scratch base (bytes).
  const [PART, PARTS, SCRATCH] = [0, 1, 2];
  const W = tiling.width;
  const laneX = local(I32);
  const laneY = local(I32);
  const loopVars = new Map<number, number>();
  /** Packed loops of the current block: loop id → extent and its patterns by index key. */
  let packs = new Map<number, { readonly extent: number; readonly patterns: Map<string, Pattern> }>();
  let packing = false;
  let scratchUsed = 0;
  let scratchBytes = 0;
  /** The unrolled step being emitted for each open loop. */
  const shifts = new Map<number, number>();

  const exprLoops = freeLoops();
  const indexLoops = (x: Index): Set<number> => {
    const s = new Set<number>();
    loopsOfIndex(x, s, exprLoops);
    return s;
  };

  // Scopes (src/compile/emit-scope.ts): the tile body, then one per open reduction loop (innermost last).
  type Scope = EmitScope<number>;
  const scopes = scopeStack<number, number>();
  const scopeFor = scopes.scopeFor;
  /** The local bound to `key`, else a new local of `type` set to `code` (computed first either way) in `scope`. */
  const bindIn = (scope: Scope, key: string, type: ValType, code: ReadonlyArray<number>): number =>
    scopes.bind(scope, key, (s) => {
      const l = local(type);
      s.code.push(...code, ...op.set(l));
      return l;
    });

  // ---- Index arithmetic (i32) ----
  const atomLocal = (a: Atom): number => {
    switch (a.kind) {
      case "lane":
        return a.axis === "x" ? laneX : laneY;
      case "loop":
        return loopVars.get(a.id)!;
      case "thread":
        throw new Error(`wasm: kernel ${kernel.name} still indexes by t after tiling`);
      case "value": {
        const v = emit([a.x]);
        return bindIn(scopeFor(exprLoops(a.x)), `val:${a.key}`, I32, [...op.get(v), ...op.i32TruncSatF32S]);
      }
      default: {
        const key = `atom:${ix.atomKey(a)}`;
        const known = scopes.lookup(key);
        if (known !== undefined) return known;
        const scope = scopeFor(indexLoops(ix.atomIndex(a)));
        const x = indexLocal(a.x);
        const [lo] = ix.range(a.x);
        if (a.kind === "clamp") {
          const m = bindIn(scope, `max0:${ix.indexKey(a.x)}`, I32, [
            ...op.get(x),
            ...op.i32Const(0),
            ...op.get(x),
            ...op.i32Const(0),
            ...op.i32GtS,
            ...op.select,
          ]);
          return bindIn(scope, key, I32, [
            ...op.get(m),
            ...op.i32Const(a.hi),
            ...op.get(m),
            ...op.i32Const(a.hi),
            ...op.i32LtS,
            ...op.select,
          ]);
        }
        // Floor division and modulo of a possibly negative x: shift it by a multiple of n first.
        const k = lo < 0 ? Math.ceil(-lo / a.by) : 0;
        const shifted = k === 0 ? op.get(x) : [...op.get(x), ...op.i32Const(k * a.by), ...op.i32Add];
        const code =
          a.kind === "div"
            ? [...shifted, ...op.i32Const(a.by), ...op.i32DivU, ...(k === 0 ? [] : [...op.i32Const(k), ...op.i32Sub])]
            : [...shifted, ...op.i32Const(a.by), ...op.i32RemU];
        return bindIn(scope, key, I32, code);
      }
    }
  };
  const termsCode = (x: Index): number[] => {
    const code: number[] = [];
    x.terms.forEach((t, i) => {
      code.push(...op.get(atomLocal(t.atom)));
      if (t.coef !== 1) code.push(...op.i32Const(t.coef), ...op.i32Mul);
      if (i > 0) code.push(...op.i32Add);
    });
    if (x.terms.length === 0) code.push(...op.i32Const(x.offset));
    else if (x.offset !== 0) code.push(...op.i32Const(x.offset), ...op.i32Add);
    return code;
  };
  /** A local holding `x`; its part that does not depend on the innermost loop it needs is hoisted. */
  const indexLocal = (x: Index): number => {
    const key = `ix:${ix.indexKey(x)}`;
    const known = scopes.lookup(key);
    if (known !== undefined) return known;
    const scope = scopeFor(indexLoops(x));
    const varies = (t: Index["terms"][number]): boolean => indexLoops({ terms: [t], offset: 0 }).has(scope.loop);
    const inner = x.terms.filter(varies);
    if (scope === scopes.outer() || inner.length === x.terms.length) return bindIn(scope, key, I32, termsCode(x));
    const outer = indexLocal({ terms: x.terms.filter((t) => !varies(t)), offset: x.offset });
    return bindIn(scope, key, I32, [...op.get(outer), ...termsCode({ terms: inner, offset: 0 }), ...op.i32Add]);
  };
  /** A byte address local and a constant byte offset for element `x` of `buffer`. */
  const address = (buffer: number, x: Index): { readonly addr: number; readonly offset: number } => {
    // The offset moves into the immediate only when the rest is never negative: wasm adds the
    // immediate to the address as an unsigned number.
    const terms: Index = { terms: x.terms, offset: 0 };
    const split = x.offset >= 0 && ix.range(terms)[0] >= 0;
    const at = split ? terms : x;
    const i = indexLocal(at);
    const addr = bindIn(scopeFor(indexLoops(at)), `addr:${ix.indexKey(at)}`, I32, [...op.get(i), ...op.i32Const(2), ...op.i32Shl]);
    return { addr, offset: split ? offsetOf(buffer) + 4 * x.offset : offsetOf(buffer) };
  };

  // ---- Values (f32 or f32x4) ----
  const applyOp = (lanes: Lanes, o: Op, operands: ReadonlyArray<Lanes>): number => {
    const locals = operands.map(emit);
    return bindIn(scopeFor(exprLoops(lanes[0]!)), keyOf(lanes), valType(lanes), opCode(o, locals, lanes.length));
  };

  const loadCode = (lanes: ReadonlyArray<Extract<Expr, { kind: "load" }>>): number[] => {
    const at = lanes.map((l) => l.at);
    const key0 = ix.indexKey(at[0]!);
    const buffer = lanes[0]!.buffer;
    if (lanes.length > 1 && at.every((x) => ix.indexKey(x) === key0)) {
      const a = address(buffer, at[0]!);
      return [...op.get(a.addr), ...table.load.uniform(a.offset)];
    }
    if (lanes.length > 1 && at.every((x, q) => ix.indexKey(x) === ix.indexKey(ix.addConst(at[0]!, q)))) {
      const packed = packedLoad(buffer, at[0]!);
      if (packed !== undefined) return packed;
      const a = address(buffer, at[0]!);
      return [...op.get(a.addr), ...table.load.contiguous(a.offset)];
    }
    return assemble(
      at.map((x) => {
        const a = address(buffer, x);
        return [...op.get(a.addr), ...table.load.scalar(a.offset)];
      }),
    );
  };

  /** The packed loop an index streams over, if it depends on nothing but that loop and x. */
  const packLoopOf = (x: Index): number | undefined => {
    let loop: number | undefined;
    let ok = true;
    ix.atomsOf(x, (a) => {
      if (a.kind === "loop" && packs.has(a.id) && (loop === undefined || loop === a.id)) loop = a.id;
      else if (!(a.kind === "lane" && a.axis === "x") && a.kind !== "div" && a.kind !== "mod" && a.kind !== "clamp") ok = false;
    });
    return ok ? loop : undefined;
  };
  /** A load of four consecutive elements read from its packed stream, registering the stream. */
  const packedLoad = (buffer: number, at: Index): number[] | undefined => {
    const loop = packLoopOf(at);
    if (loop === undefined) return undefined;
    const { extent, patterns } = packs.get(loop)!;
    const u = shifts.get(loop) ?? 0;
    const base = substituteIndex(at, (a) => (a.kind === "loop" && a.id === loop ? ix.addConst(ix.atomIndex(a), -u) : undefined));
    const key = `${buffer}@${ix.indexKey(base)}`;
    let pattern = patterns.get(key);
    if (pattern === undefined) {
      pattern = { buffer, at: base, slot: scratchUsed };
      scratchUsed += extent * 16;
      patterns.set(key, pattern);
    }
    const r = loopVars.get(loop)!;
    const addr = bindIn(scopeFor(new Set([loop])), `pack:${loop}`, I32, [
      ...op.get(r),
      ...op.i32Const(4),
      ...op.i32Shl,
      ...op.get(SCRATCH),
      ...op.i32Add,
    ]);
    return [...op.get(addr), ...table.load.contiguous(scratch + pattern.slot + 16 * u)];
  };

  const emit = (lanes: Lanes): number => {
    const e = lanes[0]!;
    const key = keyOf(lanes);
    const known = scopes.lookup(key);
    if (known !== undefined) return known;
    const scope = scopeFor(exprLoops(e));
    const kids = <K extends Expr["kind"], F extends keyof Extract<Expr, { kind: K }>>(_: K, field: F): Lanes =>
      lanes.map((l) => (l as Extract<Expr, { kind: K }>)[field] as Expr);
    switch (e.kind) {
      case "literal":
        return bindIn(
          scopes.outer(),
          key,
          valType(lanes),
          lanes.length === 1 ? table.literal.scalar(e.value) : table.literal.vector(e.value),
        );
      case "index":
        return bindIn(
          scope,
          key,
          valType(lanes),
          assemble(lanes.map((l) => [...op.get(indexLocal((l as typeof e).index)), ...table.index])),
        );
      case "load":
        return bindIn(scope, key, valType(lanes), loadCode(lanes as ReadonlyArray<typeof e>));
      case "unary":
        return applyOp(lanes, table.unary[e.op], [kids("unary", "x")]);
      case "cast":
        return applyOp(lanes, table.cast[e.to], [kids("cast", "x")]);
      case "binary":
        return applyOp(lanes, table.binary[e.op], [kids("binary", "a"), kids("binary", "b")]);
      case "compare":
        return applyOp(lanes, table.compare[e.op], [kids("compare", "a"), kids("compare", "b")]);
      case "select":
        return applyOp(lanes, table.select, [kids("select", "a"), kids("select", "b"), kids("select", "cond")]);
      case "reduce":
        emitLoop([lanes as ReadonlyArray<Reduce>], scope);
        return scopes.lookup(key)!;
    }
  };

  /** Opens a scope for `loop`, builds into it, closes it (forgetting its names); returns its code. */
  const inLoop = (loop: number, build: (scope: Scope) => void): number[] => {
    return scopes.inLoop(loop, build).scope.code;
  };

  /** One loop for reductions sharing a loop id: every accumulator advances in the same trip. */
  const emitLoop = (group: ReadonlyArray<ReadonlyArray<Reduce>>, scope: Scope): void => {
    const { loop, extent, count } = group[0]![0]!;
    const width = group[0]!.length;
    const r = loopVars.get(loop) ?? local(I32);
    loopVars.set(loop, r);
    const rules = group.map((g) => table.reduce[g[0]!.op]);
    const overTrips = tiling.lanes === "reduction" && width === 1 && count === undefined && extent >= 8;
    const accs = group.map((g, i) => {
      const acc = local(valType(g));
      if (!overTrips)
        scope.code.push(...(width === 1 ? table.literal.scalar(rules[i]!.init) : table.literal.vector(rules[i]!.init)), ...op.set(acc));
      return acc;
    });
    const shifted = (e: Expr, u: number): Expr => atTrip(e, loop, u);
    if (packing && width > 1 && count === undefined && extent <= MAX_PACKED_EXTENT && scope === scopes.outer())
      packs.set(loop, { extent, patterns: new Map() });
    const steps = (copies: number) =>
      inLoop(loop, (inner) => {
        for (let u = 0; u < copies; u++) {
          shifts.set(loop, u);
          group.forEach((g, i) => {
            const x = emit(g.map((l) => shifted(l.body, u)));
            inner.code.push(...opCode(rules[i]!.combine, [accs[i]!, x], width), ...op.set(accs[i]!));
          });
        }
        shifts.delete(loop);
      });

    /** Lanes over trips: vector accumulators over 4 (×2 unrolled) trips, then combined across lanes into `accs`. */
    const tripVectors = (): number => {
      const unroll = extent >= 32 ? 2 : 1;
      const main = Math.floor(extent / (4 * unroll)) * 4 * unroll;
      const vaccs = rules.map((rule) => {
        const v = local(V128);
        scope.code.push(...table.literal.vector(rule.init), ...op.set(v));
        return v;
      });
      const body = inLoop(loop, (inner) => {
        for (let u = 0; u < unroll; u++) {
          group.forEach((g, i) => {
            const x = emit([0, 1, 2, 3].map((q) => shifted(g[0]!.body, 4 * u + q)));
            inner.code.push(...opCode(rules[i]!.combine, [vaccs[i]!, x], 4), ...op.set(vaccs[i]!));
          });
        }
      });
      append(scope.code, countedLoop(r, 0, main, 4 * unroll, body));
      const scalar = (code: ReadonlyArray<number>): number => {
        const l = local(F32);
        scope.code.push(...code, ...op.set(l));
        return l;
      };
      rules.forEach((rule, i) => {
        const [a, b, c, d] = [0, 1, 2, 3].map((q) => scalar([...op.get(vaccs[i]!), ...vop.extract(q)]));
        const ab = scalar(opCode(rule.combine, [a!, b!], 1));
        const cd = scalar(opCode(rule.combine, [c!, d!], 1));
        scope.code.push(...opCode(rule.combine, [ab, cd], 1), ...op.set(accs[i]!));
      });
      return main;
    };

    if (count !== undefined) {
      const c = emit([count]);
      const n = bindIn(scope, `count:${exprKey(count)}`, I32, [...op.get(c), ...op.i32TruncSatF32S]);
      append(scope.code, rangeLoop(r, op.i32Const(0), n, steps(1)));
    } else {
      const from = overTrips ? tripVectors() : 0;
      const unroll = !overTrips && extent >= 8 ? 4 : 1;
      const main = from + Math.floor((extent - from) / unroll) * unroll;
      if (main > from) append(scope.code, countedLoop(r, from, main, unroll, steps(unroll)));
      if (main < extent) append(scope.code, countedLoop(r, main, extent, 1, steps(1)));
    }
    group.forEach((g, i) => {
      const key = keyOf(g);
      scopes.name(key, accs[i]!);
      scope.keys.push(key);
    });
  };

  /** The copies of packed streams, one loop per packed reduction (run once per column group). */
  const packCode = (): number[] => {
    scopes.reset();
    const loops: number[] = [];
    for (const [loop, { extent, patterns }] of packs) {
      if (patterns.size === 0) continue;
      const r = loopVars.get(loop)!;
      const body = inLoop(loop, (inner) => {
        const to = bindIn(inner, "to", I32, [...op.get(r), ...op.i32Const(4), ...op.i32Shl, ...op.get(SCRATCH), ...op.i32Add]);
        for (const { buffer, at, slot } of patterns.values()) {
          const a = address(buffer, at);
          inner.code.push(...op.get(to), ...op.get(a.addr), ...table.load.contiguous(a.offset), ...vop.store(scratch + slot));
        }
      });
      append(loops, countedLoop(r, 0, extent, 1, body));
    }
    return append([], scopes.outer().code, loops);
  };

  /** The tile body of one block: every copy computed and stored. */
  const tileBody = (block: Block): number[] => {
    scopes.reset();
    packs = new Map();
    scratchUsed = 0;
    packing = W > 1 && (block.rows > 1 || tiling.cols > 1) && extentsOf(tiling, block).y >= 2;
    const copies = copiesOf(kernel.expr, tiling, block);
    // Reductions first, grouped by loop, so that the copies share their loop trips.
    const pending = topReductions(
      copies.map((c) => c.lanes),
      keyOf,
    ).filter((g) => exprLoops(g[0]!).size === 0);
    reductionGroups(
      pending,
      (g) => g[0]!,
      (g) => scopes.lookup(keyOf(g)) !== undefined,
      (group) => emitLoop(group, scopes.outer()),
    );
    const root = scopes.outer();
    for (const { lanes, at } of copies) {
      const v = emit(lanes);
      const a = address(kernel.output, at);
      root.code.push(...op.get(a.addr), ...op.get(v), ...(W === 1 ? op.f32Store(a.offset) : vop.store(a.offset)));
    }
    return root.code;
  };

  const code: number[] = [];
  for (const block of blocksOf(tiling, size)) {
    const { x, y } = extentsOf(tiling, block);
    const body = tileBody(block);
    scratchBytes = Math.max(scratchBytes, scratchUsed);
    // Blocked tiles walk row groups innermost: the column group's packed B stream serves them all.
    const blocked = block.rows > 1 || tiling.cols > 1;
    const [outer, outerN, inner, innerN] = blocked ? [laneX, x, laneY, y] : [laneY, y, laneX, x];
    const innerLoop = countedLoop(inner, 0, innerN, 1, body);
    // This call's share of the outer loop: [⌊N·part/parts⌋, ⌊N·(part+1)/parts⌋).
    const share = (next: number): number[] => [
      ...op.i32Const(outerN),
      ...op.get(PART),
      ...(next === 0 ? [] : [...op.i32Const(1), ...op.i32Add]),
      ...op.i32Mul,
      ...op.get(PARTS),
      ...op.i32DivU,
    ];
    const end = local(I32);
    append(code, share(1), op.set(end), rangeLoop(outer, share(0), end, blocked ? append(packCode(), innerLoop) : innerLoop));
  }
  return { name: kernel.name, locals, code, scratchBytes };
};
