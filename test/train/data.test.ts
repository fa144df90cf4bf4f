/**
 * @file The data stream: batches are a pure function of the key and the position, so drawing them in
 * two halves equals drawing them at once; every epoch visits each clip exactly once; crops stay
 * inside their clip; a folder pool skips bad files and says why.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { encodeWav, poolClip } from "../../src/audio";
import { reference } from "../../src/backends";
import { key } from "../../src/random";
import { buildPool, epochOrder, nextBatch, startPosition, type Pool } from "../../src/train";
import { removeDir, right, tempDir } from "./tiny-run";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A pool of `n` clips whose every value is its clip index, so a crop tells where it came from. */
const markedPool = (n: number, frames: number, mels = 2): Pool => ({
  mels,
  clips: Array.from({ length: n }, (_, i) => ({ name: `c${i}`, frames, data: new Float32Array(frames * mels).fill(i) })),
  skipped: [],
});

describe("pretraining data", () => {
  it("draws the same batches in two halves as at once", () => {
    const pool = markedPool(7, 30);
    const k = key(5);
    const whole = nextBatch(pool, k, startPosition, 10, 8);
    const a = nextBatch(pool, k, startPosition, 4, 8);
    const b = nextBatch(pool, k, a.next, 6, 8);
    expect(whole.next).toEqual({ epoch: 1, index: 3 });
    expect(b.next).toEqual(whole.next);
    expect([...a.x.data, ...b.x.data]).toEqual([...whole.x.data]);
  });

  it("visits every clip once per epoch, in a new order each epoch", () => {
    const pool = markedPool(6, 10);
    const { x } = nextBatch(pool, key(1), startPosition, 12, 4);
    const clipOf = (b: number) => x.data[b * 4 * 2]!;
    const seen = Array.from({ length: 12 }, (_, b) => clipOf(b));
    expect([...seen.slice(0, 6)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...seen.slice(6)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(epochOrder(key(1), 0, 6)).not.toEqual(epochOrder(key(1), 1, 6));
  });

  it("crops inside the clip, and zero-pads clips shorter than the crop", () => {
    const ramp: Pool = {
      mels: 1,
      clips: [{ name: "ramp", frames: 50, data: Float32Array.from({ length: 50 }, (_, i) => i + 1) }],
      skipped: [],
    };
    for (let e = 0; e < 5; e++) {
      const crop = [...nextBatch(ramp, key(e), startPosition, 1, 20).x.data];
      expect(crop[0]! >= 1 && crop[19]! <= 50).toBe(true);
      expect(crop.every((v, i) => i === 0 || v === crop[i - 1]! + 1)).toBe(true); // consecutive frames
    }
    const short: Pool = { mels: 1, clips: [{ name: "short", frames: 3, data: Float32Array.of(7, 8, 9) }], skipped: [] };
    expect([...nextBatch(short, key(0), startPosition, 1, 5).x.data]).toEqual([7, 8, 9, 0, 0]);
  });

  it("builds a folder pool from the good files and reports the bad ones", async () => {
    const dir = tempDir("wavs-");
    dirs.push(dir);
    mkdirSync(join(dir, "nested"));
    writeFileSync(
      join(dir, "nested", "good.wav"),
      encodeWav({ sampleRate: 16000, samples: poolClip(key(0), 0, { seconds: 0.25 }) }, "pcm16"),
    );
    writeFileSync(join(dir, "junk.wav"), "not audio at all");
    writeFileSync(join(dir, "silent.wav"), encodeWav({ sampleRate: 16000, samples: new Float32Array(4000) }, "pcm16"));
    const pool = right(E.mapLeft(String)(await buildPool({ kind: "folder", path: dir }, 8, reference())));
    expect(pool.clips.map((c) => [c.name, c.frames])).toEqual([[join(dir, "nested", "good.wav"), 26]]);
    expect(pool.skipped.map((s) => [s.source, s.kind])).toEqual([
      [join(dir, "junk.wav"), "not-wav"],
      [join(dir, "silent.wav"), "silent"],
    ]);
    const empty = tempDir("nowavs-");
    dirs.push(empty);
    expect(await buildPool({ kind: "folder", path: empty }, 8, reference())).toEqual(
      E.left(`${empty}: no .wav files found (searched recursively)`),
    );
  });
});
