/**
 * @file dependence() reads the receptive field off the VJP, and assertDependence holds it to a
 * structure: a shift is read exactly; causal sliding-window attention has exactly its window and the
 * kit catches an off-by-one in either direction; window attention is block-diagonal and the kit
 * catches blocks shifted by one token; a batch statistic that leaks across examples is caught.
 */

import { describe, expect, it } from "vitest";
import {
  add,
  constant,
  greater,
  greaterEqual,
  iota,
  less,
  matmul,
  mean,
  mul,
  padAll,
  select,
  sliceAll,
  softmax,
  sub,
  toFloat,
  transpose,
  windowAttention,
  type Tensor,
} from "../../src";
import {
  assertBlockDiagonal,
  assertCausal,
  assertDependence,
  assertPerExample,
  causal,
  dependence,
  depends,
  seededValues,
  showDependence,
} from "../../src/testing";

const values = (shape: ReadonlyArray<number>, seed: number) => ({
  shape,
  data: seededValues(seed)(shape.reduce((a, b) => a * b, 1)),
});

/** Causal sliding-window self-attention on `[n, d]`: token i attends to i − window < j ≤ i; `offByOne` lets in one more. */
const slidingWindow =
  (window: number, offByOne = false) =>
  (x: Tensor): Tensor => {
    const [n, d] = x.shape as [number, number];
    const lag = sub(toFloat(iota([n, n], 0)), toFloat(iota([n, n], 1)));
    const scores = mul(matmul(x, transpose(x)), 1 / Math.sqrt(d));
    const outside = offByOne ? greater(lag, window) : greaterEqual(lag, window);
    return matmul(softmax(select(outside, -Infinity, select(less(lag, 0), -Infinity, scores))), x);
  };

const messageOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error("expected a failure");
};

describe("dependence", () => {
  it("reads y[i] = x[i] + x[i − 1] exactly", () => {
    const dep = dependence((x) => add(x, padAll(sliceAll(x, [0], [3]), [1], [0])), [values([4], 1)]);
    expect(showDependence(dep)).toBe(["#...", "##..", ".##.", "..##"].join("\n"));
    expect(depends(dep, [2], [1])).toBe(true);
    expect(depends(dep, 2, 0)).toBe(false);
  });

  it("groups trailing axes into positions and reports one map per input", () => {
    // out[i, :] = a[i, :] · b: every row of the output sees its own row of a and all of b.
    const dep = dependence((a, b) => matmul(a, b), [values([3, 2], 2), values([2, 4], 3)], { outputAxes: 1, inputAxes: [1, 0] });
    expect(dep.outputPositions).toEqual([3]);
    expect(dep.inputPositions).toEqual([[3], []]);
    expect(showDependence(dep, 0)).toBe(["#..", ".#.", "..#"].join("\n"));
    expect(showDependence(dep, 1)).toBe(["#", "#", "#"].join("\n"));
  });

  it("refuses index arguments and positions outside the shape", () => {
    expect(() => dependence((i) => toFloat(i), [{ shape: [2], data: [0, 1], dtype: "i32" }])).toThrow(/argument 0 is i32/);
    const dep = dependence((x) => x, [values([3], 4)]);
    expect(() => depends(dep, [3], [0])).toThrow(/output position \[3\] is not a position of \[3\]/);
    expect(() => dependence((x) => x, [values([3], 4)], { outputAxes: 2 })).toThrow(/2 position axes is not in \[0, 1\]/);
  });
});

describe("assertDependence", () => {
  const x = values([7, 3], 5);
  const field = (f: (x: Tensor) => Tensor) => dependence(f, [x], { outputAxes: 1, inputAxes: 1 });

  it("passes causal sliding-window attention against its own window, exactly", () => {
    for (const w of [1, 2, 3, 7]) assertCausal(field(slidingWindow(w)), { window: w });
    assertCausal(field(slidingWindow(7))); // a window as long as the sequence: the whole past
  });

  it("catches a window one token too wide, and says where", () => {
    const message = messageOf(() => assertCausal(field(slidingWindow(3, true)), { window: 3 }));
    expect(message).toMatch(/^assertDependence: the dependence is not exactly "causal window of 3 along axis -1"$/m);
    expect(message).toMatch(/input 0 \(positions \[7\] of \[7, 3\]\): 4 forbidden dependences, 0 missing/);
    expect(message).toMatch(/output \[3\] depends on input 0 at \[0\] \(\|∂\| = \S+\)/);
    expect(message).toContain(["      #......", "      ##.....", "      ###....", "      +###..."].join("\n"));
  });

  it("catches a window one token too narrow when exact, and lets it pass as an upper bound", () => {
    const dep = field(slidingWindow(2));
    expect(messageOf(() => assertCausal(dep, { window: 3 }))).toMatch(
      /0 forbidden dependences, 5 missing[\s\S]*output \[2\] does not depend on input 0 at \[0\]/,
    );
    assertCausal(dep, { window: 3, exact: false });
    assertDependence(dep, causal({ window: 3 }), { exact: false });
  });

  it("holds window attention to block-diagonal windows and catches blocks shifted by one token", () => {
    const tokens = values([2, 1, 6, 2], 6); // [batch, heads, tokens, features]
    const windowed = (v: Tensor) => windowAttention(v as never, v as never, v as never, 2) as Tensor;
    assertBlockDiagonal(dependence(windowed, [tokens], { outputAxes: 3, inputAxes: 3 }), 2);
    // The same attention through an additive block mask whose blocks start one token late.
    const n = 6;
    const mask = Float64Array.from({ length: n * n }, (_, k) =>
      Math.floor((Math.floor(k / n) + 1) / 2) === Math.floor(((k % n) + 1) / 2) ? 0 : -Infinity,
    );
    const shifted = (v: Tensor) => matmul(softmax(add(matmul(v, transpose(v)), constant(mask, [n, n]))), v);
    const message = messageOf(() => assertBlockDiagonal(dependence(shifted, [tokens], { outputAxes: 3, inputAxes: 3 }), 2));
    expect(message).toMatch(/not exactly "block-diagonal windows of 2 along axis -1"/);
    expect(message).toMatch(/8 forbidden dependences, 12 missing\n {4}output \[0, 0, 1\] depends on input 0 at \[0, 0, 2\]/);
  });

  it("catches a batch statistic that leaks across examples", () => {
    const batch = values([3, 4], 7);
    const perRow = (v: Tensor) => sub(v, mean(v, [1], true));
    const leaky = (v: Tensor) => sub(v, mean(v, [0], true)); // normalises over the batch axis
    assertPerExample(dependence(perRow, [batch], { outputAxes: 1, inputAxes: 1 }));
    const message = messageOf(() => assertPerExample(dependence(leaky, [batch], { outputAxes: 1, inputAxes: 1 })));
    expect(message).toMatch(/not within "per example along axis 0"[\s\S]*6 forbidden dependences, 0 missing/);
  });
});
