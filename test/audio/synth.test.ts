/**
 * @file The built-in corpus is deterministic (pinned by a hash of the samples: a change of hash means
 * the synthesiser's output changed, and every downstream number with it), balanced, never silent,
 * and lazily addressable (clip i does not depend on clips before it).
 */

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { labelledTask, poolClip, pretrainingPool, soundClasses, synthClip } from "../../src/audio";
import { fold, key } from "../../src/random";

const sha256 = (clips: ReadonlyArray<Float32Array>): string => {
  const h = createHash("sha256");
  for (const c of clips) h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  return h.digest("hex");
};

const peak = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe("synthesiser", () => {
  it("gives the same bytes for the same seed (pinned hash of every class and a pool)", () => {
    const clips = [
      ...soundClasses.map((c, i) => synthClip(fold(key(2024), i), c, { seconds: 0.25 })),
      ...pretrainingPool(key(7), 3, { seconds: 0.25 }),
    ];
    expect(sha256(clips)).toBe(
      sha256([
        ...soundClasses.map((c, i) => synthClip(fold(key(2024), i), c, { seconds: 0.25 })),
        ...pretrainingPool(key(7), 3, { seconds: 0.25 }),
      ]),
    );
    expect(sha256(clips)).toBe("55842338a5c7a863d7dea2261f344800f878bfc27f0320230d7187f138b71045");
  });

  it("gives different clips for different keys", () => {
    expect(sha256([synthClip(key(1), "bell")])).not.toBe(sha256([synthClip(key(2), "bell")]));
    expect(sha256([poolClip(key(1), 0)])).not.toBe(sha256([poolClip(key(1), 1)]));
  });

  it.each(soundClasses)("%s: finite, never silent, peak level in [0.3, 0.9], the requested length", (c) => {
    for (let i = 0; i < 3; i++) {
      const x = synthClip(fold(key(5), i), c, { seconds: 0.5, sampleRate: 16000 });
      expect(x.length).toBe(8000);
      expect(x.every(Number.isFinite)).toBe(true);
      expect(peak(x)).toBeGreaterThanOrEqual(0.3 - 1e-6);
      expect(peak(x)).toBeLessThanOrEqual(0.9 + 1e-6);
      // The event dominates the −60 dB floor: most of the energy is well above it.
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
      expect(rms).toBeGreaterThan(0.01);
    }
  });

  it("makes pool clip i without the clips before it", () => {
    const pool = pretrainingPool(key(9), 4, { seconds: 0.25 });
    expect(poolClip(key(9), 3, { seconds: 0.25 })).toEqual(pool[3]);
  });
});

describe("labelledTask", () => {
  it("is balanced over the ten classes, with disjoint splits and unique ids", () => {
    const task = labelledTask(key(11), { train: 3, valid: 1, test: 2 }, { seconds: 0.25 });
    expect(task.classes).toEqual(soundClasses);
    expect(task.classes).toHaveLength(10);
    expect([task.train.length, task.valid.length, task.test.length]).toEqual([30, 10, 20]);
    for (const split of [task.train, task.valid, task.test]) {
      const counts = new Array<number>(10).fill(0);
      split.forEach((c) => counts[c.label]!++);
      expect(new Set(counts).size).toBe(1);
    }
    const all = [...task.train, ...task.valid, ...task.test];
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(new Set(all.map((c) => sha256([c.samples]))).size).toBe(all.length);
    expect(task.train[0]!.id).toBe("train/harmonic/0");
    expect(task.sampleRate).toBe(16000);
  });

  it("can use a subset of the classes", () => {
    const task = labelledTask(key(3), { train: 1, valid: 0, test: 1 }, { seconds: 0.1, classes: ["bell", "clicks"] });
    expect(task.train.map((c) => [c.label, c.id])).toEqual([
      [0, "train/bell/0"],
      [1, "train/clicks/0"],
    ]);
  });
});
