/**
 * @file The kernel IR, fusion, schedule and buffer plan: index expressions simplify what movement ops
 * introduce, fusion gives the kernel counts it promises (matmul + bias + GELU is one kernel, softmax
 * three), movement ops become index arithmetic rather than copies, and the buffer plan reuses slots.
 */

import { describe, expect, it } from "vitest";
import { add, gelu, layerNorm, matmul, permute, relu, reshape, softmax, spec, sum, trace, transpose, exp } from "../../src";
import { BufferLimitError, indexExpr as ix, optimize, printKernels, schedule, showExpr, type Program } from "../../src/compile";

const show = (x: ReturnType<typeof ix.threadIndex>): string => ix.showIndex(x, () => "?");
const program = (f: Parameters<typeof trace>[0], specs: Parameters<typeof trace>[1], fuse = true): Program =>
  schedule(optimize(trace(f, specs)), { fuse });
const exprOf = (p: Program, k: number): string => showExpr(p.kernels[k]!.expr, (b) => `b${b}`);

describe("index expressions", () => {
  it("cancel a split and re-merge of the flat index", () => {
    const t = ix.threadIndex(24);
    expect(show(ix.ravel(ix.unravel(t, [2, 3, 4]), [2, 3, 4]))).toBe("t");
    expect(show(ix.ravel(ix.unravel(ix.ravel(ix.unravel(t, [6, 4]), [6, 4]), [2, 12]), [2, 12]))).toBe("t");
  });
  it("drop divisions and modulos that the ranges make trivial", () => {
    const t = ix.threadIndex(12);
    expect(show(ix.div(ix.add(ix.scale(t, 4), ix.constIndex(3)), 4))).toBe("t");
    expect(show(ix.mod(ix.add(ix.scale(t, 4), ix.constIndex(3)), 4))).toBe("3");
    expect(show(ix.div(ix.div(t, 2), 3))).toBe("⌊t/6⌋");
    expect(show(ix.mod(ix.mod(t, 6), 3))).toBe("t%3");
    expect(show(ix.clamp(t, 11))).toBe("t");
    expect(show(ix.clamp(ix.addConst(t, -1), 11))).toBe("clamp(t - 1,0,11)");
  });
});

describe("fusion", () => {
  it("makes a linear layer with bias and GELU one kernel", () => {
    const p = program(({ x, w, b }) => gelu(add(matmul(x, w), b)), { x: spec([8, 16]), w: spec([16, 4]), b: spec([4]) });
    expect(p.kernels).toHaveLength(1);
    expect(p.kernels[0]!.ops).toEqual(expect.arrayContaining(["matmul", "add", "tanh"]));
  });
  it("gives softmax three kernels (max, sum of exp, normalise) and layerNorm three", () => {
    expect(program(({ x }) => softmax(x), { x: spec([4, 5]) }).kernels.map((k) => k.root.op)).toEqual(["max", "sum", "div"]);
    expect(program(({ x, s, b }) => layerNorm(x, s, b), { x: spec([4, 6]), s: spec([6]), b: spec([6]) }).kernels).toHaveLength(3);
  });
  it("fuses an elementwise producer into the reduction that consumes it", () => {
    const p = program(({ x }) => sum(exp(x), [1]), { x: spec([4, 5]) });
    expect(p.kernels).toHaveLength(1);
    expect(exprOf(p, 0)).toBe("(Σ r0<5: exp(b0[r0 + 5·t]))");
  });
  it("reads a transposed, reshaped matmul operand through its index: no copy kernel", () => {
    const p = program(({ x, y }) => matmul(transpose(reshape(x, [2, 3, 4])), y), { x: spec([6, 4]), y: spec([2, 3, 5]) });
    expect(p.kernels).toHaveLength(1);
    expect(exprOf(p, 0)).toBe("(Σ r0<3: (b0[12·⌊t/20⌋ + ⌊t/5⌋%4 + 4·r0] * b1[15·⌊t/20⌋ + t%5 + 5·r0]))");
  });
  it("turns a permute into a strided load", () => {
    const p = program(({ x }) => exp(permute(x, [1, 0])), { x: spec([3, 4]) });
    expect(exprOf(p, 0)).toBe("exp(b0[⌊t/3⌋ + 4·(t%3)])");
  });
  it("gives one kernel per primitive without fusion", () => {
    const f = ({ x, w, b }: { x: never; w: never; b: never }) => relu(add(matmul(x, w), b));
    const specs = { x: spec([2, 3]), w: spec([3, 4]), b: spec([4]) };
    expect(program(f as never, specs).kernels).toHaveLength(1);
    // matmul, reshape and expand of b, add, expand of the 0 splat (its reshape is folded), maximum
    expect(program(f as never, specs, false).kernels.map((k) => k.root.op)).toEqual([
      "matmul",
      "reshape",
      "expand",
      "add",
      "expand",
      "maximum",
    ]);
  });
});

describe("maxInputs", () => {
  it("splits a kernel that reads too many buffers (WebGPU binds 8 per stage)", () => {
    const specs = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x${i}`, spec([4])]));
    const f = (xs: Record<string, never>) => Object.values(xs).reduce((acc: ReturnType<typeof exp>, x) => add(acc, exp(x)), exp(xs.x0!));
    expect(schedule(optimize(trace(f as never, specs)), {}).kernels).toHaveLength(1);
    const split = schedule(optimize(trace(f as never, specs)), { maxInputs: 4 });
    expect(split.kernels.length).toBeGreaterThan(1);
    expect(Math.max(...split.kernels.map((k) => k.inputs.length))).toBeLessThanOrEqual(4);
  });
});

describe("buffer limits", () => {
  it("refuses a tensor too large for float32 index arithmetic, naming it, its size and the limit", () => {
    const g = trace(({ x }) => exp(x), { x: spec([4097, 4096]) });
    expect(() => schedule(g)).toThrow(BufferLimitError);
    expect(() => schedule(g)).toThrow("input:f32[4097,4096] has 16781312 elements; a buffer holds at most 16777216");
  });
});

describe("buffer plan", () => {
  it("reuses dead buffers and reports peak bytes", () => {
    // Unfused chain of 6 elementwise ops on [64]: each buffer dies after the next op reads it.
    const p = program(({ x }) => exp(exp(exp(exp(exp(exp(x)))))), { x: spec([64]) }, false);
    expect(p.kernels).toHaveLength(6);
    expect(p.plan.slotBytes).toHaveLength(2);
    expect(p.plan.peakBytes).toBe(2 * 64 * 4);
    expect(p.plan.plannedBytes).toBe(2 * 64 * 4);
  });
});

describe("printKernels", () => {
  it("prints each kernel's output, inputs and expression, and the plan", () => {
    const p = program(({ x, w, b }) => relu(add(matmul(x, w), b)), { x: spec([2, 3]), w: spec([3, 4]), b: spec([4]) });
    expect(printKernels(p)).toMatchInlineSnapshot(`
      "k0_maximum_add_matmul  b3:f32[2,4] ← x:f32[2,3] w:f32[3,4] b:f32[4]
        out[t] = maximum(((Σ r0<3: (x[3·⌊t/4⌋ + r0] * w[t%4 + 4·r0])) + b[t%4]), 0)
      1 kernels, 1 buffer slots (32 bytes planned), peak 32 bytes"
    `);
  });
});
