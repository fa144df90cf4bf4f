/**
 * Every HEAR metric against values worked out by hand (the arithmetic is in each test), and s(m)
 * against hear-protocol.md §4's worked example.
 */
import { describe, expect, it } from "vitest";
import {
  averagePrecision,
  chromaAccuracy,
  dPrime,
  eventMetric,
  eventsFromFrames,
  inverseNormalCdf,
  macroRocAuc,
  meanAveragePrecision,
  medianFilter,
  normalisedScores,
  onsetFMeasure,
  rocAuc,
  sceneMetric,
  segmentErrorRate,
  top1Accuracy,
} from "../../src/hear";

describe("scene metrics", () => {
  it("top1_acc and pitch_acc: argmax with the first index winning ties", () => {
    // Rows: argmax 1 (target 1, hit), tie 0/1 → 0 (target 1, miss), argmax 2 (hit), argmax 0 (target 2, miss): 2/4.
    const scores = [0.1, 0.7, 0.2, 0.5, 0.5, 0, 0.2, 0.3, 0.5, 0.6, 0.3, 0.1];
    expect(top1Accuracy(scores, [1, 1, 2, 2], 3)).toBe(0.5);
    const oneHot = [0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1];
    expect(sceneMetric("top1_acc", scores, oneHot, 3)).toBe(0.5);
    expect(sceneMetric("pitch_acc", scores, oneHot, 3)).toBe(0.5);
  });

  it("chroma_acc: predicted and target indices agree modulo 12", () => {
    // 24 classes. Row 0 predicts 1 for target 13 (1 ≡ 13 mod 12: hit); row 1 predicts 5 for target 7 (miss).
    const scores = new Float32Array(48);
    scores[1] = 1;
    scores[24 + 5] = 1;
    expect(chromaAccuracy(scores, [13, 7], 24)).toBe(0.5);
    expect(top1Accuracy(scores, [13, 7], 24)).toBe(0);
  });

  it("average precision: precision at each positive's rank, ties entering together", () => {
    // Ranked 0.9+, 0.8−, 0.7+, 0.6−: precision 1/1 and 2/3 at the positives → (1 + 2/3) / 2 = 5/6.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo(5 / 6, 12);
    // 0.9− alone (recall 0), then the tie {0.5+, 0.5−}: recall 1 at precision 1/3 → 1/3 (not 1/2).
    expect(averagePrecision([0.9, 0.5, 0.5], [false, true, false])).toBeCloseTo(1 / 3, 12);
    expect(averagePrecision([0.9, 0.5], [false, false])).toBeNaN();
  });

  it("mAP: the mean over classes with at least one positive", () => {
    // Class 0 as the 5/6 case, class 1 without positives (left out), class 2 ranked perfectly (1).
    const s = [0.9, 0.1, 0.1, 0.8, 0.2, 0.2, 0.7, 0.3, 0.3, 0.6, 0.4, 0.9];
    const t = [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    expect(meanAveragePrecision(s, t, 3)).toBeCloseTo((5 / 6 + 1) / 2, 12);
    expect(sceneMetric("mAP", s, t, 3)).toBeCloseTo(11 / 12, 12);
  });

  it("ROC AUC: the share of (positive, negative) pairs ranked right, ties counting 1/2", () => {
    // Pairs (0.9,0.8) ✓, (0.9,0.6) ✓, (0.7,0.8) ✗, (0.7,0.6) ✓ → 3/4.
    expect(rocAuc([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo(0.75, 12);
    // (0.5 vs 0.5) = 1/2, (0.5 vs 0.2) = 1 → 1.5 / 2.
    expect(rocAuc([0.5, 0.5, 0.2], [true, false, false])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.2], [true, true])).toBeNaN();
  });

  it("aucroc and d_prime: macro averages over classes with both target values", () => {
    // Class 0: AUC 3/4 (as above). Class 1: scores 0.1, 0.2, 0.3, 0.4 for targets 0, 1, 0, 1 → pairs
    // (0.2,0.1) ✓, (0.2,0.3) ✗, (0.4,0.1) ✓, (0.4,0.3) ✓ → 3/4. Class 2: no positive, left out.
    const s = [0.9, 0.1, 0, 0.8, 0.2, 0, 0.7, 0.3, 0, 0.6, 0.4, 0];
    const t = [1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0];
    expect(macroRocAuc(s, t, 3)).toBeCloseTo(0.75, 12);
    // d′ = √2·Φ⁻¹(0.75) with Φ⁻¹(0.75) = 0.6744897501960817 (scipy.stats.norm.ppf).
    expect(dPrime(s, t, 3)).toBeCloseTo(Math.SQRT2 * 0.6744897501960817, 8);
    expect(sceneMetric("aucroc", s, t, 3)).toBeCloseTo(0.75, 12);
    // Classes with AUC 3/4 and 1/2: d′ = (√2·0.67449 + √2·0) / 2.
    const half = [0.9, 0.5, 0.8, 0.5, 0.7, 0.5, 0.6, 0.5];
    expect(dPrime(half, [1, 1, 0, 0, 1, 1, 0, 0], 2)).toBeCloseTo((Math.SQRT2 * 0.6744897501960817) / 2, 8);
  });

  it("the normal quantile matches published values", () => {
    expect(inverseNormalCdf(0.5)).toBe(0);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(inverseNormalCdf(0.025)).toBeCloseTo(-1.959963984540054, 8);
    expect(inverseNormalCdf(0.8413447460685429)).toBeCloseTo(1, 8); // Φ(1)
    expect(inverseNormalCdf(1e-5)).toBeCloseTo(-4.264890793922825, 7);
    expect(inverseNormalCdf(1)).toBe(Infinity);
  });
});

describe("event metrics", () => {
  it("median filter: scipy's reflect mode and rank ⌊w/2⌋", () => {
    // Width 3 on 0 1 0 1 1 with the edges mirrored (0 | 0 1 0 1 1 | 1): medians 0 0 1 1 1.
    expect(Array.from(medianFilter([0, 1, 0, 1, 1], 3))).toEqual([0, 0, 1, 1, 1]);
    // Width 2: window {i−1, i}, rank 1 = the larger: 0 1 1 1 1.
    expect(Array.from(medianFilter([0, 1, 0, 1, 1], 2))).toEqual([0, 1, 1, 1, 1]);
  });

  it("frames to events: runs above 0.5 from first to last timestamp, short ones dropped", () => {
    const times = Array.from({ length: 10 }, (_, i) => i * 100);
    const p = [0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.1, 0.6, 0.1, 0.5]; // 0.5 is not above the threshold
    const ev = (post: { median_filter_ms: number; min_duration: number }) =>
      eventsFromFrames(times, p, ["x"], post).map((e) => [e.start, e.end]);
    expect(ev({ median_filter_ms: 0, min_duration: 0 })).toEqual([
      [0, 100],
      [300, 500],
      [700, 700],
    ]);
    // Durations 100, 200, 0: only the 200 ms event reaches 150 ms.
    expect(ev({ median_filter_ms: 0, min_duration: 150 })).toEqual([[300, 500]]);
    // 300 ms / 100 ms steps = width 3: 0.9 0.9 0.9 0.9 0.9 0.9 0.6 0.1 0.1 0.5 → one event 0…600.
    expect(ev({ median_filter_ms: 300, min_duration: 0 })).toEqual([[0, 600]]);
  });

  it("onset F-measure: matches within the collar, same label, micro-averaged", () => {
    const ref = { a: [ev("x", 1000), ev("x", 3000), ev("y", 2000)] };
    const est = { a: [ev("x", 1150), ev("x", 3300), ev("y", 1990), ev("z", 5000)] };
    // 200 ms: x@1150↔x@1000 (150) and y@1990↔y@2000 (10) match; x@3300 is 300 off → F = 2·2 / (3 + 4).
    expect(onsetFMeasure(ref, est, 200)).toBeCloseTo(4 / 7, 12);
    expect(eventMetric("event_onset_200ms_fms", ref, est, ["x", "y", "z"])).toBeCloseTo(4 / 7, 12);
    // 50 ms: only y matches → 2 / 7.
    expect(eventMetric("event_onset_50ms_fms", ref, est, ["x", "y", "z"])).toBeCloseTo(2 / 7, 12);
    // A clip missing from the estimates counts its references as misses: 2·2 / (3 + 1 + 4).
    expect(onsetFMeasure({ ...ref, b: [ev("x", 0)] }, est, 200)).toBeCloseTo(4 / 8, 12);
  });

  it("onset matching is a maximum matching, not greedy", () => {
    // Estimate 150 is within 200 ms of both references; 290 only of reference 100. Greedy closest-first
    // pairs 150↔100 and leaves 290 and 0 unmatched; the maximum matching pairs 150↔0, 290↔100.
    expect(onsetFMeasure({ a: [ev("x", 0), ev("x", 100)] }, { a: [ev("x", 150), ev("x", 290)] }, 200)).toBe(1);
  });

  it("segment error rate over 1 s segments", () => {
    const ref = {
      a: [
        { label: "x", start: 0, end: 2500 },
        { label: "y", start: 1200, end: 1800 },
      ],
    };
    const est = {
      a: [
        { label: "x", start: 0, end: 900 },
        { label: "y", start: 1500, end: 3100 },
      ],
    };
    // 4 segments (latest end 3.1 s). s0: ref{x} est{x}: 0 errors. s1: ref{x,y} est{y}: 1 deletion.
    // s2: ref{x} est{y}: 1 substitution. s3: ref{} est{y}: 1 insertion. ER = 3 / (1 + 2 + 1 + 0).
    expect(segmentErrorRate(ref, est, ["x", "y"])).toBeCloseTo(0.75, 12);
    expect(eventMetric("segment_1s_er", ref, est, ["x", "y"])).toBeCloseTo(0.75, 12);
    expect(segmentErrorRate(ref, ref, ["x", "y"])).toBe(0);
  });
});

/** An event of label `label` with onset `start` ms (offsets do not matter for onset scores). */
function ev(label: string, start: number) {
  return { label, start, end: start + 100 };
}

describe("normalisedScores (s(m))", () => {
  it("reproduces hear-protocol.md §4's worked example", () => {
    const three = [
      { model: "A", scores: { t1: 80, t2: 40 } },
      { model: "B", scores: { t1: 90, t2: 44 } },
      { model: "C", scores: { t1: 85, t2: 50 } },
    ];
    const s = normalisedScores(three);
    // A: (0 + 0)/2; B: (100 + 40)/2; C: (50 + 100)/2.
    expect(s.scores.map((m) => m.score)).toEqual([0, 70, 75]);
    // D lowers min_1 to 70: A (10/20·100 + 0)/2 = 25, B (100 + 40)/2 = 70, C (75 + 100)/2 = 87.5, D (0 + 50)/2 = 25.
    const four = normalisedScores([...three, { model: "D", scores: { t1: 70, t2: 45 } }]);
    four.scores.map((m) => m.score).forEach((v, i) => expect(v).toBeCloseTo([25, 70, 87.5, 25][i]!, 10));
  });

  it("reports tied and missing tasks instead of dividing by zero", () => {
    const s = normalisedScores([
      { model: "A", scores: { t1: 80, same: 50, onlyA: 1 } },
      { model: "B", scores: { t1: 90, same: 50 } },
    ]);
    expect(s.tasks).toEqual(["t1"]);
    expect(s.tied).toEqual(["same"]);
    expect(s.missing).toEqual(["onlyA"]);
    expect(s.scores.map((m) => m.score)).toEqual([0, 100]);
  });

  it("negates a lower-is-better metric", () => {
    const s = normalisedScores(
      [
        { model: "A", scores: { er: 0.2 } },
        { model: "B", scores: { er: 0.4 } },
      ],
      (t) => t === "er",
    );
    expect(s.scores.map((m) => m.score)).toEqual([100, 0]);
  });
});
