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
 * by 4), which is what makes the R·C copies of a matmul a register-blocked micro-kernel.
 */

import { children, exprKey, indexExpr as ix, substituteExpr, type Atom, type Expr, type Index, type Kernel } from "../../compile";
import { F32, I32, op, V128, vop, type FunctionBody, type ValType } from "./module";
import { mathImports, wasmLowering, type MathImport, type Op, type WasmLowering } from "./lowering";
import { blocksOf, extentsOf, threadIndexOf, type Block, type Tiling } from "./tiling";

/** One expression per lane (1 or 4 lanes; structurally equal, differing in indices). */
type Lanes = ReadonlyArray<Expr>;
type Reduce = Extract<Expr, { kind: "reduce" }>;

/** Function index of each imported math function (imports come first, in `mathImports` order). */
export const importIndex = (name: MathImport): number => Object.keys(mathImports).indexOf(name);

const loopsOfIndex = (x: Index, into: Set<number>, exprLoops: (e: Expr) => ReadonlySet<number>): void =>
  ix.atomsOf(x, (a) => {
    if (a.kind === "loop") into.add(a.id);
    if (a.kind === "value") exprLoops(a.x).forEach((l) => into.add(l));
  });

/** Byte offset of each buffer in the module's memory. */
export type OffsetOf = (buffer: number) => number;

/**
 * The function computing `kernel` into its output buffer with `tiling`. `size` is the output's element
 * count; `table` is the lowering table.
 */
export const kernelFunction = (kernel: Kernel, size: number, tiling: Tiling, offsetOf: OffsetOf, table: WasmLowering = wasmLowering): FunctionBody => {
  const locals: ValType[] = [];
  const local = (t: ValType): number => locals.push(t) - 1;
  const W = tiling.width;
  const laneX = local(I32);
  const laneY = local(I32);
  const loopVars = new Map<number, number>();

  const freeLoops = new Map<Expr, ReadonlySet<number>>();
  const exprLoops = (e: Expr): ReadonlySet<number> => {
    const hit = freeLoops.get(e);
    if (hit !== undefined) return hit;
    const s = new Set<number>();
    if (e.kind === "load") loopsOfIndex(e.at, s, exprLoops);
    if (e.kind === "index") loopsOfIndex(e.index, s, exprLoops);
    children(e).forEach((c) => exprLoops(c).forEach((l) => s.add(l)));
    if (e.kind === "reduce") s.delete(e.loop);
    freeLoops.set(e, s);
    return s;
  };
  const indexLoops = (x: Index): Set<number> => {
    const s = new Set<number>();
    loopsOfIndex(x, s, exprLoops);
    return s;
  };

  // Scopes: the tile body, then one per open reduction loop (innermost last).
  type Scope = { readonly loop: number; readonly code: number[]; readonly keys: string[] };
  let scopes: Scope[] = [];
  let names = new Map<string, number>();
  const scopeFor = (loops: ReadonlySet<number>): Scope => {
    for (let s = scopes.length - 1; s > 0; s--) if (loops.has(scopes[s]!.loop)) return scopes[s]!;
    return scopes[0]!;
  };
  const bindIn = (scope: Scope, key: string, type: ValType, code: ReadonlyArray<number>): number => {
    const hit = names.get(key);
    if (hit !== undefined) return hit;
    const l = local(type);
    scope.code.push(...code, ...op.set(l));
    scope.keys.push(key);
    names.set(key, l);
    return l;
  };

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
        const known = names.get(key);
        if (known !== undefined) return known;
        const scope = scopeFor(indexLoops(ix.atomIndex(a)));
        const x = indexLocal(a.x);
        const [lo] = ix.range(a.x);
        if (a.kind === "clamp") {
          const m = bindIn(scope, `max0:${ix.indexKey(a.x)}`, I32, [...op.get(x), ...op.i32Const(0), ...op.get(x), ...op.i32Const(0), ...op.i32GtS, ...op.select]);
          return bindIn(scope, key, I32, [...op.get(m), ...op.i32Const(a.hi), ...op.get(m), ...op.i32Const(a.hi), ...op.i32LtS, ...op.select]);
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
    const known = names.get(key);
    if (known !== undefined) return known;
    const scope = scopeFor(indexLoops(x));
    const varies = (t: Index["terms"][number]): boolean => indexLoops({ terms: [t], offset: 0 }).has(scope.loop);
    const inner = x.terms.filter(varies);
    if (scope === scopes[0] || inner.length === x.terms.length) return bindIn(scope, key, I32, termsCode(x));
    const outer = indexLocal({ terms: x.terms.filter((t) => !varies(t)), offset: x.offset });
    return bindIn(scope, key, I32, [...op.get(outer), ...termsCode({ terms: inner, offset: 0 }), ...op.i32Add]);
  };
  /** A byte address local and a constant byte offset for element `x` of `buffer`. */
  const address = (buffer: number, x: Index): { readonly addr: number; readonly offset: number } => {
    const base = offsetOf(buffer) + 4 * x.offset;
    const at = base >= 0 ? { terms: x.terms, offset: 0 } : x;
    const i = indexLocal(at);
    const addr = bindIn(scopeFor(indexLoops(at)), `addr:${ix.indexKey(at)}`, I32, [...op.get(i), ...op.i32Const(2), ...op.i32Shl]);
    return { addr, offset: base >= 0 ? base : offsetOf(buffer) };
  };

  // ---- Values (f32 or f32x4) ----
  const valType = (lanes: Lanes): ValType => (lanes.length === 1 ? F32 : V128);
  const keyOf = (lanes: Lanes): string => (lanes.length === 1 ? `s:${exprKey(lanes[0]!)}` : `v:${lanes.map(exprKey).join("|")}`);

  /** Code leaving the op's result on the stack, from operand locals. */
  const opCode = (o: Op, operands: ReadonlyArray<number>, width: number): number[] => {
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
  const assemble = (scalars: ReadonlyArray<ReadonlyArray<number>>): number[] =>
    scalars.length === 1 ? [...scalars[0]!] : scalars.flatMap((s, q) => [...s, ...(q === 0 ? vop.splat : vop.replace(q))]);

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

  const emit = (lanes: Lanes): number => {
    const e = lanes[0]!;
    const key = keyOf(lanes);
    const known = names.get(key);
    if (known !== undefined) return known;
    const scope = scopeFor(exprLoops(e));
    const kids = <K extends Expr["kind"], F extends keyof Extract<Expr, { kind: K }>>(_: K, field: F): Lanes =>
      lanes.map((l) => (l as Extract<Expr, { kind: K }>)[field] as Expr);
    switch (e.kind) {
      case "literal":
        return bindIn(scopes[0]!, key, valType(lanes), lanes.length === 1 ? table.literal.scalar(e.value) : table.literal.vector(e.value));
      case "index":
        return bindIn(scope, key, valType(lanes), assemble(lanes.map((l) => [...op.get(indexLocal((l as typeof e).index)), ...table.index])));
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
        return names.get(key)!;
    }
  };

  /** Opens a scope for `loop`, builds into it, closes it (forgetting its names); returns its code. */
  const inLoop = (loop: number, build: (scope: Scope) => void): number[] => {
    const scope: Scope = { loop, code: [], keys: [] };
    scopes.push(scope);
    build(scope);
    scopes.pop();
    scope.keys.forEach((k) => names.delete(k));
    return scope.code;
  };

  /** `for (r = from; r < to; r += step) body` with from < to known. */
  const countedLoop = (r: number, from: number, to: number, step: number, body: ReadonlyArray<number>): number[] => [
    ...op.i32Const(from), ...op.set(r),
    ...op.loop, ...body,
    ...op.get(r), ...op.i32Const(step), ...op.i32Add, ...op.tee(r), ...op.i32Const(to), ...op.i32LtS, ...op.brIf(0),
    ...op.end,
  ];

  /** One loop for reductions sharing a loop id: every accumulator advances in the same trip. */
  const emitLoop = (group: ReadonlyArray<ReadonlyArray<Reduce>>, scope: Scope): void => {
    const { loop, extent, count } = group[0]![0]!;
    const width = group[0]!.length;
    const r = loopVars.get(loop) ?? local(I32);
    loopVars.set(loop, r);
    const rules = group.map((g) => table.reduce[g[0]!.op]);
    const accs = group.map((g, i) => {
      const acc = local(valType(g));
      scope.code.push(...(width === 1 ? table.literal.scalar(rules[i]!.init) : table.literal.vector(rules[i]!.init)), ...op.set(acc));
      return acc;
    });
    const shifted = (e: Expr, u: number): Expr =>
      u === 0 ? e : substituteExpr(e, (a) => (a.kind === "loop" && a.id === loop ? ix.addConst(ix.atomIndex(a), u) : undefined));
    const steps = (copies: number) =>
      inLoop(loop, (inner) => {
        for (let u = 0; u < copies; u++) {
          group.forEach((g, i) => {
            const x = emit(g.map((l) => shifted(l.body, u)));
            inner.code.push(...opCode(rules[i]!.combine, [accs[i]!, x], width), ...op.set(accs[i]!));
          });
        }
      });
    if (count !== undefined) {
      const c = emit([count]);
      const n = bindIn(scope, `count:${exprKey(count)}`, I32, [...op.get(c), ...op.i32TruncSatF32S]);
      const body = steps(1);
      scope.code.push(
        ...op.i32Const(0), ...op.set(r),
        ...op.block, ...op.loop,
        ...op.get(r), ...op.get(n), ...op.i32GeS, ...op.brIf(1),
        ...body,
        ...op.get(r), ...op.i32Const(1), ...op.i32Add, ...op.set(r), ...op.br(0),
        ...op.end, ...op.end,
      );
    } else {
      const unroll = extent >= 8 ? 4 : 1;
      const main = Math.floor(extent / unroll) * unroll;
      if (main > 0) scope.code.push(...countedLoop(r, 0, main, unroll, steps(unroll)));
      if (main < extent) scope.code.push(...countedLoop(r, main, extent, 1, steps(1)));
    }
    group.forEach((g, i) => {
      const key = keyOf(g);
      names.set(key, accs[i]!);
      scope.keys.push(key);
    });
  };

  /** Top-level reductions of some lane lists (not those nested in another's body), in order. */
  const topReductions = (roots: ReadonlyArray<Lanes>): Array<ReadonlyArray<Reduce>> => {
    const found: Array<ReadonlyArray<Reduce>> = [];
    const seen = new Set<string>();
    const visit = (lanes: Lanes): void => {
      const key = keyOf(lanes);
      if (seen.has(key)) return;
      seen.add(key);
      if (lanes[0]!.kind === "reduce") found.push(lanes as ReadonlyArray<Reduce>);
      else children(lanes[0]!).forEach((_, c) => visit(lanes.map((l) => children(l)[c]!)));
    };
    roots.forEach(visit);
    return found;
  };

  /** The tile body of one block: every copy computed and stored. */
  const tileBody = (block: Block): number[] => {
    scopes = [{ loop: -1, code: [], keys: [] }];
    names = new Map();
    const copies: Array<{ lanes: Lanes; at: Index }> = [];
    for (let rho = 0; rho < block.rows; rho++) {
      for (let gamma = 0; gamma < tiling.cols; gamma++) {
        const lanes = Array.from({ length: W }, (_, q) => {
          const t = threadIndexOf(tiling, block, rho, gamma, q);
          return substituteExpr(kernel.expr, (a) => (a.kind === "thread" ? t : undefined));
        });
        copies.push({ lanes, at: threadIndexOf(tiling, block, rho, gamma, 0) });
      }
    }
    // Reductions first, grouped by loop, so that the copies share their loop trips.
    const pending = topReductions(copies.map((c) => c.lanes)).filter((g) => exprLoops(g[0]!).size === 0);
    for (const id of [...new Set(pending.map((g) => g[0]!.loop))]) {
      const group = pending.filter((g) => g[0]!.loop === id && !names.has(keyOf(g)));
      if (group.some((g) => g[0]!.count !== undefined)) group.forEach((g) => emitLoop([g], scopes[0]!));
      else if (group.length > 0) emitLoop(group, scopes[0]!);
    }
    const root = scopes[0]!;
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
    // Reductions walk x (column groups) innermost-last: consecutive tiles then reuse the same B columns.
    const [outer, outerN, inner, innerN] = block.rows > 1 || tiling.cols > 1 ? [laneX, x, laneY, y] : [laneY, y, laneX, x];
    code.push(...countedLoop(outer, 0, outerN, 1, countedLoop(inner, 0, innerN, 1, body)));
  }
  return { name: kernel.name, locals, code };
};
