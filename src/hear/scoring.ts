/**
 * @file Scorers for the downstream predictor (hear-protocol.md §3.5, §3.9): scene tasks score
 * probabilities with the task's metrics, the first being the criterion; event tasks turn the frame
 * probabilities of each clip back into events for every point of the postprocessing grid, keep the
 * point with the best primary score on validation (the kit's tie rule: the larger parameters win) and
 * reuse that point on test, where every metric is computed from the same events (NaN counts as 0, as
 * in the kit); and the default scorer (top-1 accuracy or mAP) with the probabilities all scorers see.
 * Deviation: with a lower-is-better primary metric (`segment_1s_er`) the lowest error
 * wins, where the kit's descending sort would keep the highest.
 */

import type { HostTensor } from "../ir/index.js";
import type { Scorer, TargetSet } from "./downstream.js";
import {
  eventMetric,
  eventsFromFrames,
  higherIsBetter,
  isEventMetric,
  postprocessingPoints,
  type ClipEvents,
  type EventPostprocessing,
  type SoundEvent,
} from "./event-metrics.js";
import { isSceneMetric, meanAveragePrecision, sceneMetric, top1Accuracy } from "./metrics.js";

/** The two kinds of scene prediction. */
type Prediction = "multiclass" | "multilabel";

/** Softmax rows (multiclass) or elementwise sigmoids (multilabel) of `[n, C]` logits, in float64 then rounded. */
export const probabilitiesOf = (prediction: Prediction, logits: HostTensor): HostTensor => {
  const [n, classes] = logits.shape as readonly [number, number];
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const row = logits.data.subarray(i * classes, (i + 1) * classes);
    if (prediction === "multilabel") {
      for (let c = 0; c < classes; c++) out[i * classes + c] = 1 / (1 + Math.exp(-row[c]!));
      continue;
    }
    let top = -Infinity;
    for (let c = 0; c < classes; c++) top = Math.max(top, row[c]!);
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(row[c]! - top);
    for (let c = 0; c < classes; c++) out[i * classes + c] = Math.exp(row[c]! - top) / z;
  }
  return { shape: [n, classes], dtype: "f32", data: out };
};

/** The scorer `trainDownstream` uses without one: top-1 accuracy (multiclass) or mAP (multilabel), no choice. */
export const defaultScorer = (prediction: Prediction): Scorer => {
  const primary = (p: HostTensor, set: TargetSet): number => {
    const [n, classes] = set.targets.shape as readonly [number, number];
    if (prediction === "multilabel") return meanAveragePrecision(p.data, set.targets.data, classes);
    const index = Int32Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let c = 1; c < classes; c++) if (set.targets.data[i * classes + c]! > set.targets.data[i * classes + best]!) best = c;
      return best;
    });
    return top1Accuracy(p.data, index, classes);
  };
  const name = prediction === "multilabel" ? "mAP" : "top1_acc";
  return {
    validate: (p, set) => {
      const v = primary(p, set);
      return { score: v, criterion: v };
    },
    test: (p, set) => {
      const v = primary(p, set);
      return { score: v, metrics: { [name]: v } };
    },
  };
};

/**
 * The scene scorer for a task's `evaluation` list (every name must satisfy `isSceneMetric`).
 * @example
 * const scorer = sceneScorer(["top1_acc", "mAP"]); // criterion: top-1 accuracy; test: both
 */
export const sceneScorer = (evaluation: ReadonlyArray<string>): Scorer => {
  const names = evaluation.filter(isSceneMetric);
  if (names.length === 0 || names.length !== evaluation.length)
    throw new RangeError(`sceneScorer: not scene metrics: ${evaluation.filter((n) => !isSceneMetric(n)).join(", ") || "(none given)"}`);
  const classesOf = (set: TargetSet) => set.targets.shape[1]!;
  return {
    validate: (p, set) => {
      const v = sceneMetric(names[0]!, p.data, set.targets.data, classesOf(set));
      return { score: v, criterion: v };
    },
    test: (p, set) => {
      const metrics = Object.fromEntries(names.map((n) => [n, sceneMetric(n, p.data, set.targets.data, classesOf(set))]));
      return { score: metrics[names[0]!]!, metrics };
    },
  };
};

/** Events per clip from frame probabilities: rows grouped by `set.rows[i].clip`, sorted by time. */
export const clipEventsOf = (
  probabilities: HostTensor,
  set: TargetSet,
  vocabulary: ReadonlyArray<string>,
  post: EventPostprocessing,
): Record<string, SoundEvent[]> => {
  const classes = vocabulary.length;
  const byClip = new Map<string, number[]>();
  (set.rows ?? []).forEach((r, i) => byClip.set(r.clip, [...(byClip.get(r.clip) ?? []), i]));
  const out: Record<string, SoundEvent[]> = {};
  for (const [clip, rows] of byClip) {
    const sorted = [...rows].sort((a, b) => set.rows![a]!.timeMs! - set.rows![b]!.timeMs!);
    const times = sorted.map((i) => set.rows![i]!.timeMs!);
    const p = new Float64Array(sorted.length * classes);
    sorted.forEach((row, k) => {
      for (let c = 0; c < classes; c++) p[k * classes + c] = probabilities.data[row * classes + c]!;
    });
    out[clip] = eventsFromFrames(times, p, vocabulary, post);
  }
  return out;
};

/**
 * The event scorer: `reference` events per split come with each set (`eventsOf(set)`), frames named
 * by `set.rows` (clip, timeMs).
 * @example
 * const scorer = eventScorer(["event_onset_200ms_fms", "segment_1s_er"], vocabulary, grid, (set) => reference.get(set)!);
 */
export const eventScorer = (
  evaluation: ReadonlyArray<string>,
  vocabulary: ReadonlyArray<string>,
  grid: { readonly median_filter_ms: ReadonlyArray<number>; readonly min_duration: ReadonlyArray<number> },
  eventsOf: (set: TargetSet) => ClipEvents,
): Scorer => {
  const names = evaluation.filter(isEventMetric);
  if (names.length === 0 || names.length !== evaluation.length)
    throw new RangeError(`eventScorer: not event metrics: ${evaluation.filter((n) => !isEventMetric(n)).join(", ") || "(none given)"}`);
  const primary = names[0]!;
  const sign = higherIsBetter(primary) ? 1 : -1;
  const points = postprocessingPoints(grid);
  const zeroNaN = (v: number) => (Number.isNaN(v) ? 0 : v);
  return {
    validate: (p, set) => {
      const reference = eventsOf(set);
      let best: { score: number; criterion: number; choice: EventPostprocessing } | undefined;
      for (const post of points) {
        const score = zeroNaN(eventMetric(primary, reference, clipEventsOf(p, set, vocabulary, post), vocabulary));
        const criterion = sign * score;
        // Ties: the kit sorts (score, parameters) descending, so the larger parameters win.
        const larger =
          best !== undefined &&
          (post.median_filter_ms > best.choice.median_filter_ms ||
            (post.median_filter_ms === best.choice.median_filter_ms && post.min_duration > best.choice.min_duration));
        if (best === undefined || criterion > best.criterion || (criterion === best.criterion && larger))
          best = { score, criterion, choice: post };
      }
      return best!;
    },
    test: (p, set, choice) => {
      const reference = eventsOf(set);
      const events = clipEventsOf(p, set, vocabulary, (choice as EventPostprocessing | undefined) ?? points[0]!);
      const metrics = Object.fromEntries(names.map((n) => [n, zeroNaN(eventMetric(n, reference, events, vocabulary))]));
      return { score: metrics[primary]!, metrics, events };
    },
  };
};
