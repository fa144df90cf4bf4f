/**
 * @file Window attention and MW-MHA as properties over small random configurations (tokens n ≤ 12,
 * every divisor of n as a window, 1–3 heads of width 1–3, batch 1–2), in float64 on the reference
 * interpreter (DESIGN.md §3):
 * - a window of n is global attention, exactly;
 * - a window w | n is global attention under a block-diagonal mask carrying the relative position
 *   bias, the mask and bias built here on the host from the definition, not with the layer's gather;
 * - MW-MHA with every window n and zero bias tables is standard multi-head attention;
 * - grouping heads by window and putting them back in order changes nothing: each head equals that
 *   head computed alone;
 * - the masked layout (one global attention, block-diagonal bias) gives the same heads, and its
 *   attention maps are row-stochastic and exactly zero outside each query's window;
 * - a window-w head's output at token i has a zero gradient with respect to tokens outside i's window
 *   (and other batch rows) and a non-zero one inside, in both layouts: the kit's `dependence`, read
 *   off autodiff, held to the windows by `assertDependence`.
 *
 * Tolerances: float64 results here are sums of at most 12 products of O(1) values and a softmax, so
 * rounding is ~1e-15; 1e-12 leaves three orders of margin and still catches any masking mistake (a
 * leaked token changes outputs by ~1e-2). Gradients "zero" outside windows are exactly 0 (no path
 * exists in the graph's arithmetic: the masked pairs never meet), "non-zero" is above 1e-9.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  attention,
  constant,
  dense,
  initMwmha,
  key,
  matmul,
  mul,
  mwmha,
  mwmhaAttentionWeights,
  mwmhaHeads,
  relativePositionBias,
  scaledDotProductAttention,
  sliceAll,
  softmax,
  splitHeads,
  stackTables,
  transpose,
  windowAttention,
  zeros,
  type MultiWindowAttention,
  type Tensor,
} from "../../src";
import { maxAbsDiff } from "../support/golden";
import { assertDependence, assertEquivalent, dependence, runF64, seededValues } from "../../src/testing";

type T4 = Tensor<readonly [number, number, number, number]>;
type Tokens = Tensor<readonly [number, number, number]>;

const divisorsOf = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/** A configuration; window choices index into the divisors of n (plus 0 = global where allowed). */
const configArb = fc.record({
  n: fc.integer({ min: 1, max: 12 }),
  batch: fc.integer({ min: 1, max: 2 }),
  heads: fc.integer({ min: 1, max: 3 }),
  headDim: fc.integer({ min: 1, max: 3 }),
  picks: fc.array(fc.nat({ max: 11 }), { minLength: 3, maxLength: 3 }),
  seed: fc.nat(),
});
type Config = typeof configArb extends fc.Arbitrary<infer C> ? C : never;

const values = (seed: number) => {
  const next = seededValues(seed);
  return (shape: ReadonlyArray<number>, scale = 2) =>
    constant(
      next(shape.reduce((a, b) => a * b, 1)).map((u) => scale * u),
      shape,
    );
};

/** Windows per head: a divisor of n or 0 (global). */
const windowsOf = ({ n, heads, picks }: Config): number[] => {
  const choices = [0, ...divisorsOf(n)];
  return Array.from({ length: heads }, (_, h) => choices[picks[h]! % choices.length]!);
};

/** Global attention with an explicit additive `[H, n, n]` mask/bias, built from primitives here. */
const maskedGlobal = (q: T4, k: T4, v: T4, bias: Tensor): Tensor => {
  const e = q.shape[3];
  return matmul(softmax(add(mul(matmul(q as Tensor, transpose(k as Tensor)), 1 / Math.sqrt(e)), bias)), v as Tensor);
};

/** Host-side block-diagonal bias of window w: table[h][i − j + w − 1] inside a window, −∞ outside. */
const blockDiagonal = (tables: ReadonlyArray<ArrayLike<number>>, n: number, w: number): Float64Array => {
  const out = new Float64Array(tables.length * n * n);
  tables.forEach((table, h) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        out[(h * n + i) * n + j] = Math.floor(i / w) === Math.floor(j / w) ? table[i - j + w - 1]! : -Infinity;
      }
    }
  });
  return out;
};

const numRuns = 40;

describe("window attention", () => {
  it("with a window of n is global attention, exactly", () => {
    fc.assert(
      fc.property(configArb, ({ n, batch, heads, headDim, seed }) => {
        const draw = seededValues(seed);
        const shape = [batch, heads, n, headDim] as const;
        const arg = () => ({ shape, data: draw(batch * heads * n * headDim).map((u) => 2 * u) });
        assertEquivalent(
          (q, k, v) => windowAttention(q, k, v, n),
          (q, k, v) => scaledDotProductAttention(q, k, v),
          [arg(), arg(), arg()],
          { rtol: 0, atol: 0, names: ["window attention", "global attention"] },
        );
      }),
      { numRuns },
    );
  });

  it("with any window w dividing n is global attention under a block-diagonal mask with the relative bias", () => {
    fc.assert(
      fc.property(configArb, ({ n, batch, heads, headDim, seed }) => {
        const draw = values(seed);
        const [q, k, v] = [0, 1, 2].map(() => draw([batch, heads, n, headDim]) as T4) as [T4, T4, T4];
        for (const w of divisorsOf(n)) {
          const tableValues = Array.from({ length: heads }, (_, h) => seededValues(seed + 7 * h + w)(2 * w - 1));
          const tables = constant(
            tableValues.flatMap((t) => Array.from(t)),
            [heads, 2 * w - 1],
          );
          const mask = constant(blockDiagonal(tableValues, n, w), [heads, n, n]);
          const [windowed, masked] = runF64([windowAttention(q, k, v, w, relativePositionBias(tables, w)), maskedGlobal(q, k, v, mask)]);
          expect(maxAbsDiff(windowed!, masked!), `w = ${w}`).toBeLessThan(1e-12);
        }
      }),
      { numRuns },
    );
  });

  it("refuses a window that does not divide the token count", () => {
    const q = zeros([1, 1, 12, 2] as const);
    expect(() => windowAttention(q, q, q, 5)).toThrow(/window 5 does not divide 12 tokens/);
  });
});

describe("MW-MHA", () => {
  const layerParams = ({ heads, headDim, seed }: Config, windows: ReadonlyArray<number>) =>
    initMwmha(key(seed), { dim: heads * headDim, windows }) as MultiWindowAttention<number>;

  it("with every window n and zero bias tables is standard multi-head attention", () => {
    fc.assert(
      fc.property(configArb, (cfg) => {
        const { n, batch, heads, headDim, seed } = cfg;
        const windows = new Array<number>(heads).fill(n);
        const p = layerParams(cfg, windows);
        const zeroed: MultiWindowAttention<number> = {
          ...p,
          ...Object.fromEntries(
            windows.map((_, h) => [`attn_heads_${h}`, { relative_position_bias_table: zeros([2 * n - 1, 1] as const) }]),
          ),
        };
        const x = values(seed + 1)([batch, n, heads * headDim]) as Tokens;
        const standard = attention({ Dense_0: p.qkv, Dense_1: p.proj }, { heads });
        const [ours, mha] = runF64([mwmha(zeroed, { windows })(x), standard(x)]);
        expect(maxAbsDiff(ours!, mha!)).toBeLessThan(1e-12);
      }),
      { numRuns },
    );
  });

  it("groups heads by window without changing any head: each equals that head computed alone", () => {
    fc.assert(
      fc.property(configArb, (cfg) => {
        const { n, batch, heads, headDim, seed } = cfg;
        const windows = windowsOf(cfg);
        const p = layerParams(cfg, windows);
        const x = values(seed + 1)([batch, n, heads * headDim]) as Tokens;
        const all = mwmhaHeads(p, { windows })(x);
        const { q, k, v } = splitHeads(dense(p.qkv)(x) as Tokens, heads);
        const one = (t: T4, h: number) => sliceAll(t, [0, h, 0, 0], [batch, h + 1, n, headDim]) as T4;
        const alone = windows.map((w, h) =>
          w === 0
            ? scaledDotProductAttention(one(q, h), one(k, h), one(v, h))
            : windowAttention(
                one(q, h),
                one(k, h),
                one(v, h),
                w,
                relativePositionBias(stackTables([p[`attn_heads_${h}`]!.relative_position_bias_table]), w),
              ),
        );
        const [grouped, ...separate] = runF64([all, ...alone]);
        windows.forEach((w, h) => {
          const mine = Array.from({ length: batch * n * headDim }, (_, i) => {
            const b = Math.floor(i / (n * headDim));
            return grouped![(b * heads + h) * n * headDim + (i % (n * headDim))]!;
          });
          expect(maxAbsDiff(mine, separate[h]!), `head ${h}, window ${w}`).toBeLessThan(1e-12);
        });
      }),
      { numRuns },
    );
  });

  it("computes the same heads in the masked layout (one global attention with a block-diagonal bias)", () => {
    fc.assert(
      fc.property(configArb, (cfg) => {
        const { n, batch, heads, headDim, seed } = cfg;
        const windows = windowsOf(cfg);
        const p = layerParams(cfg, windows);
        const x = {
          shape: [batch, n, heads * headDim] as const,
          data: seededValues(seed + 1)(batch * n * heads * headDim).map((u) => 2 * u),
        };
        assertEquivalent(
          (t) => mwmhaHeads(p, { windows })(t),
          (t) => mwmhaHeads(p, { windows, layout: "masked" })(t),
          [x],
          { rtol: 0, atol: 1e-12, names: ["windows layout", "masked layout"] },
        );
      }),
      { numRuns },
    );
  });

  it("attention maps: each row sums to 1 and is exactly 0 outside the query's window", () => {
    fc.assert(
      fc.property(configArb, (cfg) => {
        const { n, batch, heads, headDim, seed } = cfg;
        const windows = windowsOf(cfg);
        const p = layerParams(cfg, windows);
        const x = values(seed + 1)([batch, n, heads * headDim]) as Tokens;
        const [maps] = runF64([mwmhaAttentionWeights(p, { windows })(x)]);
        for (let b = 0; b < batch; b++) {
          windows.forEach((win, h) => {
            const w = win === 0 ? n : win;
            for (let i = 0; i < n; i++) {
              const row = Array.from(maps!.subarray(((b * heads + h) * n + i) * n, ((b * heads + h) * n + i + 1) * n));
              expect(Math.abs(row.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-12);
              row.forEach((a, j) => {
                if (Math.floor(j / w) !== Math.floor(i / w)) expect(a).toBe(0);
                else expect(a).toBeGreaterThan(0);
              });
            }
          });
        }
      }),
      { numRuns },
    );
  });

  it("each head's output at token i depends on exactly the tokens of i's window, in its own example (dependence, both layouts)", () => {
    fc.assert(
      fc.property(configArb, fc.boolean(), (cfg, masked) => {
        const { n, batch, heads, headDim, seed } = cfg;
        const windows = windowsOf(cfg);
        const p = layerParams(cfg, windows);
        const dim = heads * headDim;
        const x = { shape: [batch, n, dim] as const, data: seededValues(seed + 1)(batch * n * dim).map((u) => 2 * u) };
        // Output positions (example, head, token) of [B, H, n, e]; input positions (example, token) of [B, n, D].
        const dep = dependence((t) => mwmhaHeads(p, { windows, layout: masked ? "masked" : "windows" })(t), [x], {
          outputAxes: 3,
          inputAxes: 2,
          seed,
        });
        const window = (h: number) => (windows[h]! === 0 ? n : windows[h]!); // a global head's window is the whole sequence
        assertDependence(dep, {
          name: `head h sees the window of ${windows.join("/")} (0 = global) around token i, in its own example`,
          allows: ([b, h, i], [bj, j]) => b === bj && Math.floor(i! / window(h!)) === Math.floor(j! / window(h!)),
        });
      }),
      { numRuns: 25 },
    );
  });
});
