/**
 * @file Reduction loops of a kernel function. Reductions of one loop id share one loop, every
 * accumulator advancing in the same trip, which is what makes the R·C copies of a matmul a
 * register-blocked micro-kernel. A loop of one copy is unrolled by 4 (the body re-expressed at each
 * step, `atTrip`), with a remainder loop; a loop shared by several copies is not unrolled: its loads are
 * already reused R·C-fold, and V8's optimising tier issues every load of an unrolled body ahead of its
 * arithmetic, so four trips of a 4×2 tile need 24 vectors live besides the 8 accumulators and spill
 * (matmul 1024 on one thread: 98 ms unrolled, 74 ms not). A per-thread trip count (`count`) gives a
 * plain range loop. With lanes over the reduction (`tiling.ts`), a long scalar reduction keeps vector
 * accumulators over 4 (×2 unrolled, for one copy) trips, combined across lanes at the end. What the
 * body needs that does not depend on the loop variable is hoisted by the scopes
 * (`src/compile/emit-scope.ts`).
 */

import { atTrip, exprSerial, type Expr } from "../../compile/index.js";
import type { Codegen, Scope } from "./emit-state.js";
import { countedLoop, keyOf, opCode, rangeLoop, valType, type Reduce } from "./fragments.js";
import { F32, I32, op, V128, vop } from "./module.js";
import { MAX_PACKED_EXTENT } from "./packing.js";

/** One loop for reductions sharing a loop id: every accumulator advances in the same trip. */
export const emitLoop =
  (cx: Codegen) =>
  (group: ReadonlyArray<ReadonlyArray<Reduce>>, scope: Scope): void => {
    const { scopes, table, local } = cx;
    const { loop, extent, count } = group[0]![0]!;
    const width = group[0]!.length;
    // Several copies sharing the loop: a register-blocked micro-kernel, run one trip per iteration.
    const blocked = group.length > 1;
    const r = cx.loopVars.get(loop) ?? local(I32);
    cx.loopVars.set(loop, r);
    const rules = group.map((g) => table.reduce[g[0]!.op]);
    const overTrips = cx.tiling.lanes === "reduction" && width === 1 && count === undefined && extent >= 8;
    const accs = group.map((g, i) => {
      const acc = local(valType(g));
      if (!overTrips)
        scope.code.push(...(width === 1 ? table.literal.scalar(rules[i]!.init) : table.literal.vector(rules[i]!.init)), ...op.set(acc));
      return acc;
    });
    const shifted = (e: Expr, u: number): Expr => atTrip(e, loop, u);
    /** `acc ← combine(acc, lanes)`; a vector sum of products with the table's `madd` (relaxed SIMD) is one fused multiply-add. */
    const accumulate = (code: number[], rule: (typeof rules)[number], acc: number, lanes: ReadonlyArray<Expr>): void => {
      const products = lanes.length === 4 && rule.madd !== undefined && lanes.every((e) => e.kind === "binary" && e.op === "mul");
      if (products) {
        const muls = lanes as ReadonlyArray<Extract<Expr, { kind: "binary" }>>;
        const a = cx.emit(muls.map((e) => e.a));
        const b = cx.emit(muls.map((e) => e.b));
        code.push(...op.get(a), ...op.get(b), ...op.get(acc), ...rule.madd!, ...op.set(acc));
      } else code.push(...opCode(rule.combine, [acc, cx.emit(lanes)], lanes.length), ...op.set(acc));
    };
    if (cx.pack.enabled && width > 1 && count === undefined && extent <= MAX_PACKED_EXTENT && scope === scopes.outer())
      cx.pack.packs.set(loop, { extent, patterns: new Map() });
    const steps = (copies: number): number[] =>
      scopes.inLoop(loop, (inner) => {
        for (let u = 0; u < copies; u++) {
          cx.shifts.set(loop, u);
          group.forEach((g, i) =>
            accumulate(
              inner.code,
              rules[i]!,
              accs[i]!,
              g.map((l) => shifted(l.body, u)),
            ),
          );
        }
        cx.shifts.delete(loop);
      }).scope.code;

    /** Lanes over trips: vector accumulators over 4 (×2 unrolled) trips, then combined across lanes into `accs`. */
    const tripVectors = (): number => {
      const unroll = extent >= 32 && !blocked ? 2 : 1;
      const main = Math.floor(extent / (4 * unroll)) * 4 * unroll;
      const vaccs = rules.map((rule) => {
        const v = local(V128);
        scope.code.push(...table.literal.vector(rule.init), ...op.set(v));
        return v;
      });
      const body = scopes.inLoop(loop, (inner) => {
        for (let u = 0; u < unroll; u++) {
          group.forEach((g, i) =>
            accumulate(
              inner.code,
              rules[i]!,
              vaccs[i]!,
              [0, 1, 2, 3].map((q) => shifted(g[0]!.body, 4 * u + q)),
            ),
          );
        }
      }).scope.code;
      countedLoop(scope.code, r, 0, main, 4 * unroll, body);
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
      const c = cx.emit([count]);
      const n = cx.bindIn(scope, `count:${exprSerial(count)}`, I32, [...op.get(c), ...op.i32TruncSatF32S]);
      rangeLoop(scope.code, r, op.i32Const(0), n, steps(1));
    } else {
      const from = overTrips ? tripVectors() : 0;
      const unroll = !overTrips && !blocked && extent >= 8 ? 4 : 1;
      const main = from + Math.floor((extent - from) / unroll) * unroll;
      if (main > from) countedLoop(scope.code, r, from, main, unroll, steps(unroll));
      if (main < extent) countedLoop(scope.code, r, main, extent, 1, steps(1));
    }
    group.forEach((g, i) => {
      const key = keyOf(g);
      scopes.name(key, accs[i]!);
      scope.keys.push(key);
    });
  };
