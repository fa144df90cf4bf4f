/**
 * @file Kernel IR → gpu.js kernel source. Every expression node becomes one `const` (equal
 * subexpressions share it, so an inlined node used several times is computed once per thread), placed
 * in the outermost scope it can live in: whatever does not depend on a reduction loop's variable is
 * hoisted out of that loop. Sizes, strides and loop bounds are literals, so gpu.js never cuts a loop at
 * `loopMaxIterations`, and a kernel's source is its structural cache key.
 */

import { children, exprKey, indexExpr, type Atom, type Expr, type Index, type Kernel } from "../../compile";
import type { OpName } from "../../ir";
import { gpujsIndexLowering, gpujsLowering, isUnsupported, type IndexLowering, type Lowering } from "./lowering";

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

export interface KernelSource {
  /** `function (a0, a1, …) { … }`, arguments in `kernel.inputs` order. */
  readonly source: string;
  /** Longest loop, for gpu.js `loopMaxIterations`. */
  readonly maxLoop: number;
}

/** Top-level reductions of some expressions (not those nested in another's body), in order. */
const topReductions = (roots: ReadonlyArray<Expr>): Array<Extract<Expr, { kind: "reduce" }>> => {
  const found: Array<Extract<Expr, { kind: "reduce" }>> = [];
  const seen = new Set<Expr>();
  const visit = (e: Expr): void => {
    if (seen.has(e)) return;
    seen.add(e);
    if (e.kind === "reduce") found.push(e);
    else children(e).forEach(visit);
  };
  roots.forEach(visit);
  return found;
};

const loopsOfIndex = (x: Index, into: Set<number>, exprLoops: (e: Expr) => ReadonlySet<number>): void =>
  indexExpr.atomsOf(x, (a) => {
    if (a.kind === "loop") into.add(a.id);
    if (a.kind === "value") exprLoops(a.x).forEach((l) => into.add(l));
  });

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

  // Scopes: the kernel body, then one per open loop (innermost last).
  const scopes: Array<{ loop: number; lines: string[] }> = [{ loop: -1, lines: [] }];
  const names = new Map<string, string>();
  let counter = 0;
  let maxLoop = 0;
  const scopeFor = (loops: ReadonlySet<number>): { lines: string[] } => {
    for (let s = scopes.length - 1; s > 0; s--) if (loops.has(scopes[s]!.loop)) return scopes[s]!;
    return scopes[0]!;
  };
  const bindIn = (scope: { lines: string[] }, key: string, code: string): string => {
    const hit = names.get(key);
    if (hit !== undefined) return hit;
    const name = `v${counter++}`;
    scope.lines.push(`const ${name} = ${code};`);
    names.set(key, name);
    return name;
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
    const known = names.get(key);
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
        return names.get(key)!;
    }
  };

  /** One loop for reductions that share a loop id: every accumulator advances in the same trip. */
  const emitLoop = (group: ReadonlyArray<Extract<Expr, { kind: "reduce" }>>, scope: { lines: string[] }): void => {
    const { loop, extent } = group[0]!;
    maxLoop = Math.max(maxLoop, extent);
    scopes.push({ loop, lines: [] });
    const steps = group.map((e, i) => {
      const rule = need(table.reduce[e.op], e.op);
      const acc = `acc${loop}_${i}`;
      scope.lines.push(`let ${acc} = ${rule.init};`);
      return { acc, rule, body: emit(e.body) };
    });
    const inner = scopes.pop()!;
    scope.lines.push(`for (let r${loop} = 0; r${loop} < ${extent}; r${loop}++) {`);
    scope.lines.push(...inner.lines.map((l) => `  ${l}`), ...steps.map((st) => `  ${st.acc} = ${st.rule.combine(st.acc, st.body)};`), "}");
    group.forEach((e, i) => names.set(exprKey(e), steps[i]!.acc));
  };

  // Reductions first, grouped by loop, so that copies of a kernel share their loop trips.
  const pending = topReductions(outputs).filter((e) => exprLoops(e).size === 0);
  for (const id of [...new Set(pending.map((e) => e.loop))]) {
    const group = pending.filter((e) => e.loop === id && !names.has(exprKey(e)));
    const unique = group.filter((e, i) => group.findIndex((o) => exprKey(o) === exprKey(e)) === i);
    if (unique.length > 0) emitLoop(unique, scopes[0]!);
  }
  const results = outputs.map(emit);
  const params = kernel.inputs.map((b) => args.get(b)).join(", ");
  const ret = results.length === 1 ? results[0]! : `[${results.join(", ")}]`;
  const lanes = [`const t = ${ix.thread};`, "const tx = this.thread.x;", "const ty = this.thread.y;"];
  const used = lanes.filter((l) => new RegExp(`\\b${l.split(" ")[1]}\\b`).test(scopes[0]!.lines.join("\n") + ret));
  const body = [...used, ...scopes[0]!.lines, `return ${ret};`].map((l) => `  ${l}`).join("\n");
  return { source: `function (${params}) {\n${body}\n}`, maxLoop };
};
