/**
 * @file WAV decoding and encoding: every supported encoding decodes to the expected scaled samples,
 * channels mix down by averaging, encodings round-trip, and every kind of bad input gets a `Left` that
 * names the source and says what is wrong; a folder run skips bad files and reports them.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import wavefile from "wavefile";
import { afterAll, describe, expect, it } from "vitest";
import { checkClip, decodeWav, encodeWav, type Audio, type AudioError } from "../../src/audio";
import { findWavFiles, loadClip, loadClips, readWav, writeWav } from "../../src/audio/node";

const golden = (name: string): string => join(__dirname, "../golden/audio", name);

const wavBytes = (
  channels: number,
  rate: number,
  depth: string,
  samples: ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>,
): Uint8Array => {
  const w = new wavefile.WaveFile();
  w.fromScratch(channels, rate, depth, samples as number[]);
  return w.toBuffer();
};

const right = (e: E.Either<AudioError, Audio>): Audio => {
  if (E.isLeft(e)) throw new Error(`expected a clip, got: ${e.left.message}`);
  return e.right;
};
const left = (e: E.Either<AudioError, unknown>): AudioError => {
  if (E.isRight(e)) throw new Error("expected an error, got a clip");
  return e.left;
};

describe("decodeWav", () => {
  it("decodes the golden speech clip (16 kHz mono PCM16) with the sample count the log-mel golden used", () => {
    const bytes = readFileSync(golden("speech_espeak.wav"));
    expect(createHash("md5").update(bytes).digest("hex")).toBe("e05009cbaecce06a2b3ccc176c22a387");
    const a = right(decodeWav(bytes, "speech_espeak.wav"));
    expect([a.sampleRate, a.channels, a.bitDepth, a.encoding, a.samples.length]).toEqual([16000, 1, 16, "pcm", 34790]);
    // PCM16 scales by 1/32768: every sample is a multiple of 2^-15 within [-1, 1).
    expect(a.samples.every((v) => Number.isInteger(v * 32768) && v >= -1 && v < 1)).toBe(true);
  });

  it.each([
    ["8", [0, 128, 255], [-1, 0, 127 / 128]],
    ["16", [-32768, 0, 16384, 32767], [-1, 0, 0.5, 32767 / 32768]],
    ["24", [-8388608, 0, 4194304, 8388607], [-1, 0, 0.5, 8388607 / 8388608]],
    ["32", [-2147483648, 0, 1073741824], [-1, 0, 0.5]],
    ["32f", [-0.25, 0, 0.75], [-0.25, 0, 0.75]],
    ["64", [-0.125, 0, 0.5], [-0.125, 0, 0.5]],
  ] as const)("decodes %s-bit samples scaled to [-1, 1)", (depth, raw, expected) => {
    const a = right(decodeWav(wavBytes(1, 8000, depth, raw), `t${depth}.wav`));
    expect(Array.from(a.samples)).toEqual(expected.map((v) => Math.fround(v)));
    expect(a.sampleRate).toBe(8000);
    expect(a.encoding).toBe(depth.endsWith("f") || depth === "64" ? "float" : "pcm");
  });

  it("mixes several channels down to mono by averaging", () => {
    const a = right(
      decodeWav(
        wavBytes(3, 22050, "16", [
          [16384, 0],
          [0, -16384],
          [-16384, 8192],
        ]),
        "three.wav",
      ),
    );
    expect(a.channels).toBe(3);
    expect(Array.from(a.samples)).toEqual([0, Math.fround(-8192 / 32768 / 3)]);
  });
});

describe("encodeWav", () => {
  it("round-trips 16-bit PCM exactly for multiples of 2^-15 and clips out-of-range values", () => {
    const x = Float32Array.from([0, 0.5, -1, 1234 / 32768, 2, -3]);
    const a = right(decodeWav(encodeWav({ sampleRate: 16000, samples: x }, "pcm16"), "rt.wav"));
    expect(Array.from(a.samples)).toEqual([0, 0.5, -1, 1234 / 32768, 32767 / 32768, -1]);
  });

  it("round-trips float32 bit for bit, and keeps channels", () => {
    const l = Float32Array.from({ length: 100 }, (_, i) => Math.fround(Math.sin(i) * 0.7));
    const a = right(decodeWav(encodeWav({ sampleRate: 44100, samples: l }, "float32"), "f.wav"));
    expect(a.samples).toEqual(l);
    const st = right(decodeWav(encodeWav({ sampleRate: 44100, samples: [l, l] }, "float32"), "st.wav"));
    expect([st.channels, st.bitDepth]).toEqual([2, 32]);
    expect(st.samples).toEqual(l);
  });
});

describe("bad input", () => {
  const good = encodeWav({ sampleRate: 16000, samples: new Float32Array(1000).fill(0.25) }, "pcm16");
  const patched = (at: number, bytes: ReadonlyArray<number>): Uint8Array => {
    const b = good.slice();
    b.set(bytes, at);
    return b;
  };
  const cases: ReadonlyArray<readonly [string, Uint8Array, AudioError["kind"], RegExp]> = [
    ["text", new TextEncoder().encode("hello, I am not audio at all"), "not-wav", /not a WAV file/],
    ["tiny", new Uint8Array(3), "not-wav", /not a WAV file/],
    ["truncated", good.subarray(0, 1500), "truncated", /"data" chunk claims 2000 bytes but only 1456 remain/],
    ["half-frame", good.subarray(0, good.length - 1), "truncated", /truncated/],
    ["no data chunk", good.subarray(0, 36), "corrupt", /no data chunk/],
    ["no channels", patched(22, [0, 0]), "corrupt", /0 channels/],
    ["ADPCM", patched(20, [2, 0]), "unsupported-encoding", /16-bit MS ADPCM/],
    ["12-bit", patched(34, [12, 0]), "unsupported-encoding", /12-bit PCM/],
    ["empty", encodeWav({ sampleRate: 16000, samples: new Float32Array(0) }), "empty", /no samples/],
  ];
  it.each(cases)("%s: a Left naming the source and the problem", (name, bytes, kind, pattern) => {
    const err = left(decodeWav(bytes, `${name}.wav`));
    expect(err.kind).toBe(kind);
    expect(err.source).toBe(`${name}.wav`);
    expect(err.message.startsWith(`${name}.wav: `)).toBe(true);
    expect(err.message).toMatch(pattern);
  });

  it("checkClip refuses silence and clips shorter than one frame", () => {
    const silent = { sampleRate: 16000, samples: new Float32Array(16000) };
    expect(left(checkClip("quiet.wav")(silent))).toMatchObject({
      kind: "silent",
      message: "quiet.wav: silent: all 16000 samples are zero",
    });
    const short = { sampleRate: 16000, samples: new Float32Array(399).fill(0.1) };
    expect(left(checkClip("blip.wav")(short))).toMatchObject({ kind: "too-short", source: "blip.wav" });
    expect(left(checkClip("blip.wav")(short)).message).toMatch(/399 samples \(24\.9 ms\).*one frame of 400/);
    expect(E.isRight(checkClip("ok.wav")({ sampleRate: 16000, samples: new Float32Array(400).fill(0.1) }))).toBe(true);
  });
});

describe("files", () => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-wav-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writeWav writes atomically (no temporary file left) and readWav reads it back", async () => {
    const path = join(dir, "tone.wav");
    const samples = Float32Array.from({ length: 800 }, (_, i) => Math.fround(0.5 * Math.sin(i / 10)));
    expect(E.isRight(await writeWav(path, { sampleRate: 8000, samples }, "float32")())).toBe(true);
    expect(readdirSync(dir)).toEqual(["tone.wav"]);
    const back = right(await readWav(path)());
    expect(back.samples).toEqual(samples);
    // loadClip resamples to 16 kHz: twice the samples.
    const clip = right(await loadClip(path)());
    expect([clip.sampleRate, clip.samples.length]).toEqual([16000, 1600]);
  });

  it("a missing file or folder is an io error naming the path", async () => {
    const missing = join(dir, "nope.wav");
    expect(left(await readWav(missing)())).toMatchObject({ kind: "io", source: missing });
    const bad = join(dir, "no-such-folder", "x.wav");
    const err = left(await writeWav(bad, { sampleRate: 16000, samples: new Float32Array(10) })());
    expect(err).toMatchObject({ kind: "io", source: bad });
    expect(existsSync(bad)).toBe(false);
  });

  it("loadClip reports a corrupt file by path", async () => {
    const path = join(dir, "broken.wav");
    expect(E.isRight(await writeWav(path, { sampleRate: 16000, samples: new Float32Array(1000).fill(0.1) })())).toBe(true);
    writeFileSync(path, readFileSync(path).subarray(0, 500));
    expect(left(await loadClip(path)())).toMatchObject({ kind: "truncated", source: path });
  });
});

describe("folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-folder-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds WAV files recursively in sorted order, loads the good ones and reports the bad ones", async () => {
    const tone = Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin(i / 7));
    mkdirSync(join(dir, "b", "deep"), { recursive: true });
    writeFileSync(join(dir, "b", "deep", "ok.WAV"), encodeWav({ sampleRate: 8000, samples: tone }));
    writeFileSync(join(dir, "a.wav"), encodeWav({ sampleRate: 16000, samples: tone }));
    writeFileSync(join(dir, "b", "silent.wav"), encodeWav({ sampleRate: 16000, samples: new Float32Array(8000) }));
    writeFileSync(join(dir, "b", "junk.wav"), "not audio");
    writeFileSync(join(dir, "notes.txt"), "ignored");
    const found = await findWavFiles(dir)();
    if (E.isLeft(found)) throw new Error(found.left.message);
    expect(found.right).toEqual([
      join(dir, "a.wav"),
      join(dir, "b", "deep", "ok.WAV"),
      join(dir, "b", "junk.wav"),
      join(dir, "b", "silent.wav"),
    ]);
    const { clips, skipped } = await loadClips(found.right)();
    expect(clips.map((c) => [c.path, c.audio.sampleRate, c.audio.samples.length])).toEqual([
      [join(dir, "a.wav"), 16000, 8000],
      [join(dir, "b", "deep", "ok.WAV"), 16000, 16000],
    ]);
    expect(skipped.map((e) => [e.source, e.kind])).toEqual([
      [join(dir, "b", "junk.wav"), "not-wav"],
      [join(dir, "b", "silent.wav"), "silent"],
    ]);
    expect(left(await findWavFiles(join(dir, "missing"))())).toMatchObject({ kind: "io", source: join(dir, "missing") });
  });
});
