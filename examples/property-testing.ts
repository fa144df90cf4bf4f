/**
 * @file The property-testing kit (`mwmae-ts/testing`) from the outside: a user declares their own
 * attention variant, causal sliding-window attention, on the DSL; checks its gradient against finite
 * differences; states its receptive field as a property; watches the kit catch an off-by-one in a
 * first draft; and checks two implementations of causal attention against each other. Quoted by
 * docs/property-testing.md. Run: `npx tsx examples/property-testing.ts`.
 */

import fc from "fast-check";
import {
  add,
  constant,
  div,
  exp,
  greater,
  greaterEqual,
  iota,
  less,
  lift,
  matmul,
  mul,
  select,
  softmax,
  stopGradient,
  sub,
  sumKeep,
  toFloat,
  transpose,
  type Tensor,
} from "mwmae-ts";
import { assertCausal, assertEquivalent, checkGradient, dependence, seededValues, showDependence, tensorArb } from "mwmae-ts/testing";

/** Features per token. */
type D = 4;
const D: D = 4;
/** A sequence of tokens: [tokens, features]; the length is known only when the graph is built. */
type Tokens = Tensor<readonly [number, D]>;

interface Params {
  readonly wq: Tensor<readonly [D, D]>;
  readonly wk: Tensor<readonly [D, D]>;
  readonly wv: Tensor<readonly [D, D]>;
}

/** Self-attention of `x` under an additive `[n, n]` mask (0 where query i may see key j, −∞ where not). */
const attention = (p: Params, x: Tokens, mask: Tensor<readonly [number, number]>): Tokens => {
  const [q, k, v] = [matmul(x, p.wq), matmul(x, p.wk), matmul(x, p.wv)];
  const scores = add(mul(matmul(q, transpose(k)), 1 / Math.sqrt(D)), mask);
  return matmul(softmax(scores), v);
};

/** lag[i][j] = i − j, for an n-token sequence. */
const lags = (n: number) => sub(toFloat(iota([n, n] as const, 0)), toFloat(iota([n, n] as const, 1)));

// The first draft: query i sees keys with 0 ≤ i − j ≤ window. It reads naturally, and it is off by one.
const draftMask = (n: number, window: number) => {
  const lag = lags(n);
  return select(less(lag, 0), -Infinity, select(greater(lag, window), -Infinity, 0));
};

// The intended window: query i sees i − window < j ≤ i, itself and the window − 1 tokens before it.
const slidingWindowMask = (n: number, window: number) => {
  const lag = lags(n);
  return select(less(lag, 0), -Infinity, select(greaterEqual(lag, window), -Infinity, 0));
};

// Arbitraries from the kit: sequences of 1 to 8 tokens, windows of 1 to 4, and weights in [0.25, 1]:
// weights that shrink to 0 would cut every path from input to output, and "exactly" would fail for that.
const tokensArb = tensorArb({ shape: fc.integer({ min: 1, max: 8 }).map((n) => [n, D] as const), min: -2, max: 2 });
const weightArb = tensorArb({ shape: [D, D], min: 0.25, max: 1 });
const windowArb = fc.integer({ min: 1, max: 4 });

// 1. The gradient: the VJP of every input and weight agrees with central differences in float64.
fc.assert(
  fc.property(tokensArb, weightArb, weightArb, weightArb, windowArb, fc.nat(), (x, wq, wk, wv, window, seed) => {
    const mask = slidingWindowMask(x.shape[0], window);
    checkGradient((t, q, k, v) => attention({ wq: q, wk: k, wv: v }, t, mask), [x, wq, wk, wv], { seed });
  }),
  { numRuns: 50 },
);
console.log("checkGradient: the VJP of sliding-window attention agrees with central differences (50 cases)");

// 2. The receptive field as a property: output token i depends on exactly input tokens i − window + 1 … i.
const receptiveField = (maskOf: (n: number, window: number) => Tensor<readonly [number, number]>) =>
  fc.property(tokensArb, weightArb, weightArb, weightArb, windowArb, (x, wq, wk, wv, window) => {
    const p = { wq: lift(wq), wk: lift(wk), wv: lift(wv) }; // weights are closed over: only x is probed
    const mask = maskOf(x.shape[0], window);
    const field = dependence((t) => attention(p, t, mask), [x], { outputAxes: 1, inputAxes: 1 });
    assertCausal(field, { window });
  });

fc.assert(receptiveField(slidingWindowMask), { numRuns: 100 });
console.log("assertCausal: every output sees exactly its window (100 cases)");

// What the property sees, for 6 tokens and a window of 3: one row per output token, one column per input token.
const six = { shape: [6, D] as const, data: seededValues(1)(6 * D) };
const weights = {
  wq: constant(seededValues(2)(D * D), [D, D]),
  wk: constant(seededValues(3)(D * D), [D, D]),
  wv: constant(seededValues(4)(D * D), [D, D]),
};
console.log(showDependence(dependence((t) => attention(weights, t, slidingWindowMask(6, 3)), [six], { outputAxes: 1, inputAxes: 1 })));

// 3. The first draft fails the same property; fast-check shrinks the counterexample, the kit says what is wrong.
const draftRun = fc.check(receptiveField(draftMask), { numRuns: 100, seed: 42 });
if (!draftRun.failed) throw new Error("the off-by-one went unnoticed");
console.log(`the kit caught the first draft after ${draftRun.numRuns} cases and ${draftRun.numShrinks} shrinks:`);
console.log(String((draftRun.errorInstance as Error).message));

// 4. A gradient bug: a hand-written softmax with its normaliser under stopGradient. The values are right, the VJP is not.
const sloppySoftmax = (s: Tensor<readonly [2, 3]>) => {
  const e = exp(s);
  return div(e, stopGradient(sumKeep(e, [-1])));
};
try {
  checkGradient((s) => sloppySoftmax(s), [{ shape: [2, 3] as const, data: [0.5, -1, 2, 0.3, 0.1, -0.4] }], { seed: 3 });
} catch (e) {
  console.log((e as Error).message);
}

// 5. Two implementations of causal attention agree: a window as long as the sequence, and a triangular mask built on the host.
const triangle = (n: number) =>
  constant(
    Float64Array.from({ length: n * n }, (_, k) => (k % n <= Math.floor(k / n) ? 0 : -Infinity)),
    [n, n] as const,
  );
fc.assert(
  fc.property(tokensArb, (x) => {
    const n = x.shape[0];
    assertEquivalent(
      (t) => attention(weights, t, slidingWindowMask(n, n)),
      (t) => attention(weights, t, triangle(n)),
      [x],
    );
  }),
  { numRuns: 50 },
);
console.log("assertEquivalent: a window of n is causal attention (50 cases, float64, rtol 1e-10)");
