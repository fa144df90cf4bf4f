/**
 * @file Time crops: `cropFrames` equals slicing, takes its start as a run-time input, per batch element
 * or shared, zero-pads short clips; `randomCrop` draws starts uniformly over every valid position and
 * is a function of its key.
 */

import { describe, expect, it } from "vitest";
import { constant, fromData, input, jit, realize, reference, spec, type Tensor } from "../../src";
import { cropFrames, cropStart, randomCrop } from "../../src/audio";
import { fold, key } from "../../src/random";

const grid = (t: number, f: number, offset = 0): Float64Array => Float64Array.from({ length: t * f }, (_, i) => i + offset);

describe("cropFrames", () => {
  it("equals the rows [start, start + frames) of the spectrogram", async () => {
    const x = constant(grid(10, 3), [10, 3] as const);
    const c = await realize(cropFrames(x, 4, 5));
    expect(c.shape).toEqual([5, 3]);
    expect(Array.from(c.data)).toEqual(Array.from(grid(10, 3)).slice(12, 27));
  });

  it("takes the start as a graph input: one compiled graph serves every crop", async () => {
    const f = await jit(
      ({ x, start }) => cropFrames(x as Tensor<readonly [10, 3]>, start, 4),
      { x: spec([10, 3] as const), start: spec([] as const, "i32") },
      reference(),
    );
    const x = fromData(grid(10, 3), [10, 3] as const);
    for (const s of [0, 3, 6]) {
      const out = await f({ x, start: fromData([s], [] as const, "i32") });
      expect(Array.from(out.data)).toEqual(Array.from(grid(10, 3)).slice(3 * s, 3 * s + 12));
    }
  });

  it("crops each batch element at its own start", async () => {
    const x = constant([...grid(6, 2), ...grid(6, 2, 100)], [2, 6, 2] as const);
    const c = await realize(cropFrames(x, constant([1, 3], [2] as const, "i32"), 2));
    expect(Array.from(c.data)).toEqual([2, 3, 4, 5, 106, 107, 108, 109]);
  });

  it("zero-pads a clip shorter than the crop, and refuses windows outside the clip", async () => {
    const c = await realize(cropFrames(constant(grid(3, 2), [3, 2] as const), 0, 5));
    expect(Array.from(c.data)).toEqual([0, 1, 2, 3, 4, 5, 0, 0, 0, 0]);
    expect(() => cropFrames(constant(grid(10, 2), [10, 2] as const), 7, 5)).toThrow(/window \[7, 12\) is outside 10 frames/);
    expect(() => cropFrames(input("x", [4] as const) as never, 0, 2)).toThrow(/needs rank >= 2/);
  });
});

describe("randomCrop", () => {
  it("draws every start in [0, T − frames] and nothing outside it", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 600; i++) seen.add(cropStart(fold(key(7), i), 210, 200));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(cropStart(key(1), 150, 200)).toBe(0);
  });

  it("is a function of the key", async () => {
    const x = constant(grid(300, 2), [300, 2] as const);
    const a = await realize(randomCrop(key(3), x, 200));
    const b = await realize(randomCrop(key(3), x, 200));
    expect(a.shape).toEqual([200, 2]);
    expect(a.data).toEqual(b.data);
    const start = a.data[0]! / 2;
    expect(start).toBe(cropStart(key(3), 300, 200));
  });
});
