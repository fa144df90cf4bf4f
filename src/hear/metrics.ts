/**
 * @file Scores of predictions (hear-protocol.md §3.9): top-1 accuracy for multiclass tasks (the first
 * index wins ties, as `argmax` does), and the per-class average precision behind mAP for multilabel
 * ones. Scores are row-major `[n, classes]`, probabilities or logits alike (both rank the same).
 */

/** The highest-scoring class of each row (first index on ties). */
export const argmaxRows = (scores: ArrayLike<number>, n: number, classes: number): Int32Array => {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c]! > scores[i * classes + best]!) best = c;
    out[i] = best;
  }
  return out;
};

/**
 * Share of rows whose highest-scoring class is the target (HEAR's `top1_acc`).
 * @example
 * top1Accuracy([0.1, 0.9, 0.8, 0.2], [1, 1], 2); // 0.5
 */
export const top1Accuracy = (scores: ArrayLike<number>, targets: ArrayLike<number>, classes: number): number => {
  const n = targets.length;
  if (scores.length !== n * classes) throw new RangeError(`top1Accuracy: ${scores.length} scores for ${n} targets × ${classes} classes`);
  if (n === 0) return NaN;
  const predicted = argmaxRows(scores, n, classes);
  let hits = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === targets[i]) hits += 1;
  return hits / n;
};

/**
 * Non-interpolated average precision of one class: the mean, over its positives, of the precision at
 * each positive's rank (tied scores are counted together, as scikit-learn does). NaN without positives.
 */
export const averagePrecision = (scores: ArrayLike<number>, positive: ArrayLike<boolean>): number => {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const total = Array.from(positive).filter(Boolean).length;
  if (total === 0) return NaN;
  let ap = 0;
  let seen = 0;
  let hits = 0;
  for (let i = 0; i < order.length; ) {
    // One threshold per distinct score: all tied rows enter together.
    let j = i;
    let newHits = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (positive[order[j]!]) newHits += 1;
      j += 1;
    }
    seen = j;
    hits += newHits;
    ap += (newHits / total) * (hits / seen);
    i = j;
  }
  return ap;
};

/**
 * HEAR's `mAP`: the unweighted mean over classes of `averagePrecision` (classes without positives
 * are left out). `targets` is multi-hot, row-major `[n, classes]`.
 */
export const meanAveragePrecision = (scores: ArrayLike<number>, targets: ArrayLike<number>, classes: number): number => {
  const n = targets.length / classes;
  const aps: number[] = [];
  for (let c = 0; c < classes; c++) {
    const column = Array.from({ length: n }, (_, i) => scores[i * classes + c]!);
    const ap = averagePrecision(
      column,
      Array.from({ length: n }, (_, i) => targets[i * classes + c]! > 0),
    );
    if (!Number.isNaN(ap)) aps.push(ap);
  }
  return aps.length === 0 ? NaN : aps.reduce((a, b) => a + b, 0) / aps.length;
};
