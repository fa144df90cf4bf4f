/**
 * @file The cases of issue 9, run as a user would (`node bin/mwmae.js …`): every one ends in one line
 * naming what and where, with exit 2 for bad usage (flag or config file alike) and 1 for bad data;
 * none exits 0 with NaN output, none hangs, none prints a stack trace.
 */

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWav } from "../../src/audio";
import { decodeSafetensors, encodeSafetensors } from "../../src/io";
import { removeDir, tempDir, tinyModelFlags } from "../train/tiny-run";
import { floatWav } from "../fuzz/corpus";
import { mwmae, root, type Result } from "./mwmae-process";

const golden = (name: string): string => join(__dirname, "../golden", name);
const hear = ["--config", golden("tiny_hear.config.json")];
const clip = golden("audio/hear_clip_3p3s.wav");
const dir = tempDir("hostile-cli-");
afterAll(() => removeDir(dir));
const at = (name: string): string => join(dir, name);

/** One line (plus the usage hint for exit 2), no stack frames. */
const oneLine = (r: Result): void => {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const lines = r.stderr.trim().split("\n");
  if (r.code === 2) expect(lines[1] ?? "").toMatch(/^\(see mwmae \w+ --help\)$/);
};

const tone = (seconds: number) =>
  encodeWav({ sampleRate: 16000, samples: Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => 0.3 * Math.sin(i / 7)) });

/** A float32 WAV whose sample 4000 is `bad`. */
const badFloatWav = (bad: number): Uint8Array =>
  floatWav(Array.from({ length: 8000 }, (_, i) => (i === 4000 ? bad : 0.3 * Math.sin(i / 5))));

/** tiny_hear.safetensors with `edit` applied to its tensors. */
const editedCheckpoint = (
  edit: (t: Record<string, { shape: number[]; dtype: "f32" | "i32"; data: Float32Array | Int32Array }>) => void,
) => {
  const file = decodeSafetensors(new Uint8Array(readFileSync(golden("tiny_hear.safetensors"))), "tiny_hear.safetensors");
  if (E.isLeft(file)) throw new Error(file.left.message);
  const tensors = Object.fromEntries(
    Object.entries(file.right.tensors).map(([k, t]) => [k, { ...t, shape: [...t.shape], data: t.data.slice() }]),
  );
  edit(tensors as never);
  return encodeSafetensors(tensors as never, file.right.metadata);
};

beforeAll(() => {
  writeFileSync(at("nan.wav"), badFloatWav(Number.NaN));
  writeFileSync(at("inf.wav"), badFloatWav(Number.POSITIVE_INFINITY));
  const oneHz = tone(2);
  new DataView(oneHz.buffer, oneHz.byteOffset).setUint32(24, 1, true);
  writeFileSync(at("1hz.wav"), oneHz);
  const good = readFileSync(golden("tiny_hear.safetensors"));
  const short = new Uint8Array(good);
  const v = new DataView(short.buffer);
  v.setBigUint64(0, v.getBigUint64(0, true) - 1n, true);
  writeFileSync(at("short-header.safetensors"), short);
  writeFileSync(at("truncated.safetensors"), good.subarray(0, good.length - 100));
  writeFileSync(
    at("nan-weights.safetensors"),
    editedCheckpoint((t) => {
      t["params/encoder_norm/scale"]!.data[3] = Number.NaN;
    }),
  );
  // An f32 tensor relabelled i32 in the header (same width, so the container itself is sound).
  const relabelled = Buffer.from(good);
  const header = relabelled.subarray(8, 8 + Number(relabelled.readBigUInt64LE(0)));
  const text = header.toString("latin1");
  const at32 = text.indexOf('"F32"', text.indexOf('"params/encoder_norm/scale"'));
  header.write('"I32"', at32, "latin1");
  writeFileSync(at("relabelled.safetensors"), relabelled);
  writeFileSync(at("null-header.safetensors"), Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("null")]));
  const deep: number[] = [];
  for (let i = 0; i < 100_000; i++) deep.push(0x81, 0xa1, 0x61);
  deep.push(0xc0);
  writeFileSync(at("deep.msgpack"), Uint8Array.from(deep));
  writeFileSync(at("misspelt.json"), JSON.stringify({ model_class: "MWMAE", embed_dims: 64 }));
  writeFileSync(at("bad-value.json"), JSON.stringify({ model_class: "MWMAE", embed_dim: -3 }));
  writeFileSync(at("plain-file"), "x");
});

describe("finite or refused", () => {
  it.each(["nan.wav", "inf.wav"])("embed refuses %s by kind, index and time, exit 1, nothing written", async (name) => {
    const out = at(`out-${name}`);
    const r = await mwmae("embed", ...hear, "--checkpoint", golden("tiny_hear.msgpack"), "--out", out, "--json", at(name));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`${name}: non-finite sample: (NaN|Infinity) at sample 4000, at 0\\.250 s`));
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    oneLine(r);
  });

  it("pretrain on a folder holding a NaN clip skips it by name instead of blaming the learning rate", async () => {
    const data = at("nan-data");
    mkdirSync(data);
    writeFileSync(join(data, "nan.wav"), badFloatWav(Number.NaN));
    writeFileSync(join(data, "ok.wav"), tone(0.5));
    const r = await mwmae(
      "pretrain",
      ...tinyModelFlags,
      "--steps",
      "1",
      "--batch",
      "1",
      "--warmup",
      "0",
      "--data",
      data,
      "--out",
      at("nan-run"),
    );
    expect(r.stderr).toMatch(/skipped 1 audio file\(s\):\n\s+\S+nan\.wav: non-finite sample: NaN at sample 4000/);
    expect(r.code).toBe(0);
  });

  it("embed and inspect refuse NaN weights naming the tensor, unless --allow-non-finite", async () => {
    const ck = ["--checkpoint", at("nan-weights.safetensors")];
    const e = await mwmae("embed", ...hear, ...ck, "--json", clip);
    expect([e.code, e.stdout]).toEqual([1, ""]);
    expect(e.stderr).toMatch(
      /tensor "params\/encoder_norm\/scale" holds NaN at index 3 \(1 non-finite value\): refused .*--allow-non-finite/,
    );
    oneLine(e);
    const i = await mwmae("inspect", ...hear, ...ck, "--graph", "none");
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/params\/encoder_norm\/scale" holds NaN at index 3/);
    const allowed = await mwmae("inspect", ...hear, ...ck, "--graph", "none", "--allow-non-finite");
    expect(allowed.code).toBe(0);
    // Allowed, the weights give NaN embeddings: an error per clip, never exit 0 with NaN output.
    const nanOut = await mwmae("embed", ...hear, ...ck, "--allow-non-finite", "--json", clip);
    expect([nanOut.code, nanOut.stdout]).toEqual([1, ""]);
    expect(nanOut.stderr).toMatch(/the output's tensor "(scene|timestamp embeddings)" holds NaN .*: not written/);
  });

  it("an f32 tensor relabelled i32 is caught at load, not blamed on the audio", async () => {
    const r = await mwmae("inspect", ...hear, "--checkpoint", at("relabelled.safetensors"), "--graph", "none");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/encoder_norm\/scale is i32, the config needs f32/);
    const e = await mwmae("embed", ...hear, "--checkpoint", at("relabelled.safetensors"), "--json", clip);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/encoder_norm\/scale is i32, the config needs f32/);
    expect(e.stderr).not.toMatch(/hear_clip/);
  });
});

describe("no silent fallback", () => {
  it("inspect reports a checkpoint's invalid stored config instead of inspecting it as mwmae-base-4x16", async () => {
    const file = decodeSafetensors(new Uint8Array(readFileSync(golden("tiny_hear.safetensors"))), "tiny_hear.safetensors");
    if (E.isLeft(file)) throw new Error(file.left.message);
    const config = JSON.stringify({ model_class: "MWMAE", embed_dim: -1 });
    writeFileSync(at("bad-config.safetensors"), encodeSafetensors(file.right.tensors, { ...file.right.metadata, config }));
    const r = await mwmae("inspect", "--checkpoint", at("bad-config.safetensors"), "--graph", "none");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the config in its metadata: \S+ \(metadata\): embed_dim: expected PositiveInt, got -1/);
    expect(r.stdout).not.toMatch(/mwmae-base-4x16/);
    oneLine(r);
  });
});

describe("strict containers", () => {
  it.each([
    ["short-header.safetensors", /header|cover|gap|overlap/],
    ["truncated.safetensors", /a truncated safetensors file/],
    ["null-header.safetensors", /header is null, not a JSON object/],
    ["deep.msgpack", /nest(ed)? (more|deeper) than 64 levels/],
  ])("%s: embed and inspect exit 1 naming the file and the fault", async (name, pattern) => {
    for (const command of [
      ["embed", "--json", clip],
      ["inspect", "--graph", "none"],
    ]) {
      const [cmd, ...rest] = command as [string, ...string[]];
      const r = await mwmae(cmd, ...hear, "--checkpoint", at(name), ...rest);
      expect(r.code, `${cmd} ${name}`).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/parameters match|msgpack: not a complete/);
      oneLine(r);
    }
  });
});

describe("bounded resources", () => {
  it("a WAV declaring 1 Hz is refused at once, not resampled 16000×", async () => {
    const r = await mwmae("embed", ...hear, "--checkpoint", golden("tiny_hear.msgpack"), "--json", at("1hz.wav"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1hz\.wav: sample rate 1 Hz is outside the accepted 1000–384000 Hz/);
  });

  it("a batch too large for the buffer plan is refused before anything is written, with a batch that fits", async () => {
    const out = at("huge-batch");
    const r = await mwmae("pretrain", ...tinyModelFlags, "--batch", "1000000000", "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /batch 1000000000 is too large for this model on a compiled backend: \S+ f32\[.*\] has \d+ elements.*use --batch \d+ or less/,
    );
    expect(existsSync(out)).toBe(false);
    oneLine(r);
  });

  it("an embed_dim of 2^30 is a config error naming the field, not a RangeError", async () => {
    const r = await mwmae("pretrain", "--preset", "mwmae-tiny-4x16", "--encoder", "1073741824/1/1", "--out", at("huge-model"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/encoder\.dim: 1073741824 exceeds the bound of 65536/);
    oneLine(r);
  });

  it("a model within the config bounds but too large for any buffer is refused by parameter name", async () => {
    const out = at("wide-model");
    const r = await mwmae("pretrain", "--preset", "mwmae-tiny-4x16", "--encoder", "65536/1/1", "--mlp-ratio", "1024", "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the model is too large: parameter \S+ \[.*\] has \d+ elements, more than the 16777216 a buffer holds/);
    expect(r.stderr).not.toMatch(/RangeError/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("one bad file never stops a batch", () => {
  it.skipIf(process.platform === "win32")(
    "a 219-character name, a symlink and a FIFO in a folder: the good files are embedded, the FIFO listed",
    async () => {
      const data = at("batch");
      mkdirSync(data);
      writeFileSync(join(data, `${"n".repeat(215)}.wav`), tone(0.5));
      writeFileSync(join(data, "z-last.wav"), tone(0.5));
      symlinkSync(join(data, "z-last.wav"), join(data, "linked.wav"));
      execFileSync("mkfifo", [join(data, "x.wav")]);
      const out = at("batch-out");
      const r = await mwmae("embed", ...hear, "--checkpoint", golden("tiny_hear.msgpack"), "--out", out, data);
      expect(r.stderr).toMatch(/embedded 3 clip\(s\); skipped 1:\n\s+\S+x\.wav: a FIFO \(named pipe\), not a regular file: refused/);
      expect(r.code).toBe(1);
      const written = readdirSync(join(out, "batch"));
      expect(written).toContain(`${"n".repeat(215)}.wav.embedding.npy`);
      expect(written).toContain("linked.wav.embedding.npy");
      expect(written).toContain("z-last.wav.timestamps.npy");
      expect(written.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    },
  );

  it("--out under /proc fails at once instead of spinning", async () => {
    const r = await mwmae("embed", ...hear, "--checkpoint", golden("tiny_hear.msgpack"), "--out", "/proc/mwmae-x", clip);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out \/proc\/mwmae-x: cannot create \/proc\/mwmae-x/);
  });
});

describe("signals during start-up", () => {
  it("a SIGINT while the run is still starting (pool, compile) stops it with a checkpoint, and it resumes", async () => {
    const out = at("early-sigint");
    const args = [...tinyModelFlags, "--steps", "3", "--batch", "1", "--warmup", "0", "--clips", "12", "--clip-seconds", "0.5"];
    const child = spawn(process.execPath, ["bin/mwmae.js", "pretrain", ...args, "--backend", "reference", "--out", out], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    // run.json is written as the run starts, before the pool is built and the step compiled.
    const poll = setInterval(() => {
      if (existsSync(join(out, "run.json"))) {
        clearInterval(poll);
        child.kill("SIGINT");
      }
    }, 2);
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
    clearInterval(poll);
    clearTimeout(guard);
    expect(code, stderr).toBe(130);
    // Stopped before its first step: the checkpoint is of the starting state.
    expect(readdirSync(join(out, "checkpoints")).filter((f) => f.endsWith(".safetensors"))).toEqual(["ckpt-00000000.safetensors"]);
    const resumed = await mwmae("pretrain", "--resume", "--out", out, "--backend", "reference");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^done: 3 steps/);
  });
});

describe("usage errors are exit 2, from a flag or a config file alike", () => {
  it.each([
    [
      ["inspect", "--config", "misspelt.json"],
      /embed_dims: not a keyword argument of the official constructor \(did you mean embed_dim\?\)/,
    ],
    [["inspect", "--config", "bad-value.json"], /bad-value\.json: embed_dim: expected PositiveInt, got -3/],
    [["inspect", "--encoder", "64/2/x"], /--encoder: expected width\/depth\/heads/],
    [["embed", "--checkpoint", "x", "--chunks", "0x10", "--json", "a.wav"], /--chunks: expected a decimal integer >= 1, got "0x10"/],
    [["embed", "--checkpoint", "x", "--chunks", "1e3", "--json", "a.wav"], /--chunks: expected a decimal integer >= 1, got "1e3"/],
    [["embed", "--checkpoint", "x", "--out", "", "a.wav"], /--out: expected a path, got an empty string/],
    [["pretrain", "--out", ""], /--out: expected a path, got an empty string/],
    // Every command that writes a folder refuses an empty --out the same way.
    ...[
      ["evaluate", "--out", "", "tasks"],
      ["hear", "x.msgpack", "--tasks", "tasks", "--out", ""],
      ["table", "--out", "", "results"],
      ["analyze", "--checkpoint", "x", "--out", "", "a.wav"],
      ["export", "--to", "official-trainstate", "--out", "", "run"],
      ["demo", "--quick", "--out", ""],
      ["experiment", "--quick", "--out", ""],
    ].map((args): [string[], RegExp] => [args, /--out: expected a path, got an empty string/]),
    [["pretrain", "--out", "plain-file"], /--out: \S+plain-file is a file, not a run folder/],
    [["pretrain", "--steps", "1e3"], /--steps: expected a decimal integer/],
    [["pretrain", "--base-lr", "0x1"], /--base-lr: expected a decimal number, got "0x1"/],
    [["pretrain", "--mask-ratio", "Infinity"], /--mask-ratio: expected a decimal number/],
  ])("%j", async (args, pattern) => {
    const resolved = args.map((a) => (a.endsWith(".json") || a === "plain-file" ? at(a) : a));
    const r = await mwmae(...resolved);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    oneLine(r);
    expect(r.stderr.length).toBeLessThan(400);
  });
});
