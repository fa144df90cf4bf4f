/**
 * @file WAV files a hostile user would try (issue 9): non-finite samples are a `non-finite` error naming
 * the first bad sample's index and time; declared rates, channel counts and durations outside the
 * limits are refused before any sample is decoded or resampled; FIFOs are refused by type before they
 * are opened; symbolic links in a folder are followed or reported, never dropped.
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { decodeWav, defaultAudioLimits, encodeWav, type AudioError } from "../../src/audio";
import { findWavFiles, loadClip, loadClips, readWav } from "../../src/audio/node";
import { floatWav } from "../fuzz/corpus";

const left = (e: E.Either<AudioError, unknown>): AudioError => {
  if (E.isRight(e)) throw new Error("expected an error, got a clip");
  return e.left;
};

describe("non-finite samples", () => {
  const tone = Array.from({ length: 4000 }, (_, i) => 0.3 * Math.sin(i / 5));
  it.each([
    ["NaN", Number.NaN, 32, /non-finite sample: NaN at sample 1234, at 0\.077 s/],
    ["+Inf", Number.POSITIVE_INFINITY, 32, /non-finite sample: Infinity at sample 1234/],
    ["-Inf (64-bit)", Number.NEGATIVE_INFINITY, 64, /non-finite sample: -Infinity at sample 1234/],
    ["1e300 (64-bit, overflows float32)", 1e300, 64, /non-finite sample: a value beyond float32's range at sample 1234/],
  ] as const)("%s is a non-finite error naming the file, the index and the time", (_, bad, bits, pattern) => {
    const samples = tone.slice();
    samples[1234] = bad;
    samples[2000] = bad;
    const err = left(decodeWav(floatWav(samples, 16000, bits), "nan.wav"));
    expect(err.kind).toBe("non-finite");
    expect(err.source).toBe("nan.wav");
    expect(err.message).toMatch(/^nan\.wav: /);
    expect(err.message).toMatch(pattern);
  });

  it("names the channel of a multi-channel file", () => {
    const frames = Array.from({ length: 2000 }, () => [0.1, 0.2]).flat();
    frames[2 * 704 + 1] = Number.NaN;
    const err = left(decodeWav(floatWav(frames, 8000, 32, 2), "stereo.wav"));
    expect(err.message).toMatch(/NaN at sample 704 \(channel 1\), at 0\.088 s/);
  });
});

describe("declared sizes beyond the limits", () => {
  const pcm = (rate: number, seconds = 0.01) => {
    const b = encodeWav({ sampleRate: 16000, samples: new Float32Array(Math.max(2, Math.round(16000 * seconds))).fill(0.1) });
    const v = new DataView(b.buffer, b.byteOffset);
    v.setUint32(24, rate, true);
    v.setUint32(28, rate * 2, true);
    return b;
  };
  it.each([1, 2, 999, 384001, 2 ** 32 - 1])("a declared rate of %d Hz is refused before decoding", (rate) => {
    const err = left(decodeWav(pcm(rate), "rate.wav"));
    expect(err.kind).toBe("limit");
    expect(err.message).toMatch(new RegExp(`^rate\\.wav: sample rate ${rate} Hz is outside the accepted 1000–384000 Hz`));
  });

  it("the 1 kHz and 384 kHz bounds themselves are accepted", () => {
    expect(E.isRight(decodeWav(pcm(1000), "lo.wav"))).toBe(true);
    expect(E.isRight(decodeWav(pcm(384000), "hi.wav"))).toBe(true);
  });

  it("refuses more channels than the limit, and clips longer than maxSeconds (which can be raised)", () => {
    const many = floatWav(new Array(65 * 10).fill(0.1), 16000, 32, 65);
    expect(left(decodeWav(many, "many.wav"))).toMatchObject({
      kind: "limit",
      message: expect.stringMatching(/65 channels, more than the 64/),
    });
    const long = pcm(16000, 2);
    const err = left(decodeWav(long, "long.wav", { ...defaultAudioLimits, maxSeconds: 1 }));
    expect(err).toMatchObject({
      kind: "limit",
      message: expect.stringMatching(/2\.0 s of audio, longer than the 1 s accepted \(raise it with --max-seconds\)/),
    });
    expect(E.isRight(decodeWav(long, "long.wav", { ...defaultAudioLimits, maxSeconds: 3 }))).toBe(true);
  });
});

describe("files that are not regular files", () => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-hostile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(process.platform === "win32")("a FIFO named x.wav is refused by type, without blocking", async () => {
    const fifo = join(dir, "x.wav");
    execFileSync("mkfifo", [fifo]);
    expect(left(await readWav(fifo)())).toMatchObject({
      kind: "not-a-file",
      message: `${fifo}: a FIFO (named pipe), not a regular file: refused`,
    });
    expect(left(await loadClip(fifo)())).toMatchObject({ kind: "not-a-file" });
    rmSync(fifo);
  });

  it("a folder given as a file is refused by type", async () => {
    expect(left(await readWav(dir)())).toMatchObject({ kind: "not-a-file", message: `${dir}: a folder, not a regular file: refused` });
  });

  it.skipIf(process.platform === "win32")(
    "symbolic links in a folder are followed, and broken ones are listed with the reason",
    async () => {
      const data = join(dir, "data");
      execFileSync("mkdir", ["-p", data]);
      const real = join(dir, "real.wav");
      writeFileSync(real, encodeWav({ sampleRate: 16000, samples: Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin(i / 3)) }));
      symlinkSync(real, join(data, "linked.wav"));
      symlinkSync(join(dir, "gone.wav"), join(data, "broken.wav"));
      const found = await findWavFiles(data)();
      if (E.isLeft(found)) throw new Error(found.left.message);
      expect(found.right).toEqual([join(data, "broken.wav"), join(data, "linked.wav")]);
      const { clips, skipped } = await loadClips(found.right)();
      expect(clips.map((c) => c.path)).toEqual([join(data, "linked.wav")]);
      expect(skipped.map((e) => [e.source, e.kind])).toEqual([[join(data, "broken.wav"), "io"]]);
    },
  );
});
