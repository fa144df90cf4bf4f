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

/**
 * HEAR's `chroma_acc`: share of rows whose highest-scoring class equals the target modulo 12 (the
 * vocabulary indices of a pitch task are semitones, so index mod 12 is the pitch class).
 * @example
 * chromaAccuracy([0, 1, 1, 0], [0, 1], 2 ); // 0.5 (row 0 predicts 1, target 0)
 */
export const chromaAccuracy = (scores: ArrayLike<number>, targets: ArrayLike<number>, classes: number): number => {
  const n = targets.length;
  if (scores.length !== n * classes) throw new RangeError(`chromaAccuracy: ${scores.length} scores for ${n} targets × ${classes} classes`);
  if (n === 0) return NaN;
  const predicted = argmaxRows(scores, n, classes);
  let hits = 0;
  for (let i = 0; i < n; i++) if (predicted[i]! % 12 === targets[i]! % 12) hits += 1;
  return hits / n;
};

/**
 * Area under the ROC curve of one class: the probability that a random positive scores above a
 * random negative, ties counting one half (the Mann–Whitney statistic, equal to scikit-learn's
 * trapezoidal `roc_auc_score`). NaN unless both a positive and a negative are present.
 */
export const rocAuc = (scores: ArrayLike<number>, positive: ArrayLike<boolean>): number => {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Mid-ranks (1-based) over tied groups; AUC = (Σ ranks of positives − P(P+1)/2) / (P·N).
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && scores[order[j]!] === scores[order[i]!]) j += 1;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (positive[order[k]!]) {
        rankSum += midRank;
        positives += 1;
      }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
};

/** Per-class values of `f` on column c of `[n, classes]` scores and multi-hot targets. */
const perClass = (
  scores: ArrayLike<number>,
  targets: ArrayLike<number>,
  classes: number,
  f: (column: number[], positive: boolean[]) => number,
): number[] => {
  const n = targets.length / classes;
  return Array.from({ length: classes }, (_, c) =>
    f(
      Array.from({ length: n }, (_, i) => scores[i * classes + c]!),
      Array.from({ length: n }, (_, i) => targets[i * classes + c]! > 0),
    ),
  );
};

const meanDefined = (values: ReadonlyArray<number>): number => {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
};

/**
 * HEAR's `aucroc`: the unweighted mean of `rocAuc` over the classes that have both positives and
 * negatives (the others are left out). `targets` is multi-hot `[n, classes]`.
 */
export const macroRocAuc = (scores: ArrayLike<number>, targets: ArrayLike<number>, classes: number): number =>
  meanDefined(perClass(scores, targets, classes, rocAuc));

/**
 * The standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, relative error below
 * 1.2e-9); ±Infinity at 1 and 0, NaN outside [0, 1].
 * @example
 * inverseNormalCdf(0.975); // 1.959963985
 */
export const inverseNormalCdf = (p: number): number => {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
};

/**
 * HEAR's `d_prime`: per class √2·Φ⁻¹(AUC), averaged over the classes whose AUC is defined (a
 * perfectly separated class gives +Infinity, as scipy's `norm.ppf(1)` does).
 */
export const dPrime = (scores: ArrayLike<number>, targets: ArrayLike<number>, classes: number): number =>
  meanDefined(perClass(scores, targets, classes, (s, p) => Math.SQRT2 * inverseNormalCdf(rocAuc(s, p))));

/** The scene metrics HEAR names in `evaluation` (§3.9). */
export const sceneMetricNames = ["top1_acc", "pitch_acc", "chroma_acc", "mAP", "d_prime", "aucroc"] as const;
/** One of `sceneMetricNames`. */
export type SceneMetricName = (typeof sceneMetricNames)[number];

/** Whether `name` is a scene metric this module computes. */
export const isSceneMetric = (name: string): name is SceneMetricName => (sceneMetricNames as ReadonlyArray<string>).includes(name);

/** The class index of each one-hot row (the first maximum). */
const targetIndex = (targets: ArrayLike<number>, classes: number): Int32Array => argmaxRows(targets, targets.length / classes, classes);

/**
 * One scene metric of scores (probabilities, or logits where only the ranking matters) against
 * one-hot or multi-hot targets, both row-major `[n, classes]`. The accuracies use each target row's
 * (first) positive class.
 * @example
 * sceneMetric("top1_acc", [0.1, 0.9, 0.8, 0.2], [0, 1, 0, 1], 2); // 0.5
 */
export const sceneMetric = (name: SceneMetricName, scores: ArrayLike<number>, targets: ArrayLike<number>, classes: number): number => {
  switch (name) {
    case "top1_acc":
    case "pitch_acc":
      return top1Accuracy(scores, targetIndex(targets, classes), classes);
    case "chroma_acc":
      return chromaAccuracy(scores, targetIndex(targets, classes), classes);
    case "mAP":
      return meanAveragePrecision(scores, targets, classes);
    case "d_prime":
      return dPrime(scores, targets, classes);
    case "aucroc":
      return macroRocAuc(scores, targets, classes);
  }
};
