/**
 * @file Timing: warm-up calls, then the median, min and max of timed calls. Every call is awaited, so
 * asynchronous backends are timed to their readback.
 */

export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** The first call alone (compile and warm-up included). */
  readonly firstMs: number;
}

export interface TimingPlan {
  readonly warmup: number;
  readonly runs: number;
}

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Times `call`: the first of `plan.warmup` (≥ 1) warm-up calls separately, then `plan.runs` timed calls. */
export const measure = async (call: () => unknown, plan: TimingPlan): Promise<Timing> => {
  let firstMs = 0;
  for (let i = 0; i < Math.max(1, plan.warmup); i++) {
    const t0 = performance.now();
    await call();
    if (i === 0) firstMs = performance.now() - t0;
  }
  const times: number[] = [];
  for (let i = 0; i < plan.runs; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), firstMs };
};

/** GFLOP/s of `flops` done in `ms`. */
export const gflops = (flops: number, ms: number): number => flops / ms / 1e6;
