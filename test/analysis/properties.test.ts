/**
 * @file The laws that pin the analysis measures down (docs/analysis.md), as fast-check properties:
 * entropy of uniform and one-hot rows, window heads' distance and mass outside their windows,
 * invariances of PWCCA and CKA, CKA's symmetry, and the level unrelated representations reach at a
 * given sample size.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attentionStats, cca, linearCka, massOutsideWindows, rowEntropy } from "../../src/analysis";
import type { HostTensor } from "../../src";

/** `count` standard normal values from `seed` (mulberry32, Box–Muller). */
const gaussian = (count: number, seed: number): Float64Array => {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
  return Float64Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
};

const matrix = (rows: number, cols: number, data: Float64Array): HostTensor => ({ shape: [rows, cols], dtype: "f32", data });

/** X·A for X `[n, d]` and A `[d, e]`, row-major. */
const times = (x: HostTensor, a: Float64Array, e: number): HostTensor => {
  const [n, d] = x.shape as [number, number];
  const out = new Float64Array(n * e);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) for (let j = 0; j < e; j++) out[i * e + j]! += x.data[i * d + k]! * a[k * e + j]!;
  return matrix(n, e, out);
};

/** A random invertible `[d, d]`: upper triangular with diagonal in ±[0.5, 2], rows rotated. */
const invertible = (d: number, seed: number): Float64Array => {
  const g = gaussian(d * d, seed);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++)
      a[i * d + j] = i === j ? (g[i * d + j]! < 0 ? -1 : 1) * (0.5 + (Math.abs(g[i * d + j]!) % 1.5)) : g[i * d + j]! / 2;
  const order = Array.from({ length: d }, (_, i) => (i + seed) % d);
  return Float64Array.from({ length: d * d }, (_, k) => a[order[Math.floor(k / d)]! * d + (k % d)]!);
};

/** A random orthogonal `[d, d]` times `scale` (Gram–Schmidt on Gaussian columns). */
const orthogonal = (d: number, seed: number, scale: number): Float64Array => {
  const g = gaussian(d * d, seed);
  const cols: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const v = Float64Array.from({ length: d }, (_, i) => g[i * d + j]!);
    for (const c of cols) {
      const dot = c.reduce((s, ci, i) => s + ci * v[i]!, 0);
      c.forEach((ci, i) => (v[i] = v[i]! - dot * ci));
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  return Float64Array.from({ length: d * d }, (_, k) => scale * cols[k % d]![Math.floor(k / d)]!);
};

const dims = fc.record({ n: fc.integer({ min: 30, max: 80 }), d: fc.integer({ min: 1, max: 8 }), seed: fc.integer({ min: 1, max: 1e6 }) });

describe("attention entropy", () => {
  it("of a uniform row over w keys is ln w, of a one-hot row 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 299 }), (w, at) => {
        expect(Math.abs(rowEntropy(new Float64Array(w).fill(1 / w)) - Math.log(w))).toBeLessThan(1e-12);
        const hot = new Float64Array(300);
        hot[at] = 1;
        expect(rowEntropy(hot)).toBe(0);
      }),
    );
  });
});

/** Maps `[heads, n, n]` whose head h is a window head of `windows[h]` with random positive weights inside. */
const windowMaps = (n: number, windows: ReadonlyArray<number>, seed: number): HostTensor => {
  const g = gaussian(windows.length * n * n, seed);
  const data = new Float64Array(windows.length * n * n);
  windows.forEach((w, h) => {
    for (let i = 0; i < n; i++) {
      const base = (h * n + i) * n;
      let total = 0;
      for (let j = 0; j < n; j++) {
        const inside = w === 0 || Math.floor(i / w) === Math.floor(j / w);
        data[base + j] = inside ? Math.exp(2 * g[base + j]!) : 0;
        total += data[base + j]!;
      }
      for (let j = 0; j < n; j++) data[base + j] = data[base + j]! / total;
    }
  });
  return { shape: [windows.length, n, n], dtype: "f32", data };
};

describe("window heads", () => {
  const windowed = fc
    .record({ w: fc.integer({ min: 1, max: 12 }), windowsPer: fc.integer({ min: 1, max: 6 }), seed: fc.integer({ min: 1, max: 1e6 }) })
    .map(({ w, windowsPer, seed }) => ({ w, n: w * windowsPer, seed }));

  it("attend over a mean distance below w and put exactly 0 outside their windows", () => {
    fc.assert(
      fc.property(windowed, ({ w, n, seed }) => {
        const maps = windowMaps(n, [w, 0], seed);
        const stats = attentionStats(maps);
        expect(stats.distanceTokens[0]).toBeLessThan(w);
        expect(massOutsideWindows(maps, [w, 0])[0]).toBe(0);
        expect(stats.entropy[0]).toBeLessThanOrEqual(Math.log(w) + 1e-12);
      }),
    );
  });

  it("of uniform weights reach the window's mean |i − j|, (w² − 1)/(3w)", () => {
    fc.assert(
      fc.property(windowed, ({ w, n }) => {
        const uniform = { shape: [1, n, n], dtype: "f32", data: new Float64Array(n * n) } as const;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (Math.floor(i / w) === Math.floor(j / w)) uniform.data[i * n + j] = 1 / w;
        const stats = attentionStats(uniform);
        expect(Math.abs(stats.distanceTokens[0]! - (w * w - 1) / (3 * w))).toBeLessThan(1e-12);
        expect(Math.abs(stats.entropy[0]! - Math.log(w))).toBeLessThan(1e-12);
      }),
    );
  });
});

describe("PWCCA and CKA", () => {
  it("are 1 for X with itself (CCA without the ridge; 1 − ε with it)", () => {
    fc.assert(
      fc.property(dims, ({ n, d, seed }) => {
        const x = matrix(n, d, gaussian(n * d, seed));
        expect(Math.abs(cca(x, x, { epsilon: 0 }).pwcca - 1)).toBeLessThan(1e-9);
        expect(Math.abs(cca(x, x).pwcca - 1)).toBeLessThan(1e-4);
        expect(Math.abs(linearCka(x, x) - 1)).toBeLessThan(1e-12);
      }),
    );
  });

  it("PWCCA is 1 for X and X·A, A invertible", () => {
    fc.assert(
      fc.property(dims, ({ n, d, seed }) => {
        const x = matrix(n, d, gaussian(n * d, seed));
        const r = cca(x, times(x, invertible(d, seed + 1), d), { epsilon: 0 });
        expect(Math.abs(r.pwcca - 1)).toBeLessThan(1e-8);
        expect(Math.abs(r.meanCca - 1)).toBeLessThan(1e-8);
      }),
    );
  });

  it("CKA is 1 for X and X·A, A orthogonal times a scale (linear CKA is not invariant to every invertible A)", () => {
    fc.assert(
      fc.property(dims, fc.double({ min: 0.01, max: 100, noNaN: true }), ({ n, d, seed }, scale) => {
        const x = matrix(n, d, gaussian(n * d, seed));
        expect(Math.abs(linearCka(x, times(x, orthogonal(d, seed + 2, scale), d)) - 1)).toBeLessThan(1e-10);
      }),
    );
  });

  it("CKA is symmetric, and PWCCA weights sum to 1", () => {
    fc.assert(
      fc.property(dims, fc.integer({ min: 1, max: 8 }), ({ n, d, seed }, e) => {
        const x = matrix(n, d, gaussian(n * d, seed));
        const y = matrix(n, e, gaussian(n * e, seed + 7));
        expect(Math.abs(linearCka(x, y) - linearCka(y, x))).toBeLessThan(1e-15);
        expect(Math.abs(cca(x, y).pwccaWeights.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
      }),
    );
  });

  // Independent Gaussian X [n, d1], Y [n, d2], m = n − 1 after centring: E‖YᵀX‖²_F = m·d1·d2 and
  // E‖XᵀX‖²_F = d1·m·(m + d1 + 1), so CKA ≈ √(d1·d2 / ((m + d1 + 1)(m + d2 + 1))); Σρᵢ² = tr(PₓP_y)
  // has mean d1·d2/m, so the mean squared canonical correlation is max(d1, d2)/m. One draw spreads
  // about ±35% for 4 neurons a side; the mean of 16 draws stays within 30% (over 3σ).
  it("of independent representations fall near the level the sample size predicts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 400 }),
        fc.integer({ min: 4, max: 10 }),
        fc.integer({ min: 4, max: 10 }),
        fc.integer({ min: 1, max: 1e6 }),
        (n, d1, d2, seed) => {
          const m = n - 1;
          let cka = 0;
          let rho2 = 0;
          const draws = 16;
          for (let k = 0; k < draws; k++) {
            const x = matrix(n, d1, gaussian(n * d1, seed + 2 * k));
            const y = matrix(n, d2, gaussian(n * d2, seed + 2 * k + 1));
            cka += linearCka(x, y) / draws;
            const r = cca(x, y);
            rho2 += r.rho.reduce((s, v) => s + v * v, 0) / r.rho.length / draws;
          }
          const ckaPredicted = Math.sqrt((d1 * d2) / ((m + d1 + 1) * (m + d2 + 1)));
          expect(Math.abs(cka / ckaPredicted - 1)).toBeLessThan(0.3);
          expect(Math.abs(rho2 / (Math.max(d1, d2) / m) - 1)).toBeLessThan(0.3);
        },
      ),
      { numRuns: 20 },
    );
  });
});
