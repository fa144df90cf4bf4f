/**
 * @file Similarity of two representations of the same datapoints: canonical correlation analysis,
 * PWCCA (Morcos, Raghu and Bengio 2018, the measure MW-MAE's paper uses to compare encoder layers)
 * and linear CKA (Kornblith et al. 2019). Rows are datapoints (tokens × clips), columns are neurons;
 * everything runs in float64 on ml-matrix's decompositions. Definitions: docs/analysis.md.
 */

import { EigenvalueDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from "ml-matrix";
import type { HostTensor } from "../ir/index.js";

/** The result of `cca`: canonical correlations and PWCCA's weighting. */
export interface CcaResult {
  /** Canonical correlations, descending, clipped to [0, 1]; min(d1, d2) of them. */
  readonly rho: ReadonlyArray<number>;
  /** Their mean. */
  readonly meanCca: number;
  /** Projection-weighted mean: Σ αᵢ ρᵢ. */
  readonly pwcca: number;
  /** The weights αᵢ (sum 1), one per canonical correlation. */
  readonly pwccaWeights: ReadonlyArray<number>;
  /** The side the weights were taken on: the one with fewer neurons (X on a tie). */
  readonly pwccaSide: "X" | "Y";
}

/** Options of `cca`. */
export interface CcaOptions {
  /** Ridge added to the covariance diagonals (default 1e-6): identical inputs then give 1 − ε, not 1. */
  readonly epsilon?: number;
}

/** A `[n, d]` host tensor as a column-centred float64 matrix; `what` names it in errors. */
const centred = (x: HostTensor, what: string): Matrix => {
  if (x.shape.length !== 2) throw new RangeError(`${what}: expected [datapoints, neurons], got [${x.shape.join(", ")}]`);
  const [n, d] = x.shape as readonly [number, number];
  const m = new Matrix(n, d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[i * d + j]!;
    mean /= n;
    for (let i = 0; i < n; i++) m.set(i, j, x.data[i * d + j]! - mean);
  }
  return m;
};

const checkPair = (x: HostTensor, y: HostTensor, what: string): void => {
  if (x.shape.length !== 2 || y.shape.length !== 2 || x.shape[0] !== y.shape[0])
    throw new RangeError(`${what}: X and Y need the same datapoints (rows), got [${x.shape.join(", ")}] and [${y.shape.join(", ")}]`);
  if (x.shape[0]! < 2) throw new RangeError(`${what}: needs at least 2 datapoints, got ${x.shape[0]}`);
};

/** S^−½ of a symmetric positive definite matrix, by its eigendecomposition. */
const inverseSqrt = (s: Matrix): Matrix => {
  const evd = new EigenvalueDecomposition(s, { assumeSymmetric: true });
  const v = evd.eigenvectorMatrix;
  const scale = evd.realEigenvalues.map((l) => 1 / Math.sqrt(l));
  return v.mmul(Matrix.diag(scale)).mmul(v.transpose());
};

/** CCA of centred A [n, da] and B [n, db] with da ≤ db, and PWCCA weighted on A's side. */
const ccaSmallerFirst = (a: Matrix, b: Matrix, epsilon: number): Omit<CcaResult, "pwccaSide"> => {
  const n = a.rows;
  const saa = a
    .transpose()
    .mmul(a)
    .div(n - 1);
  const sbb = b
    .transpose()
    .mmul(b)
    .div(n - 1);
  const sab = a
    .transpose()
    .mmul(b)
    .div(n - 1);
  for (let i = 0; i < a.columns; i++) saa.set(i, i, saa.get(i, i) + epsilon);
  for (let i = 0; i < b.columns; i++) sbb.set(i, i, sbb.get(i, i) + epsilon);
  const aWhite = inverseSqrt(saa);
  const svd = new SingularValueDecomposition(aWhite.mmul(sab).mmul(inverseSqrt(sbb)), { autoTranspose: true });
  const k = a.columns;
  const order = svd.diagonal.map((s, i) => [s, i] as const).sort((p, q) => q[0] - p[0]);
  const rho = order.slice(0, k).map(([s]) => Math.min(1, Math.max(0, s)));
  const u = svd.leftSingularVectors;
  const uk = new Matrix(k, k);
  order.slice(0, k).forEach(([, col], c) => {
    for (let r = 0; r < k; r++) uk.set(r, c, u.get(r, col));
  });
  // Canonical variates of A, an orthonormal basis of them, and how much of A each one accounts for.
  const h = a.mmul(aWhite).mmul(uk);
  const q = new QrDecomposition(h).orthogonalMatrix;
  const projections = q.transpose().mmul(a); // [k, da]: Q[:, i] · A[:, j]
  const alpha = Array.from({ length: k }, (_, i) => projections.getRow(i).reduce((s, v) => s + Math.abs(v), 0));
  const total = alpha.reduce((s, v) => s + v, 0);
  const weights = alpha.map((v) => v / total);
  return {
    rho,
    meanCca: rho.reduce((s, v) => s + v, 0) / k,
    pwcca: weights.reduce((s, w, i) => s + w * rho[i]!, 0),
    pwccaWeights: weights,
  };
};

/**
 * Canonical correlations of X `[n, d1]` and Y `[n, d2]` (same n datapoints), their mean, and PWCCA
 * weighted on the side with fewer neurons. Both are centred per column first.
 * @example
 * cca(layerA, layerB).pwcca; // 1 − ε for identical inputs; near 0 for unrelated ones with n ≫ d
 */
export const cca = (x: HostTensor, y: HostTensor, options: CcaOptions = {}): CcaResult => {
  checkPair(x, y, "cca");
  const epsilon = options.epsilon ?? 1e-6;
  const cx = centred(x, "cca X");
  const cy = centred(y, "cca Y");
  const side = cx.columns <= cy.columns ? "X" : "Y";
  const r = side === "X" ? ccaSmallerFirst(cx, cy, epsilon) : ccaSmallerFirst(cy, cx, epsilon);
  const bad = [r.pwcca, r.meanCca, ...r.rho].find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`cca: a non-finite result (${bad}) for [${x.shape.join(", ")}] and [${y.shape.join(", ")}]`);
  return { ...r, pwccaSide: side };
};

/** PWCCA of X and Y (`cca(x, y).pwcca`). */
export const pwcca = (x: HostTensor, y: HostTensor, options: CcaOptions = {}): number => cca(x, y, options).pwcca;

/**
 * Linear CKA of X `[n, d1]` and Y `[n, d2]`: ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) on column-centred inputs.
 * Symmetric, 1 for Y = X·A with A orthogonal times a scale, invariant to orthogonal maps only.
 * @example
 * linearCka(layerA, layerA); // 1
 */
export const linearCka = (x: HostTensor, y: HostTensor): number => {
  checkPair(x, y, "linearCka");
  const cx = centred(x, "linearCka X");
  const cy = centred(y, "linearCka Y");
  const frob2 = (m: Matrix): number => m.to1DArray().reduce((s, v) => s + v * v, 0);
  const xx = frob2(cx.transpose().mmul(cx));
  const yy = frob2(cy.transpose().mmul(cy));
  const value = frob2(cy.transpose().mmul(cx)) / Math.sqrt(xx * yy);
  if (!Number.isFinite(value))
    throw new RangeError(`linearCka: undefined for a constant representation ([${x.shape.join(", ")}] vs [${y.shape.join(", ")}])`);
  return value;
};
