/**
 * @file Kernel IR → gpu.js kernel source. Every expression node becomes one `const` (equal
 * subexpressions share it, so an inlined node used several times is computed once per thread), placed
 * in the outermost scope it can live in: whatever does not depend on a reduction loop's variable is
 * hoisted out of that loop. Sizes, strides and loop bounds are literals, so gpu.js never cuts a loop at
 * `loopMaxIterations` (the one per-thread bound, a segment sum's trip count, is capped by setting
 * `loopMaxIterations` to its longest segment), and a kernel's source is its structural cache key.
 * The scopes, the top-level reductions and their loops are `src/compile/emit-scope.ts`, shared with
 * the WebAssembly code generator; this file is the JavaScript syntax.
 */

import {
  exprKey,
  freeLoops,
  indexExpr,
  loopsOfIndex,
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
import type { OpName } from "../../ir/index.js";
import { gpujsIndexLowering, gpujsLowering, isUnsupported, type IndexLowering, type Lowering } from "./lowering.js";

/** Raised when a kernel needs an op that a backend's lowering table marks unsupported. */
export class LoweringError extends Error {
  override readonly name = "LoweringError";
  constructor(
    readonly op: string,
    readonly backend: string,
    reason: string,
  ) {
    super(`${backend} has no lowering for "${op}": ${reason}`);
  }
}

/** A generated gpu.js kernel: its JavaScript source and the loop bound gpu.js needs. */
export interface KernelSource {
  /** `function (a0, a1, …) { … }`, arguments in `kernel.inputs` order. */
  readonly source: string;
  /** Longest loop, for gpu.js `loopMaxIterations`. */
  readonly maxLoop: number;
}

/**
 * Generates the source of one kernel through `table` (reported as `backend` in errors). `outputs` are
 * the values each thread returns: the kernel's expression, or several copies of it re-expressed over
 * lane coordinates (`substituteExpr`); with more than one the kernel returns an array. Reductions with
 * the same loop id share one loop, so copies that read the same element load it once.
 */
export const kernelSource = (
  kernel: Kernel,
  backend: string,
  outputs: ReadonlyArray<Expr> = [kernel.expr],
  table: Lowering = gpujsLowering,
  ix: IndexLowering = gpujsIndexLowering,
): KernelSource => {
  const args = new Map(kernel.inputs.map((b, i) => [b, `a${i}`]));
  const exprLoops = freeLoops();

  // Scopes (src/compile/emit-scope.ts): the kernel body, then one per open loop (innermost last).
  type Scope = EmitScope<string>;
  const scopes = scopeStack<string, string>();
  const scopeFor = scopes.scopeFor;
  let counter = 0;
  let maxLoop = 0;
  /** The name bound to `key`, else a new `const` set to `code` in `scope`. */
  const bindIn = (scope: Scope, key: string, code: string): string =>
    scopes.bind(scope, key, (s) => {
      const name = `v${counter++}`;
      s.code.push(`const ${name} = ${code};`);
      return name;
    });
  /** Emits `build` inside a new block for `loop`; names bound there are forgotten when it closes. */
  const inLoop = <T>(loop: number, build: () => T): { lines: string[]; value: T } => {
    const { scope, value } = scopes.inLoop(loop, build);
    return { lines: scope.code.map((l) => `  ${l}`), value };
  };

  const atom = (a: Atom): string => {
    switch (a.kind) {
      case "thread":
        return "t";
      case "lane":
        return `t${a.axis}`;
      case "loop":
        return `r${a.id}`;
      case "value":
        return emit(a.x);
      default: {
        const loops = new Set<number>();
        loopsOfIndex(indexExpr.atomIndex(a), loops, exprLoops);
        const x = index(a.x);
        const code = a.kind === "div" ? ix.div(x, a.by) : a.kind === "mod" ? ix.mod(x, a.by) : ix.clamp(x, a.hi);
        return bindIn(scopeFor(loops), `atom:${indexExpr.atomKey(a)}`, code);
      }
    }
  };
  const index = (x: Index): string => {
    const parts = x.terms.map((t) => (t.coef === 1 ? atom(t.atom) : `${t.coef} * ${atom(t.atom)}`));
    if (x.offset !== 0 || parts.length === 0) parts.push(String(x.offset));
    return parts.length === 1 ? parts[0]! : `(${parts.join(" + ")})`;
  };

  const need = <T>(entry: T, op: OpName | string): Exclude<T, { unsupported: string }> => {
    if (isUnsupported(entry)) throw new LoweringError(op, backend, entry.unsupported);
    return entry as Exclude<T, { unsupported: string }>;
  };

  const emit = (e: Expr): string => {
    if (e.kind === "literal") return table.literal(e.value);
    const key = exprKey(e);
    const known = scopes.lookup(key);
    if (known !== undefined) return known;
    const scope = scopeFor(exprLoops(e));
    const bind = (code: string): string => bindIn(scope, `tmp:${counter}`, code);
    switch (e.kind) {
      case "index":
        return bindIn(scope, key, table.index(index(e.index)));
      case "load":
        return bindIn(scope, key, table.load(args.get(e.buffer)!, index(e.at)));
      case "unary":
        return bindIn(scope, key, need(table.unary[e.op], e.op)(emit(e.x), bind));
      case "cast":
        return bindIn(scope, key, table.cast[e.to](emit(e.x), bind));
      case "binary":
        return bindIn(scope, key, need(table.binary[e.op], e.op)(emit(e.a), emit(e.b), bind));
      case "compare":
        return bindIn(scope, key, need(table.compare[e.op], e.op)(emit(e.a), emit(e.b), bind));
      case "select":
        return bindIn(scope, key, table.select(emit(e.cond), emit(e.a), emit(e.b)));
      case "reduce":
        emitLoop([e], scope);
        return scopes.lookup(key)!;
    }
  };

  /**
   * One loop for reductions that share a loop id: every accumulator advances in the same trip. Loops
   * of 8 trips or more are unrolled by 4 (then a remainder loop): more arithmetic per loaded value,
   * which is what gpu.js's WebAssembly code rewards (docs/gpujs-notes.md, rows4u4).
   */
  const emitLoop = (group: ReadonlyArray<Extract<Expr, { kind: "reduce" }>>, scope: Scope): void => {
    const { loop, extent } = group[0]!;
    maxLoop = Math.max(maxLoop, extent);
    // A per-thread trip count (emitted before the loop) is a bound gpu.js caps at loopMaxIterations.
    const count = group[0]!.count;
    const bound = count === undefined ? String(extent) : emit(count);
    const rules = group.map((e) => need(table.reduce[e.op], e.op));
    const accs = group.map((_, i) => `acc${loop}_${i}`);
    group.forEach((_, i) => scope.code.push(`let ${accs[i]} = ${rules[i]!.init};`));
    const unroll = extent >= 8 && count === undefined ? 4 : 1;
    const main = count === undefined ? String(Math.floor(extent / unroll) * unroll) : bound;
    const shifted = (e: Expr, u: number): Expr => atTrip(e, loop, u);
    const steps = (copies: number) =>
      inLoop(loop, () =>
        Array.from({ length: copies }, (_, u) =>
          group.map((e, i) => `${accs[i]} = ${rules[i]!.combine(accs[i]!, emit(shifted(e.body, u)))};`),
        ).flat(),
      );
    const r = `r${loop}`;
    const body = steps(unroll);
    scope.code.push(
      `for (let ${r} = 0; ${r} < ${main}; ${unroll === 1 ? `${r}++` : `${r} += ${unroll}`}) {`,
      ...body.lines,
      ...body.value.map((l) => `  ${l}`),
      "}",
    );
    if (count === undefined && Number(main) < extent) {
      const tail = steps(1);
      scope.code.push(`for (let ${r} = ${main}; ${r} < ${extent}; ${r}++) {`, ...tail.lines, ...tail.value.map((l) => `  ${l}`), "}");
    }
    group.forEach((e, i) => scopes.name(exprKey(e), accs[i]!));
  };

  // Reductions first, grouped by loop, so that copies of a kernel share their loop trips.
  const pending = topReductions(
    outputs.map((e) => [e]),
    (lanes) => exprKey(lanes[0]!),
  )
    .map((lanes) => lanes[0]!)
    .filter((e) => exprLoops(e).size === 0);
  reductionGroups(
    pending,
    (e) => e,
    (e) => scopes.lookup(exprKey(e)) !== undefined,
    (group) => emitLoop(group, scopes.outer()),
  );
  const results = outputs.map(emit);
  const params = kernel.inputs.map((b) => args.get(b)).join(", ");
  const ret = results.length === 1 ? results[0]! : `[${results.join(", ")}]`;
  const lanes = [`const t = ${ix.thread};`, "const tx = this.thread.x;", "const ty = this.thread.y;"];
  const used = lanes.filter((l) => new RegExp(`\\b${l.split(" ")[1]}\\b`).test(scopes.outer().code.join("\n") + ret));
  const body = [...used, ...scopes.outer().code, `return ${ret};`].map((l) => `  ${l}`).join("\n");
  return { source: `function (${params}) {\n${body}\n}`, maxLoop };
};
