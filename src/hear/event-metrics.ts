/**
 * @file Event tasks (hear-protocol.md §1.4, §3.9): frame probabilities turned back into events as the
 * kit does (median filter over time on the probabilities, threshold 0.5, runs of active frames become
 * events from the first to the last frame's timestamp, events shorter than a minimum dropped), and the
 * sed_eval scores the kit reports: the event-based F-measure with an onset collar (`event_onset_200ms_fms`,
 * `event_onset_50ms_fms`, and with an offset condition `event_onset_offset_50ms_20perc_fms`; micro-averaged over all events of all clips, each reference matched to at
 * most one estimate of the same label whose onset lies within the collar, by a maximum matching as
 * sed_eval's `optimal` matching), and the segment-based error rate over 1 s segments (`segment_1s_er`,
 * lower is better). Times are milliseconds, as in the split files.
 */

/** One event of one clip, times in ms. */
export interface SoundEvent {
  readonly label: string;
  readonly start: number;
  readonly end: number;
}

/** Events per clip name. */
export type ClipEvents = Readonly<Record<string, ReadonlyArray<SoundEvent>>>;

/** How frames become events: median filter length and minimum event duration, both in ms. */
export interface EventPostprocessing {
  readonly median_filter_ms: number;
  readonly min_duration: number;
}

/** The kit's default postprocessing grid (`EVENT_POSTPROCESSING_GRID`). */
export const defaultEventPostprocessingGrid: {
  readonly median_filter_ms: ReadonlyArray<number>;
  readonly min_duration: ReadonlyArray<number>;
} = {
  median_filter_ms: [0, 60, 150, 250],
  min_duration: [0, 60, 150, 250],
};

/**
 * Every point of a grid, in scikit-learn's `ParameterGrid` order (keys sorted, the last varying fastest).
 * @example
 * postprocessingPoints({ median_filter_ms: [0, 250], min_duration: [125] }); // [{0, 125}, {250, 125}]
 */
export const postprocessingPoints = (grid: {
  readonly median_filter_ms: ReadonlyArray<number>;
  readonly min_duration: ReadonlyArray<number>;
}): EventPostprocessing[] => grid.median_filter_ms.flatMap((m) => grid.min_duration.map((d) => ({ median_filter_ms: m, min_duration: d })));

/**
 * scipy.ndimage's `median_filter` along one axis with mode "reflect" (`d c b a | a b c d | d c b a`):
 * the window of length w at i covers i − ⌊w/2⌋ … i − ⌊w/2⌋ + w − 1, and the output is the element of
 * rank ⌊w/2⌋ of the sorted window (the upper median for even w).
 */
export const medianFilter = (values: ArrayLike<number>, width: number): Float64Array => {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const at = (j: number): number => {
    // Reflect about the edges (the edge value repeats), periodic over 2n.
    let k = ((j % (2 * n)) + 2 * n) % (2 * n);
    if (k >= n) k = 2 * n - 1 - k;
    return values[k]!;
  };
  const half = Math.floor(width / 2);
  const window = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < width; w++) window[w] = at(i - half + w);
    window.sort();
    out[i] = window[half]!;
  }
  return out;
};

/**
 * The kit's `create_events_from_prediction` for one clip: probabilities `[T, C]` at sorted `times`
 * (ms); a median filter of round(median_filter_ms / mean frame step) frames (none when that is 0),
 * then `p > threshold`; each run of active frames is an event from its first to its last timestamp,
 * kept when end − start ≥ min_duration. Events come sorted by start (stable, labels in index order).
 * @example
 * eventsFromFrames([0, 40, 80], [0.9, 0.8, 0.1], ["dog"], { median_filter_ms: 0, min_duration: 0 }); // [{ dog, 0, 40 }]
 */
export const eventsFromFrames = (
  times: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  labels: ReadonlyArray<string>,
  post: EventPostprocessing,
  threshold = 0.5,
): SoundEvent[] => {
  const n = times.length;
  const classes = labels.length;
  const step = n > 1 ? (times[n - 1]! - times[0]!) / (n - 1) : NaN;
  const width = post.median_filter_ms > 0 && Number.isFinite(step) ? Math.round(post.median_filter_ms / step) : 0;
  const events: SoundEvent[] = [];
  for (let c = 0; c < classes; c++) {
    const column = Float64Array.from({ length: n }, (_, i) => probabilities[i * classes + c]!);
    const smooth = width > 0 ? medianFilter(column, width) : column;
    for (let i = 0; i < n; ) {
      if (!(smooth[i]! > threshold)) {
        i += 1;
        continue;
      }
      let j = i;
      while (j + 1 < n && smooth[j + 1]! > threshold) j += 1;
      if (times[j]! - times[i]! >= post.min_duration) events.push({ label: labels[c]!, start: times[i]!, end: times[j]! });
      i = j + 1;
    }
  }
  return events.sort((a, b) => a.start - b.start);
};

/** Size of a maximum matching in a bipartite graph given as adjacency lists (Kuhn's augmenting paths). */
const maximumMatching = (adjacency: ReadonlyArray<ReadonlyArray<number>>, right: number): number => {
  const owner = new Int32Array(right).fill(-1);
  const augment = (u: number, seen: Uint8Array): boolean => {
    for (const v of adjacency[u]!) {
      if (seen[v]) continue;
      seen[v] = 1;
      if (owner[v] === -1 || augment(owner[v]!, seen)) {
        owner[v] = u;
        return true;
      }
    }
    return false;
  };
  let size = 0;
  for (let u = 0; u < adjacency.length; u++) if (augment(u, new Uint8Array(right))) size += 1;
  return size;
};

/** Counts behind an F-measure: true positives, references, estimates. */
export interface MatchCounts {
  readonly matched: number;
  readonly reference: number;
  readonly estimated: number;
}

/**
 * Event matching over all clips (a clip missing from one side has no events there): per clip and
 * label, a maximum matching of references to estimates whose onsets differ by at most `collarMs`
 * (compared in seconds, as sed_eval does) and, with `offsetShare`, whose offsets differ by at most
 * max(collar, offsetShare · reference duration) (sed_eval's `percentage_of_length`).
 */
export const onsetMatches = (reference: ClipEvents, estimated: ClipEvents, collarMs: number, offsetShare?: number): MatchCounts => {
  let matched = 0;
  let nRef = 0;
  let nEst = 0;
  const collar = collarMs / 1000;
  for (const clip of new Set([...Object.keys(reference), ...Object.keys(estimated)])) {
    const ref = reference[clip] ?? [];
    const est = estimated[clip] ?? [];
    nRef += ref.length;
    nEst += est.length;
    for (const label of new Set(ref.map((e) => e.label))) {
      const r = ref.filter((e) => e.label === label);
      const s = est.filter((e) => e.label === label);
      matched += maximumMatching(
        r.map((a) =>
          s.flatMap((b, j) =>
            Math.abs(a.start / 1000 - b.start / 1000) <= collar &&
            (offsetShare === undefined ||
              Math.abs(a.end / 1000 - b.end / 1000) <= Math.max(collar, (offsetShare * (a.end - a.start)) / 1000))
              ? [j]
              : [],
          ),
        ),
        s.length,
      );
    }
  }
  return { matched, reference: nRef, estimated: nEst };
};

/**
 * The overall (micro) event-based F-measure with an onset collar: 2·matched / (references +
 * estimates), 0 when both are empty (the kit turns sed_eval's NaN into 0).
 * @example
 * onsetFMeasure({ a: [{ label: "x", start: 0, end: 500 }] }, { a: [{ label: "x", start: 150, end: 300 }] }, 200); // 1
 */
export const onsetFMeasure = (reference: ClipEvents, estimated: ClipEvents, collarMs: number, offsetShare?: number): number => {
  const m = onsetMatches(reference, estimated, collarMs, offsetShare);
  const total = m.reference + m.estimated;
  return total === 0 ? 0 : (2 * m.matched) / total;
};

/** Active labels per segment: an event marks segments ⌊start/res⌋ … ⌈end/res⌉ − 1 (sed_eval's event roll). */
const eventRoll = (
  events: ReadonlyArray<SoundEvent>,
  labels: ReadonlyArray<string>,
  segments: number,
  resolutionMs: number,
): Uint8Array => {
  const roll = new Uint8Array(segments * labels.length);
  for (const e of events) {
    const c = labels.indexOf(e.label);
    if (c < 0) continue;
    const from = Math.floor(e.start / 1000 / (resolutionMs / 1000));
    const to = Math.ceil(e.end / 1000 / (resolutionMs / 1000));
    for (let s = Math.max(0, from); s < Math.min(to, segments); s++) roll[s * labels.length + c] = 1;
  }
  return roll;
};

/**
 * sed_eval's segment-based error rate: per clip, segments of `resolutionMs` up to the latest end of
 * its reference or estimated events; per segment S = min(FN, FP), D = max(0, FN − FP),
 * I = max(0, FP − FN); ER = (ΣS + ΣD + ΣI) / Σ references active, over all segments of all clips.
 * NaN without any active reference.
 * @example
 * segmentErrorRate({ a: [{ label: "x", start: 0, end: 2000 }] }, { a: [] }, ["x"]); // 1 (two deletions of two)
 */
export const segmentErrorRate = (
  reference: ClipEvents,
  estimated: ClipEvents,
  labels: ReadonlyArray<string>,
  resolutionMs = 1000,
): number => {
  let errors = 0;
  let active = 0;
  for (const clip of new Set([...Object.keys(reference), ...Object.keys(estimated)])) {
    const ref = reference[clip] ?? [];
    const est = estimated[clip] ?? [];
    const longest = Math.max(0, ...ref.map((e) => e.end), ...est.map((e) => e.end));
    const segments = Math.ceil(longest / 1000 / (resolutionMs / 1000));
    const r = eventRoll(ref, labels, segments, resolutionMs);
    const s = eventRoll(est, labels, segments, resolutionMs);
    for (let k = 0; k < segments; k++) {
      let fn = 0;
      let fp = 0;
      for (let c = 0; c < labels.length; c++) {
        const a = r[k * labels.length + c]!;
        const b = s[k * labels.length + c]!;
        active += a;
        if (a && !b) fn += 1;
        if (b && !a) fp += 1;
      }
      errors += Math.max(fn, fp); // S + D + I = min + (FN − min) + (FP − min) = max(FN, FP)
    }
  }
  return active === 0 ? NaN : errors / active;
};

/** The event metrics HEAR names in `evaluation`. */
export const eventMetricNames = [
  "event_onset_200ms_fms",
  "event_onset_50ms_fms",
  "event_onset_offset_50ms_20perc_fms",
  "segment_1s_er",
] as const;
/** One of `eventMetricNames`. */
export type EventMetricName = (typeof eventMetricNames)[number];

/** Whether `name` is an event metric this module computes. */
export const isEventMetric = (name: string): name is EventMetricName => (eventMetricNames as ReadonlyArray<string>).includes(name);

/** Whether a larger value of the metric is better (every HEAR metric but the error rate). */
export const higherIsBetter = (name: string): boolean => name !== "segment_1s_er";

/**
 * One event metric of estimated events against the reference, over all clips.
 * @example
 * eventMetric("event_onset_200ms_fms", reference, estimated, vocabulary);
 */
export const eventMetric = (name: EventMetricName, reference: ClipEvents, estimated: ClipEvents, labels: ReadonlyArray<string>): number => {
  switch (name) {
    case "event_onset_200ms_fms":
      return onsetFMeasure(reference, estimated, 200);
    case "event_onset_50ms_fms":
      return onsetFMeasure(reference, estimated, 50);
    case "event_onset_offset_50ms_20perc_fms":
      return onsetFMeasure(reference, estimated, 50, 0.2);
    case "segment_1s_er":
      return segmentErrorRate(reference, estimated, labels, 1000);
  }
};
