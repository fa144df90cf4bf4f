/**
 * `mwmae embed` run as a child process through bin/mwmae.js: the golden command of issue 5, `.npy`
 * outputs that read back, HEAR task folders in hear-eval-kit's layout, and bad inputs that are
 * skipped, named and reported with exit code 1.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeWav, encodeWav } from "../../src/audio";
import { decodeNpy, type HearModel, type NpyArray } from "../../src/hear";
import { loadModel } from "../../src/hear/node";
import { GoldenArray, maxAbsDiff, readGolden } from "../support/golden";

const root = join(__dirname, "../..");
const golden = (name: string): string => join(root, "test/golden", name);
const model = ["--config", golden("tiny_hear.config.json"), "--checkpoint", golden("tiny_hear.msgpack")];

const mwmae = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, "bin/mwmae.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const Line = t.type({ file: t.string, scene: t.array(t.number), timestamps: t.array(t.number), embeddings: t.array(t.array(t.number)) });
const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => {
      const d = Line.decode(JSON.parse(l));
      if (E.isLeft(d)) throw new Error(`bad JSON line: ${l.slice(0, 80)}`);
      return d.right;
    });

const npy = (path: string): NpyArray => {
  const d = decodeNpy(new Uint8Array(readFileSync(path)), path);
  if (E.isLeft(d)) throw new Error(d.left);
  return d.right;
};

/** A 16 kHz tone (or silence) as PCM16 WAV bytes. */
const tone = (seconds: number, hz: number, amplitude = 0.3): Uint8Array =>
  encodeWav({
    sampleRate: 16000,
    samples: Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / 16000)),
  });

describe("mwmae embed --json on the golden clip", () => {
  const Hear = t.type({
    timestamp_embeddings: GoldenArray,
    timestamp_embeddings_f64_model: GoldenArray,
    timestamps_ms: GoldenArray,
    scene_embedding: GoldenArray,
    features: GoldenArray,
  });
  const g = readGolden("hear_embed.json", Hear);
  let hear: HearModel;
  beforeAll(async () => {
    const m = await loadModel(golden("tiny_hear.msgpack"), { config: golden("tiny_hear.config.json") })();
    if (E.isLeft(m)) throw new Error(m.left.message);
    hear = m.right;
  });

  // Bound as in test/hear/embed.golden.test.ts: 4× the file's own float32 error plus our front-end's
  // difference δ from the file's log-mel (the encoder's gain on this clip is below 1). Every backend is
  // held to that bound: the default (wasm, on every core), one wasm thread, the reference interpreter,
  // and the gpu.js backend in plain-JS mode.
  it.each([[[]], [["--threads", "1"]], [["--backend", "reference"]], [["--backend", "cpu"]]])(
    "reproduces hear_embed.json's scene and timestamp embeddings %j",
    async (extra: string[]) => {
      const r = mwmae("embed", ...model, ...extra, "--json", "test/golden/audio/hear_clip_3p3s.wav");
      // The wasm backend's one line on its code cache, nothing else.
      expect(r.stderr.replace(/^mwmae embed: wasm code: \d+ program\(s\) generated .*\n/m, "")).toBe("");
      expect(r.code).toBe(0);
      const [out, ...rest] = lines(r.stdout);
      expect(rest).toEqual([]);
      const samples = decodeWav(new Uint8Array(readFileSync(golden("audio/hear_clip_3p3s.wav"))), "clip");
      if (E.isLeft(samples)) throw new Error(samples.left.message);
      const logmel = await hear.frontEnd({ shape: [1, samples.right.samples.length], dtype: "f32", data: samples.right.samples });
      const bound =
        4 * maxAbsDiff(g.timestamp_embeddings.data, g.timestamp_embeddings_f64_model.data) + maxAbsDiff(logmel.data, g.features.data);
      expect(out!.file).toBe("test/golden/audio/hear_clip_3p3s.wav");
      expect(out!.embeddings.length).toBe(83);
      expect(maxAbsDiff(out!.embeddings.flat(), g.timestamp_embeddings.data)).toBeLessThan(bound);
      expect(maxAbsDiff(out!.scene, g.scene_embedding.data)).toBeLessThan(bound);
      expect(maxAbsDiff(out!.timestamps, g.timestamps_ms.data)).toBeLessThan(2.5e-4);
    },
  );
});

describe("mwmae embed --out over a folder with bad files", () => {
  const dir = mkdtempSync(join(tmpdir(), "embed-cli-"));
  const input = join(dir, "clips");
  const out = join(dir, "out");
  let run: ReturnType<typeof mwmae>;
  beforeAll(() => {
    mkdirSync(join(input, "nested"), { recursive: true });
    copyFileSync(golden("audio/hear_clip_3p3s.wav"), join(input, "good.wav"));
    writeFileSync(join(input, "nested/tone.wav"), tone(0.5, 440));
    const whole = tone(0.5, 220);
    writeFileSync(join(input, "truncated.wav"), whole.subarray(0, whole.length - 101));
    writeFileSync(join(input, "notes.wav"), "this is a text file, renamed\n");
    writeFileSync(join(input, "empty.wav"), new Uint8Array(0));
    writeFileSync(join(input, "silent.wav"), tone(0.5, 440, 0));
    writeFileSync(join(input, "short.wav"), tone(0.01, 440));
    const ulaw = tone(0.5, 440).slice();
    new DataView(ulaw.buffer).setUint16(20, 7, true); // the fmt chunk's format code: 7 = µ-law
    writeFileSync(join(input, "ulaw.wav"), ulaw);
    run = mwmae("embed", ...model, "--out", out, "--json", input);
  });

  it("embeds the good files, skips each bad one with a reason naming it, and exits 1", () => {
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map((l) => l.file)).toEqual([join(input, "good.wav"), join(input, "nested/tone.wav")]);
    const report = run.stderr;
    expect(report).toMatch(/embedded 2 clip\(s\); skipped 6/);
    expect(report).toContain(`${join(input, "truncated.wav")}: truncated`);
    expect(report).toContain(`${join(input, "notes.wav")}: not a WAV file`);
    expect(report).toContain(`${join(input, "empty.wav")}: not a WAV file (no RIFF/WAVE header; 0 bytes)`);
    expect(report).toContain(`${join(input, "silent.wav")}: silent`);
    expect(report).toContain(`${join(input, "short.wav")}: too short`);
    expect(report).toContain(`${join(input, "ulaw.wav")}: unsupported encoding: 16-bit µ-law`);
  });

  it("writes scene, timestamp-embedding and timestamp .npy files that read back as the JSON", () => {
    const [good] = lines(run.stdout);
    const base = join(out, "clips", "good.wav");
    const scene = npy(`${base}.embedding.npy`);
    expect(scene.descr).toBe("<f4");
    expect(scene.shape).toEqual([160]);
    expect(Array.from(scene.data)).toEqual(good!.scene);
    const frames = npy(`${base}.timestamp-embeddings.npy`);
    expect(frames.shape).toEqual([83, 160]);
    expect(Array.from(frames.data)).toEqual(good!.embeddings.flat());
    expect(Array.from(npy(`${base}.timestamps.npy`).data)).toEqual(good!.timestamps);
    // 0.5 s: 51 frames, one chunk padded by 149, 50 − ⌊50·149/200⌋ = 13 embeddings.
    expect(npy(join(out, "clips", "nested", "tone.wav.timestamp-embeddings.npy")).shape).toEqual([13, 160]);
    expect(existsSync(join(out, "clips", "notes.wav.embedding.npy"))).toBe(false);
  });

  it("names a single bad file given directly, and exits 1", () => {
    const r = mwmae("embed", ...model, "--json", join(input, "notes.wav"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${join(input, "notes.wav")}: not a WAV file`);
  });
});

describe("mwmae embed on HEAR task folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "embed-task-"));
  const out = join(dir, "embeddings");
  const metadata = (name: string, type: "scene" | "event") => ({
    task_name: name,
    version: "v0",
    mode: "full",
    embedding_type: type,
    prediction_type: type === "scene" ? "multiclass" : "multilabel",
    split_mode: "new_split_kfold",
    nfolds: 2,
    sample_duration: 0.5,
    evaluation: ["top1_acc"],
    splits: ["fold00", "fold01"],
  });
  const makeTask = (name: string, type: "scene" | "event", labels: Record<string, Record<string, unknown>>) => {
    const task = join(dir, name);
    mkdirSync(task, { recursive: true });
    writeFileSync(join(task, "task_metadata.json"), JSON.stringify(metadata(name, type)));
    writeFileSync(join(task, "labelvocabulary.csv"), "idx,label\n0,high\n1,low\n");
    for (const [split, clips] of Object.entries(labels)) {
      writeFileSync(join(task, `${split}.json`), JSON.stringify(clips));
      mkdirSync(join(task, "16000", split), { recursive: true });
      Object.keys(clips).forEach((clip, i) => writeFileSync(join(task, "16000", split, clip), tone(0.5, 300 + 200 * i)));
    }
    return task;
  };
  let run: ReturnType<typeof mwmae>;
  let scene: string;
  let event: string;
  beforeAll(() => {
    scene = makeTask("toy-v0-full", "scene", { fold00: { "a.wav": ["high"], "b.wav": ["low"] }, fold01: { "c.wav": ["low"] } });
    event = makeTask("toyevents-v0-full", "event", {
      fold00: { "e.wav": [{ label: "high", start: 0, end: 200 }] },
      fold01: { "f.wav": [] },
    });
    run = mwmae("embed", ...model, "--out", out, scene, event);
  });

  it("writes the kit's per-clip files and copies the task's metadata", () => {
    expect(run.stderr).toMatch(/embedded 5 clip\(s\)/);
    expect(run.code).toBe(0);
    const task = join(out, "toy-v0-full");
    for (const f of ["task_metadata.json", "labelvocabulary.csv", "fold00.json", "fold01.json"])
      expect(readFileSync(join(task, f), "utf8")).toBe(readFileSync(join(scene, f), "utf8"));
    expect(npy(join(task, "fold00", "a.wav.embedding.npy")).shape).toEqual([160]);
    expect(JSON.parse(readFileSync(join(task, "fold00", "b.wav.target-labels.json"), "utf8"))).toEqual(["low"]);
    expect(npy(join(task, "fold01", "c.wav.embedding.npy")).shape).toEqual([160]);
  });

  it("writes [T, D] embeddings, their times and per-time labels for event tasks", () => {
    const base = join(out, "toyevents-v0-full", "fold00", "e.wav");
    expect(npy(`${base}.embedding.npy`).shape).toEqual([13, 160]);
    const times = JSON.parse(readFileSync(`${base}.timestamps.json`, "utf8")) as number[];
    expect(times.length).toBe(13);
    const labels = JSON.parse(readFileSync(`${base}.target-labels.json`, "utf8")) as string[][];
    // Frames 500/13 ≈ 38.5 ms apart: those at t < 200.0001 ms (0 … 192.3) carry "high".
    expect(labels.map((l) => l.length)).toEqual(times.map((ms) => (ms < 200.0001 ? 1 : 0)));
    expect(labels[0]).toEqual(["high"]);
  });
});

describe("mwmae embed usage", () => {
  it("exits 2 naming the problem for unknown flags, a missing checkpoint flag, or nothing to do", () => {
    expect(mwmae("embed", "--frobnicate", "x.wav")).toMatchObject({ code: 2, stderr: expect.stringContaining("--frobnicate") });
    expect(mwmae("embed", "--json", "x.wav")).toMatchObject({ code: 2, stderr: expect.stringContaining("--checkpoint PATH is required") });
    expect(mwmae("embed", ...model, "x.wav")).toMatchObject({ code: 2, stderr: expect.stringContaining("nothing to do") });
  });

  it("exits 2 for a bad --threads, or --threads with a backend that has none", () => {
    for (const bad of ["0", "1.5", "0x2", "257"])
      expect(mwmae("embed", ...model, "--json", "--threads", bad, "x.wav")).toMatchObject({
        code: 2,
        stderr: `mwmae embed: --threads: expected a decimal integer >= 1 and <= 256, got "${bad}"\n(see mwmae embed --help)\n`,
      });
    expect(mwmae("embed", ...model, "--json", "--backend", "reference", "--threads", "2", "x.wav")).toMatchObject({
      code: 2,
      stderr: "mwmae embed: --threads applies to the wasm backend only\n(see mwmae embed --help)\n",
    });
  });

  it("exits 1 naming a checkpoint that does not exist", () => {
    const r = mwmae("embed", "--checkpoint", "missing.msgpack", "--json", "x.wav");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.msgpack: cannot read/);
  });
});
