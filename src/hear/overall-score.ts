/**
 * @file The paper's normalised overall score s(m) (hear-protocol.md §4) and its published numbers
 * (§5). s(m) = (100 / |tasks|) · Σ_t (x_t(m) − min_t) / (max_t − min_t) over the models compared, with
 * x_t(m) the seed-mean primary score; it depends on which models are in the set. A task where every
 * model ties is undefined: it is reported and left out of the sum and of |tasks|. Only tasks every
 * model has are used. A lower-is-better metric (`segment_1s_er`) is negated first.
 */

/** One model's seed-mean primary score per task (`task_name` → score as a fraction). */
export interface ModelScores {
  readonly model: string;
  readonly scores: Readonly<Record<string, number>>;
}

/** s(m) per model, and the tasks behind it. */
export interface OverallScores {
  /** s(m) in [0, 100] per model, in the input order; NaN when no task is defined. */
  readonly scores: ReadonlyArray<{ readonly model: string; readonly score: number }>;
  /** Tasks in the sum (every model has them, not all tied). */
  readonly tasks: ReadonlyArray<string>;
  /** Tasks every model has but where all tie (max = min): s(m) is undefined on them. */
  readonly tied: ReadonlyArray<string>;
  /** Tasks some model lacks. */
  readonly missing: ReadonlyArray<string>;
}

/**
 * s(m) over the models given.
 * @example
 * normalisedScores([{ model: "A", scores: { t1: 80, t2: 40 } }, { model: "B", scores: { t1: 90, t2: 44 } }, { model: "C", scores: { t1: 85, t2: 50 } }]);
 * // scores: A 0, B 70, C 75
 */
export const normalisedScores = (
  models: ReadonlyArray<ModelScores>,
  lowerIsBetter: (task: string) => boolean = () => false,
): OverallScores => {
  const all = [...new Set(models.flatMap((m) => Object.keys(m.scores)))].sort();
  const shared = all.filter((t) => models.every((m) => Number.isFinite(m.scores[t])));
  const value = (m: ModelScores, t: string): number => (lowerIsBetter(t) ? -1 : 1) * m.scores[t]!;
  const range = new Map(
    shared.map((t) => [t, [Math.min(...models.map((m) => value(m, t))), Math.max(...models.map((m) => value(m, t)))]] as const),
  );
  const tasks = shared.filter((t) => range.get(t)![1] > range.get(t)![0]);
  return {
    scores: models.map((m) => ({
      model: m.model,
      score:
        tasks.length === 0
          ? NaN
          : (100 / tasks.length) *
            tasks.reduce((acc, t) => {
              const [lo, hi] = range.get(t)!;
              return acc + (value(m, t) - lo) / (hi - lo);
            }, 0),
    })),
    tasks,
    tied: shared.filter((t) => !tasks.includes(t)),
    missing: all.filter((t) => !shared.includes(t)),
  };
};

/** One task of the paper's table (§5): primary metric and the two published scores, ×100. */
export interface PaperTask {
  readonly title: string;
  readonly metric: string;
  readonly mae: number;
  readonly mwmae: number;
  /** The paper's 95% half-width for MW-MAE over 10 seeds. */
  readonly mwmaeHalfWidth: number;
}

/** The paper's ten tasks by `task_name` (MAE-B-4x16-4l and MW-MAE-B-4x16-4l; hear-protocol.md §5). */
export const paperTasks: Readonly<Record<string, PaperTask>> = {
  beijing_opera: { title: "Beijing Opera", metric: "top1_acc", mae: 96.2, mwmae: 96.0, mwmaeHalfWidth: 0.5 },
  tfds_crema_d: { title: "CREMA-D", metric: "top1_acc", mae: 72.2, mwmae: 73.1, mwmaeHalfWidth: 0.3 },
  esc50: { title: "ESC-50", metric: "top1_acc", mae: 80.9, mwmae: 81.2, mwmaeHalfWidth: 0.4 },
  libricount: { title: "LibriCount", metric: "top1_acc", mae: 67.3, mwmae: 68.8, mwmaeHalfWidth: 0.2 },
  mridangam_stroke: { title: "Mridangam Stroke", metric: "top1_acc", mae: 97.4, mwmae: 97.4, mwmaeHalfWidth: 0.1 },
  mridangam_tonic: { title: "Mridangam Tonic", metric: "top1_acc", mae: 98.3, mwmae: 97.9, mwmaeHalfWidth: 0.1 },
  nsynth_pitch: { title: "NSynth Pitch 5h", metric: "pitch_acc", mae: 68.3, mwmae: 69.3, mwmaeHalfWidth: 0.6 },
  speech_commands: { title: "Speech Commands 5h", metric: "top1_acc", mae: 89.4, mwmae: 90.9, mwmaeHalfWidth: 0.2 },
  fsd50k: { title: "FSD50K", metric: "mAP", mae: 50.4, mwmae: 51.2, mwmaeHalfWidth: 0.2 },
  vox_lingua_top10: { title: "VoxLingua107 top10", metric: "top1_acc", mae: 43.1, mwmae: 44.2, mwmaeHalfWidth: 0.9 },
};

/** The paper's s(m) for the two base models (computed against its full comparison table, not these two rows). */
export const paperOverall: { readonly mae: number; readonly mwmae: number } = { mae: 88.1, mwmae: 89.2 };
