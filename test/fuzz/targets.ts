/**
 * @file The fuzz targets, one fast-check property per category. Each case must end in a value (never a
 * throw): either a result that is finite and consistent, or an error carrying its kind and the file or
 * field it is about. `run-category.ts` runs them in a child process with a time budget per case.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode, ExtData } from "@msgpack/msgpack";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import wavefile from "wavefile";
import { decodeWav, defaultAudioLimits, encodeWav, to16k, type AudioErrorKind } from "../../src/audio";
import { main } from "../../src/cli/main";
import { decodeCheckpoint, decodeModelConfig } from "../../src/hear";
import { fromData } from "../../src/ir";
import {
  decodeFlaxMsgpack,
  decodeSafetensors,
  encodeFlaxMsgpack,
  encodeSafetensors,
  firstNonFinite,
  type FormatError,
  type SafetensorsFile,
} from "../../src/io";
import { decodeConfig, decodeOfficialConfig, geometry } from "../../src/models/mwmae";
import { oversizedParameter } from "../../src/train";
import { audioCorpus, checkpointCorpus } from "./corpus";
import { applyAll, hostileFloat, mutations } from "./mutate";

/** What `run-category.ts` passes to every target's `fc.check`. */
export interface CheckParams {
  readonly seed: number;
  readonly numRuns: number;
  readonly endOnFailure: true;
}

/** What a category's run came to (fast-check's `RunDetails`, without its argument types). */
export interface Outcome {
  readonly failed: boolean;
  readonly numRuns: number;
  readonly seed: number;
  readonly counterexamplePath: string | null;
  readonly counterexample: string | null;
  readonly error: string | null;
}

const settle = async <Ts>(run: fc.RunDetails<Ts> | Promise<fc.RunDetails<Ts>>): Promise<Outcome> => {
  const d = await run;
  return {
    failed: d.failed,
    numRuns: d.numRuns,
    seed: d.seed,
    counterexamplePath: d.counterexamplePath,
    counterexample: d.failed ? fc.stringify(d.counterexample).slice(0, 2000) : null,
    error: d.failed ? String(d.errorInstance).slice(0, 2000) : null,
  };
};

/** A fuzz category: a property over one input family, and how many cases to try. */
export interface Target {
  readonly name: string;
  readonly runs: number;
  /**
   * Runs the property with fast-check's `params` (seed, runs) and the category's corpus as examples
   * tried first; a case throws (with a reason) when it breaks a promise. `beat` marks each case's start.
   */
  readonly check: (beat: () => void, params: CheckParams) => Promise<Outcome>;
}

const fail = (why: string): never => {
  throw new Error(why);
};

const audioKinds: ReadonlyArray<AudioErrorKind> = [
  "io",
  "not-wav",
  "corrupt",
  "truncated",
  "unsupported-encoding",
  "empty",
  "silent",
  "too-short",
  "non-finite",
  "limit",
  "not-a-file",
];

/** A small valid WAV of a random format, with hostile sample values. */
const wavFile = fc
  .record({
    format: fc.constantFrom("8", "16", "24", "32", "32f", "64"),
    channels: fc.integer({ min: 1, max: 3 }),
    rate: fc.constantFrom(1000, 8000, 16000, 22050, 44100, 384000, 999, 500000),
    frames: fc.integer({ min: 0, max: 600 }),
    values: fc.array(hostileFloat, { minLength: 1, maxLength: 16 }),
  })
  .map(({ format, channels, rate, frames, values }) => {
    const float = format === "32f" || format === "64";
    const full = 2 ** (Number.parseInt(format, 10) - 1);
    const sample = (i: number): number => {
      const x = values[i % values.length]!;
      if (float) return x;
      const clipped = Number.isFinite(x) ? Math.max(-1, Math.min(1, x)) : 0;
      return format === "8" ? Math.round(128 + clipped * 127) : Math.round(clipped * (full - 1));
    };
    const data = Array.from({ length: channels }, (_, c) => Array.from({ length: frames }, (_, i) => sample(i * channels + c)));
    return { format, channels, rate, data };
  });

const wavBytes = (w: fc.Arbitrary<{ format: string; channels: number; rate: number; data: number[][] }>) =>
  w.map((x) => {
    // wavefile writes any format; encodeWav only the two the project writes.
    if (x.format === "16" && x.channels === 1)
      return encodeWav({ sampleRate: x.rate, samples: Float32Array.from(x.data[0]!, (v) => v / 32768) });
    return wavefileBytes(x);
  });

const wavefileBytes = (x: { format: string; channels: number; rate: number; data: number[][] }): Uint8Array => {
  const w = new wavefile.WaveFile();
  w.fromScratch(x.channels, x.rate, x.format, x.channels === 1 ? x.data[0]! : x.data);
  return w.toBuffer();
};

/** audio: WAV headers and bodies. */
export const audio: Target = {
  name: "audio (WAV headers and bodies)",
  runs: 800,
  check: (beat, params) =>
    settle(
      fc.check(
        fc.property(wavBytes(wavFile), mutations(48), (bytes, ms) => {
          beat();
          const input = applyAll(bytes, ms);
          const r = decodeWav(input, "fuzz.wav");
          if (E.isLeft(r)) {
            const e = r.left;
            if (!audioKinds.includes(e.kind)) fail(`unknown error kind ${e.kind}`);
            if (e.source !== "fuzz.wav" || !e.message.startsWith("fuzz.wav: ")) fail(`error does not name the file: ${e.message}`);
            return true;
          }
          const a = r.right;
          const { minSampleRate, maxSampleRate, maxChannels } = defaultAudioLimits;
          if (a.sampleRate < minSampleRate || a.sampleRate > maxSampleRate) fail(`rate ${a.sampleRate} accepted`);
          if (a.channels > maxChannels) fail(`${a.channels} channels accepted`);
          if (!a.samples.every(Number.isFinite)) fail("a non-finite sample was accepted");
          const at16k = to16k(a);
          if (!at16k.samples.every(Number.isFinite)) fail("resampling produced a non-finite sample");
          if (at16k.samples.length > Math.ceil((a.samples.length * 16000) / a.sampleRate) + 1) fail("resampled length out of bounds");
          return true;
        }),
        { ...params, examples: audioCorpus.map((b) => [b, []] as [Uint8Array, never[]]) },
      ),
    ),
};

const checkFormatError = (e: FormatError, source: string): void => {
  if (e.kind !== "format") fail(`error kind ${String(e.kind)}`);
  if (e.source !== source) fail(`error names ${e.source}, not ${source}`);
  if (typeof e.field !== "string" || typeof e.message !== "string" || e.message === "") fail("error without field or message");
};

const checkTensors = (tensors: Readonly<Record<string, { shape: ReadonlyArray<number>; data: { length: number } }>>): void => {
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${name}: bad shape accepted`);
    if (t.data.length !== n) fail(`${name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`);
  }
};

const tensorSet = fc
  .dictionary(
    fc.stringMatching(/^[a-z]{1,3}(\/[a-z0-9_]{1,4}){0,2}$/),
    fc
      .record({
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
        pool: fc.array(hostileFloat, { minLength: 1, maxLength: 8 }),
        int: fc.boolean(),
      })
      .map(({ shape, pool, int }) => {
        const n = shape.reduce((a, d) => a * d, 1);
        const data = Array.from({ length: n }, (_, i) =>
          int ? Math.trunc(Number.isFinite(pool[i % pool.length]!) ? pool[i % pool.length]! * 100 : 7) : pool[i % pool.length]!,
        );
        return fromData(data, shape, int ? "i32" : "f32");
      }),
    { maxKeys: 5 },
  )
  .map((set) =>
    // A checkpoint's paths name leaves: none is a prefix folder of another ("a" beside "a/b" cannot nest).
    Object.fromEntries(Object.entries(set).filter(([path]) => !Object.keys(set).some((other) => other.startsWith(`${path}/`)))),
  );

/** Random msgpack documents, Flax-like or not, with extension-1 payloads of any structure. */
const msgpackDoc = fc
  .letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null)),
      fc
        .tuple(
          fc.anything({ maxDepth: 2 }),
          fc.oneof(fc.constantFrom("float32", "int32", "float64", "int64", "bfloat16", "x"), fc.anything({ maxDepth: 1 })),
          fc.uint8Array({ maxLength: 16 }),
        )
        .map(([shape, dtype, bytes]) => new ExtData(1, encode([shape, dtype, bytes]))),
      fc.dictionary(fc.string({ maxLength: 6 }), tie("node"), { maxKeys: 4 }),
    ),
  }))
  .node.map((tree) => encode({ params: tree }));

/** checkpoints: safetensors and msgpack bytes, and format detection over both. */
export const checkpoints: Target = {
  name: "checkpoints (safetensors and msgpack bytes)",
  runs: 800,
  check: (beat, params) =>
    settle(
      fc.check(
        fc.property(
          fc.oneof(
            fc.record({ kind: fc.constant("safetensors" as const), bytes: tensorSet.map((t) => encodeSafetensors(t, { note: "fuzz" })) }),
            fc.record({ kind: fc.constant("msgpack" as const), bytes: tensorSet.map((t) => encodeFlaxMsgpack(t)) }),
            fc.record({ kind: fc.constant("msgpack" as const), bytes: msgpackDoc }),
          ),
          mutations(96),
          ({ kind, bytes }, ms) => {
            beat();
            const input = applyAll(bytes, ms);
            const direct =
              kind === "safetensors"
                ? E.map((f: SafetensorsFile) => f.tensors)(decodeSafetensors(input, "f.ckpt"))
                : decodeFlaxMsgpack(input, "f.ckpt");
            if (E.isLeft(direct)) checkFormatError(direct.left, "f.ckpt");
            else {
              checkTensors(direct.right);
              firstNonFinite(direct.right);
            }
            const sniffed = decodeCheckpoint(input, "f.ckpt");
            if (E.isLeft(sniffed)) {
              if (sniffed.left.kind !== "checkpoint" || !sniffed.left.message.startsWith("f.ckpt: "))
                fail(`sniffed error: ${sniffed.left.message}`);
              if (/not a complete msgpack/.test(sniffed.left.message) && kind === "safetensors" && ms.length === 0)
                fail("a safetensors file blamed on msgpack");
            } else checkTensors(sniffed.right.tensors);
            return true;
          },
        ),
        { ...params, examples: checkpointCorpus.map((c) => [c, []] as [typeof c, never[]]) },
      ),
    ),
};

const officialBase = {
  model_class: "MWMAE",
  img_size: [200, 80],
  patch_size: [4, 16],
  in_chans: 1,
  embed_dim: 32,
  depth: 2,
  num_heads: 2,
  decoder_embed_dim: 16,
  decoder_depth: 2,
  decoder_num_heads: 4,
  mlp_ratio: 4,
  mask_ratio: 0.8,
  use_cls_token: false,
  window_sizes: 0,
  decoder_window_sizes: [2, 5, 25, 0],
};
const oursBase = {
  kind: "mwmae",
  input: { frames: 16, mels: 16 },
  patch: { time: 4, freq: 4 },
  encoder: { dim: 16, depth: 1, heads: 2 },
  decoder: { dim: 16, depth: 1, heads: 4, windows: "auto" },
  mlpRatio: 2,
  maskRatio: 0.75,
  useClsToken: false,
};

/** A JSON edit of a config: drop a key, misspell one, or replace a (nested) value. */
const configEdit = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), key: fc.nat() }),
  fc.record({ op: fc.constant("rename" as const), key: fc.nat(), suffix: fc.constantFrom("s", "_", "X", "") }),
  fc.record({
    op: fc.constant("set" as const),
    key: fc.nat(),
    inner: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(0, -1, 1.5, 2 ** 30, 2 ** 53, 1e308, "auto", [], null, true),
      fc.array(fc.integer({ min: -2, max: 300 }), { maxLength: 9 }),
    ),
  }),
);

type ConfigEdit = typeof configEdit extends fc.Arbitrary<infer T> ? T : never;

const edited = (base: Record<string, unknown>, edits: ReadonlyArray<ConfigEdit>): unknown => {
  const out: Record<string, unknown> = structuredClone(base);
  for (const e of edits) {
    const keys = Object.keys(out);
    if (keys.length === 0) break;
    const key = keys[e.key % keys.length]!;
    if (e.op === "drop") delete out[key];
    else if (e.op === "rename") {
      out[`${key}${e.suffix || "_x"}`] = out[key];
      delete out[key];
    } else {
      const v = out[key];
      if (typeof v === "object" && v !== null && !Array.isArray(v)) {
        const inner = Object.keys(v);
        if (inner.length > 0) (v as Record<string, unknown>)[inner[e.inner % inner.length]!] = e.value;
      } else out[key] = e.value;
    }
  }
  return out;
};

/** The config cases: `embed_dim` misspelt `embed_dims`, a bad value, and JSON that is no config at all. */
const configCorpus: Array<[boolean, ConfigEdit[], unknown]> = [
  [true, [{ op: "rename", key: Object.keys(officialBase).indexOf("embed_dim"), suffix: "s" }], undefined],
  [true, [{ op: "set", key: Object.keys(officialBase).indexOf("embed_dim"), inner: 0, value: 2 ** 30 }], undefined],
  [false, [], null],
  [false, [], [1, 2]],
];

/** configs: config JSON in both dialects, decoded and checked. */
export const configs: Target = {
  name: "configs (config JSON)",
  runs: 600,
  check: (beat, params) =>
    settle(
      fc.check(
        fc.property(
          fc.boolean(),
          fc.array(configEdit, { maxLength: 3 }),
          fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
          (official, edits, raw) => {
            beat();
            const json = raw !== undefined && edits.length === 0 ? raw : edited(official ? officialBase : oursBase, edits);
            for (const decoded of [
              decodeModelConfig("c.json")(json),
              official ? decodeOfficialConfig("c.json")(json) : decodeConfig("c.json")(json),
            ]) {
              if (E.isLeft(decoded)) {
                if (decoded.left.source === "" || decoded.left.messages.length === 0) fail("a config error without source or message");
                for (const m of decoded.left.messages) if (m.length > 300) fail(`message of ${m.length} characters: ${m.slice(0, 80)}…`);
                continue;
              }
              const g = geometry(decoded.right);
              if (!(g.keep >= 1 && g.keep <= g.patches)) fail(`keep ${g.keep} of ${g.patches}`);
              oversizedParameter(decoded.right);
            }
            return true;
          },
        ),
        { ...params, examples: configCorpus },
      ),
    ),
};

const flagValue = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "1",
    "-1",
    "2",
    "16",
    "0x10",
    "1e3",
    "1.5",
    "NaN",
    "Infinity",
    " 4",
    "4 ",
    "1e-5",
    "abc",
    "200x80",
    "4x16",
    "64/2/4",
    "16/1/2",
    "16/1/4",
    "0/0/0",
    "999999999999",
    "auto",
    "2,4,8,0",
    "yes",
    "no",
    "mwmae",
    "mae",
  ),
  fc.string({ maxLength: 6 }),
);
type FlagName = typeof flagNames extends ReadonlyArray<infer N> ? N : never;
const flagNames = [
  "--preset",
  "--kind",
  "--input",
  "--patch",
  "--encoder",
  "--decoder",
  "--windows",
  "--mask-ratio",
  "--mlp-ratio",
  "--cls-token",
  "--steps",
  "--batch",
  "--base-lr",
  "--warmup",
  "--weight-decay",
  "--seed",
  "--chunks",
  "--max-seconds",
  "--precision",
  "--backend",
  "--graph",
  "--nope",
] as const;
const flagName = fc.constantFrom(...flagNames);

/** Captures what `main` writes; the exit code it resolves to. */
const runMain = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
};

/** The flag cases: hex and exponent counts, a batch of a billion, an empty path. */
const cliCorpus: Array<["inspect" | "embed" | "pretrain", Array<[FlagName, string]>, boolean]> = [
  ["embed", [["--chunks", "0x10"]], false],
  ["embed", [["--chunks", "1e3"]], true],
  ["pretrain", [["--batch", "1000000000"]], false],
  ["pretrain", [["--encoder", "1073741824/1/1"]], false],
  ["inspect", [["--encoder", "64/100000000000/4"]], true],
];

/**
 * cli: argument lists for inspect (no graph), embed (a checkpoint that is not there: everything up to
 * loading runs) and pretrain (weights that are not there: every flag is decoded first). Nothing slow runs.
 */
export const cli: Target = {
  name: "CLI (argument lists)",
  runs: 300,
  check: (beat, params) =>
    settle(
      fc.check(
        fc.asyncProperty(
          fc.constantFrom("inspect", "embed", "pretrain"),
          fc.array(fc.tuple(flagName, flagValue), { maxLength: 5 }),
          fc.boolean(),
          async (command, flags, json) => {
            beat();
            const tail =
              command === "inspect"
                ? ["--graph", "none"]
                : command === "embed"
                  ? ["--checkpoint", "/nonexistent/ckpt.safetensors", "--json", "/nonexistent/a.wav"]
                  : ["--checkpoint", "/nonexistent/ckpt.safetensors", "--out", "/nonexistent/run"];
            const argv = [
              command,
              ...flags.flat().filter((_, i, all) => !(command === "inspect" && all[i - 1] === "--graph")),
              ...tail,
              ...(json ? ["--json"] : []),
            ];
            const r = await runMain(argv);
            if (![0, 1, 2].includes(r.code)) fail(`exit ${r.code}`);
            if (/\n\s+at /.test(r.err)) fail(`a stack trace: ${r.err.slice(0, 200)}`);
            if (r.code !== 0 && !r.err.startsWith(`mwmae ${command}: `)) fail(`error not named: ${r.err.slice(0, 200)}`);
            if (r.code === 0 && /\bNaN\b|null/.test(r.out) && command !== "inspect") fail("NaN in the output with exit 0");
            if (r.code === 0 && command !== "inspect") fail(`${command} succeeded on inputs that do not exist`);
            return true;
          },
        ),
        { ...params, examples: cliCorpus },
      ),
    ),
};

/** Clips long enough to embed, at common rates, with hostile values (NaN, infinities, 1e300) now and then. */
const embeddableWav = fc
  .record({
    format: fc.constantFrom("16", "32f", "64"),
    rate: fc.constantFrom(8000, 16000, 22050, 44100),
    seconds: fc.double({ min: 0.03, max: 0.6, noNaN: true }),
    hz: fc.double({ min: 50, max: 4000, noNaN: true }),
    gain: fc.constantFrom(0, 1e-30, 0.3, 1, 1e10, 1e30, 1e300),
    bad: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), value: hostileFloat }), { freq: 3 }),
  })
  .map(({ format, rate, seconds, hz, gain, bad }) => {
    const frames = Math.max(1, Math.round(seconds * rate));
    const float = format !== "16";
    const data = Array.from({ length: frames }, (_, i) => {
      const x = gain * Math.sin((2 * Math.PI * hz * i) / rate);
      const v = bad !== null && i === Math.floor(bad.at * (frames - 1)) ? bad.value : x;
      return float ? v : Number.isFinite(v) ? Math.round(Math.max(-1, Math.min(1, v)) * 32767) : 0;
    });
    return wavefileBytes({ format, channels: 1, rate, data: [data] });
  });

const fuzzDir = mkdtempSync(join(tmpdir(), "mwmae-fuzz-"));
process.on("exit", () => rmSync(fuzzDir, { recursive: true, force: true }));
const golden = (name: string): string => fileURLToPath(new URL(`../golden/${name}`, import.meta.url));

/**
 * embed: hostile clips through `mwmae embed --json` with the tiny HEAR model, in process. Exit 0 must
 * come with finite embeddings only; a clip that cannot be embedded is exit 1 with its file named.
 */
export const embed: Target = {
  name: "embed (hostile clips through the tiny HEAR model)",
  runs: 24,
  check: (beat, params) =>
    settle(
      fc.check(
        fc.asyncProperty(embeddableWav, async (bytes) => {
          beat();
          const file = join(fuzzDir, "clip.wav");
          writeFileSync(file, bytes);
          const r = await runMain([
            "embed",
            "--config",
            golden("tiny_hear.config.json"),
            "--checkpoint",
            golden("tiny_hear.msgpack"),
            "--json",
            file,
          ]);
          if (r.code === 0) {
            if (/\bnull\b|NaN|Infinity/.test(r.out)) fail(`exit 0 with non-finite output: ${r.out.slice(0, 200)}`);
            const line = JSON.parse(r.out) as { scene: number[] };
            if (!line.scene.every(Number.isFinite)) fail("a non-finite scene embedding with exit 0");
          } else {
            if (r.code !== 1) fail(`exit ${r.code}: ${r.err.slice(0, 200)}`);
            if (r.out !== "") fail("output printed for a clip that failed");
            if (!r.err.includes(file) || /\n\s+at /.test(r.err))
              fail(`error does not name the clip, or has a stack: ${r.err.slice(0, 300)}`);
          }
          return true;
        }),
        { ...params, examples: [[audioCorpus[0]!], [audioCorpus[3]!]] },
      ),
    ),
};

/** A target whose third case never ends: the harness's own test that a hang is caught and named. */
export const hangForTests: Target = {
  name: "self-test (a hang)",
  runs: 5,
  check: (beat, params) =>
    settle(
      fc.check(
        fc.property(fc.nat(), () => {
          beat();
          if (process.env["FUZZ_HANG_CASE"] !== undefined && String(counter++) === process.env["FUZZ_HANG_CASE"]) for (;;);
          return true;
        }),
        params,
      ),
    ),
};
let counter = 0;

/** Every category, by the name `run-category.ts` takes (the self-test is not part of the suite's list). */
export const targets: Readonly<Record<string, Target>> = { audio, checkpoints, configs, cli, embed, "self-test-hang": hangForTests };
