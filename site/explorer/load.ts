/**
 * @file Getting things into the page: the backend (webgpu → webgl2 → wasm, each checked by running a
 * small kernel), the models (the shipped weights, or a checkpoint the user gives) and the audio (a
 * built-in synthetic sound, or a WAV file). Each failure comes back as a message that says what
 * happened and what to do; nothing here touches the DOM.
 */

import { GPU } from "gpu.js";
import * as E from "fp-ts/lib/Either.js";
import {
  add,
  decodeCheckpoint,
  decodeConfigText,
  decodeWav,
  gpujs,
  jit,
  key,
  modelFromCheckpoint,
  spec,
  synthClip,
  to16k,
  wasm,
  type Backend,
  type GpuClass,
  type HostParams,
  type MwmaeConfig,
  type SoundClass,
} from "mwmae-ts";
import { sampleRate, samplesFor } from "./model.js";

/** The backends the page offers; `auto` tries them in this order. */
export const backendChoices = ["webgpu", "webgl2", "wasm"] as const;
/** One backend the page can run on. */
export type BackendChoice = (typeof backendChoices)[number];

/** A backend ready to use, and what it is. */
export interface ChosenBackend {
  readonly choice: BackendChoice;
  readonly backend: Backend;
}

const create = (choice: BackendChoice): Backend => (choice === "wasm" ? wasm() : gpujs({ mode: choice, GPU: GPU as unknown as GpuClass }));

/** Whether the browser claims the mode at all (before trying it). */
const offered = (choice: BackendChoice): boolean =>
  choice === "webgpu"
    ? (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined
    : choice === "webgl2"
      ? (GPU as unknown as GpuClass).isWebGL2Supported === true
      : typeof WebAssembly === "object";

/** Builds the backend and runs one small kernel on it; a Left says why it cannot be used. */
export const tryBackend = async (choice: BackendChoice): Promise<E.Either<string, ChosenBackend>> => {
  if (!offered(choice)) return E.left(`${choice} is not available in this browser`);
  try {
    const backend = create(choice);
    const f = await jit(({ x }) => add(x, x), { x: spec([4]) }, backend);
    const out = await f({ x: { shape: [4], dtype: "f32", data: Float32Array.of(1, 2, 3, 4) } } as never);
    if (out.data[3] !== 8) return E.left(`${choice} gave a wrong result on a test kernel`);
    return E.right({ choice, backend });
  } catch (e) {
    return E.left(`${choice} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
};

/**
 * The first backend that works among `wanted` (or webgpu → webgl2 → wasm for `auto`), with the
 * reasons the ones before it were skipped.
 */
export const chooseBackend = async (
  wanted: BackendChoice | "auto",
): Promise<{ readonly chosen: ChosenBackend | undefined; readonly skipped: ReadonlyArray<string> }> => {
  const order = wanted === "auto" ? backendChoices : [wanted, ...backendChoices.filter((c) => c !== wanted)];
  const skipped: string[] = [];
  for (const choice of order) {
    const r = await tryBackend(choice);
    if (E.isRight(r)) return { chosen: r.right, skipped };
    skipped.push(r.left);
  }
  return { chosen: undefined, skipped };
};

/** One model in the page. */
export interface LoadedModel {
  readonly config: MwmaeConfig;
  readonly params: HostParams;
  /** Where it came from (a file name, or "shipped"). */
  readonly source: string;
}

/**
 * A model from checkpoint bytes (safetensors or Flax msgpack) and optional config text; a Left is one
 * line naming the file and what was wrong.
 */
export const modelFromBytes = (
  bytes: Uint8Array,
  source: string,
  configText?: string,
  configSource = "config",
): E.Either<string, LoadedModel> => {
  const config = configText === undefined ? E.right(undefined) : decodeConfigText(configText, configSource);
  if (E.isLeft(config)) return E.left(config.left.message);
  const file = decodeCheckpoint(bytes, source);
  if (E.isLeft(file)) return E.left(file.left.message);
  const model = modelFromCheckpoint(file.right, source, config.right === undefined ? {} : { config: config.right });
  if (E.isLeft(model)) return E.left(model.left.message);
  return E.right({ config: model.right.config, params: model.right.params, source });
};

/** Why two models cannot be shown side by side, if they cannot: the front end and patch grid must agree. */
export const mismatch = (a: MwmaeConfig, b: MwmaeConfig): string | undefined => {
  const same =
    a.input.frames === b.input.frames && a.input.mels === b.input.mels && a.patch.time === b.patch.time && a.patch.freq === b.patch.freq;
  return same
    ? undefined
    : `the models have different inputs or patches (${a.input.frames}×${a.input.mels} in ${a.patch.time}×${a.patch.freq} vs ${b.input.frames}×${b.input.mels} in ${b.patch.time}×${b.patch.freq})`;
};

/** Where the page finds its models: `models.json` beside it (the CLI's `explore` may replace one). */
export interface Manifest {
  readonly mwmae: { readonly checkpoint: string; readonly config?: string };
  readonly mae: { readonly checkpoint: string; readonly config?: string };
}

/** The shipped weights, when there is no models.json. */
export const defaultManifest: Manifest = {
  mwmae: { checkpoint: "weights/mwmae.msgpack", config: "weights/mwmae.json" },
  mae: { checkpoint: "weights/mae.msgpack", config: "weights/mae.json" },
};

const fetchBytes = async (url: string): Promise<Uint8Array> => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

/** Loads one model named in the manifest. */
export const fetchModel = async (entry: Manifest["mwmae"]): Promise<E.Either<string, LoadedModel>> => {
  try {
    const bytes = await fetchBytes(entry.checkpoint);
    const configText = entry.config === undefined ? undefined : new TextDecoder().decode(await fetchBytes(entry.config));
    return modelFromBytes(bytes, entry.checkpoint, configText, entry.config);
  } catch (e) {
    return E.left(e instanceof Error ? e.message : String(e));
  }
};

/** The manifest at `url` (default the page's models.json), else the shipped one. */
export const fetchManifest = async (url = "models.json"): Promise<Manifest> => {
  try {
    const r = await fetch(url);
    return r.ok ? ((await r.json()) as Manifest) : defaultManifest;
  } catch {
    return defaultManifest;
  }
};

/** A built-in sound: class `c`, variant `seed`, long enough for one model input of `cfg`. */
export const builtInSound = (c: SoundClass, seed: number, cfg: MwmaeConfig): Float32Array =>
  synthClip(key(seed), c, { seconds: samplesFor(cfg.input.frames) / sampleRate + 0.01 });

/** A WAV file's bytes as 16 kHz mono, or a Left naming the file and the problem. */
export const audioFromWav = (bytes: Uint8Array, name: string): E.Either<string, Float32Array> => {
  const audio = decodeWav(bytes, name);
  return E.isLeft(audio)
    ? E.left(`${audio.left.message}. Use a PCM or float WAV file, or a built-in sound.`)
    : E.right(to16k(audio.right).samples);
};
