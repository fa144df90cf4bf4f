/**
 * @file The explorer page: wires the controls to the computations (./model.ts) and the drawings
 * (./views.ts). State is one record; every change recomputes what depends on it and redraws. For the
 * browser tests it installs `globalThis.explorer` (the current values, as the page shows them) and
 * sets `globalThis.pageReady` after the first reconstruction.
 */

import * as E from "fp-ts/lib/Either.js";
import { encodeWav, soundClasses, type SoundClass } from "mwmae-ts";
import {
  audioFromWav,
  backendChoices,
  builtInSound,
  chooseBackend,
  fetchManifest,
  fetchModel,
  mismatch,
  modelFromBytes,
  type BackendChoice,
  type ChosenBackend,
  type LoadedModel,
} from "./load.js";
import { noiseFor, runFrontEnd, runPass, withMaskRatio, type FrontEnd, type MaePass } from "./model.js";
import {
  byId,
  hoodTexts,
  renderAttention,
  renderFrontEnd,
  renderHood,
  renderKernelSource,
  renderMasking,
  values,
  windowOf,
  type AttentionChoice,
  type HoodTexts,
} from "./views.js";

interface State {
  backend?: ChosenBackend;
  models?: { mwmae: LoadedModel; mae: LoadedModel };
  audio?: Float32Array;
  ratio: number;
  maskSeed: number;
  attention: AttentionChoice;
  frontEnd?: FrontEnd;
  passes?: { mwmae: MaePass; mae: MaePass };
}

const state: State = { ratio: 0.8, maskSeed: 0, attention: { model: "mwmae", part: "decoder", layer: 0, head: 0, query: 0 } };
const started = performance.now();
let firstReconstructionMs: number | undefined;

const status = (text: string): void => {
  byId("status").textContent = text;
};
const message = (text: string | undefined): void => {
  const el = byId("message");
  el.hidden = text === undefined;
  el.textContent = text ?? "";
};

const input = (id: string): HTMLInputElement => byId<HTMLInputElement>(id);
const select = (id: string): HTMLSelectElement => byId<HTMLSelectElement>(id);

/** Clamps the attention controls to the current models' layers, heads and patches. */
const clampAttention = (): void => {
  const m = state.models?.[state.attention.model];
  if (m === undefined) return;
  const part = state.attention.part;
  const depth = part === "encoder" ? m.config.encoder.depth : m.config.decoder.depth;
  const heads = part === "encoder" ? m.config.encoder.heads : m.config.decoder.heads;
  const patches = (m.config.input.frames / m.config.patch.time) * (m.config.input.mels / m.config.patch.freq);
  const set = (id: string, max: number, v: number): number => {
    const el = input(id);
    el.max = String(max);
    const c = Math.min(max, Math.max(0, Number.isFinite(v) ? Math.trunc(v) : 0));
    el.value = String(c);
    return c;
  };
  state.attention = {
    ...state.attention,
    layer: set("att-layer", depth - 1, state.attention.layer),
    head: set("att-head", heads - 1, state.attention.head),
    query: set("att-query", patches - 1, state.attention.query),
  };
};

const drawAttention = (): void => {
  if (state.models === undefined || state.passes === undefined) return;
  clampAttention();
  renderAttention(state.models[state.attention.model].config, state.passes[state.attention.model], state.attention);
};

/** Runs the models on the current clip and mask, then redraws everything that depends on them. */
const recompute = async (): Promise<void> => {
  const { backend, models, audio } = state;
  if (backend === undefined || models === undefined || audio === undefined) return;
  status(`Running both models on ${backend.choice}…`);
  const fe = await runFrontEnd(audio, models.mwmae.config, backend.backend);
  const noise = await noiseFor(
    state.maskSeed,
    (fe.standardised.shape[0]! / models.mwmae.config.patch.time) * (models.mwmae.config.input.mels / models.mwmae.config.patch.freq),
  );
  const mwmae = await runPass(
    withMaskRatio(models.mwmae.config, state.ratio),
    models.mwmae.params,
    fe.standardised,
    noise,
    backend.backend,
  );
  const mae = await runPass(withMaskRatio(models.mae.config, state.ratio), models.mae.params, fe.standardised, noise, backend.backend);
  state.frontEnd = fe;
  state.passes = { mwmae, mae };
  renderFrontEnd(fe, models.mwmae.config);
  renderMasking(fe, models.mwmae.config, state.passes);
  drawAttention();
  byId("timing").textContent =
    `${backend.choice}: one forward pass ${mwmae.forwardMs.toFixed(0)} ms (MW-MAE), ${mae.forwardMs.toFixed(0)} ms (MAE)`;
  status(`Ready on ${backend.choice}.`);
  if (firstReconstructionMs === undefined) firstReconstructionMs = performance.now() - started;
};

/** Serialises updates: one at a time, and a failure becomes a message while the page stays usable. */
let queue: Promise<void> = Promise.resolve();
const update = (f: () => Promise<void> | void): Promise<void> => {
  queue = queue.then(async () => {
    try {
      await f();
    } catch (e) {
      message(`Something went wrong: ${e instanceof Error ? e.message : String(e)}`);
      status("Ready (the last step failed: see the message above).");
    }
  });
  return queue;
};

const setAudio = (samples: Float32Array): void => {
  state.audio = samples;
  const player = byId<HTMLAudioElement>("player");
  if (player.src !== "") URL.revokeObjectURL(player.src);
  player.src = URL.createObjectURL(new Blob([encodeWav({ sampleRate: 16000, samples }) as BlobPart], { type: "audio/wav" }));
};

const loadBuiltIn = (): void => {
  if (state.models === undefined) return;
  const seed = Math.max(0, Math.trunc(Number(input("sound-seed").value)) || 0);
  setAudio(builtInSound(select("sound").value as SoundClass, seed, state.models.mwmae.config));
};

const loadWavFile = async (file: File): Promise<void> => {
  const r = audioFromWav(new Uint8Array(await file.arrayBuffer()), file.name);
  if (E.isLeft(r)) {
    message(r.left);
    return;
  }
  message(undefined);
  setAudio(r.right);
  await recompute();
};

const useBackend = async (wanted: BackendChoice | "auto"): Promise<void> => {
  const { chosen, skipped } = await chooseBackend(wanted);
  if (chosen === undefined) {
    message(`No backend works here (${skipped.join("; ")}). Try another browser.`);
    return;
  }
  state.backend = chosen;
  byId("backend-name").textContent = chosen.choice;
  message(skipped.length === 0 ? undefined : `Using ${chosen.choice}: ${skipped.join("; ")}.`);
};

let hood: HoodTexts | undefined;

const setModels = (mwmae: LoadedModel, mae: LoadedModel): void => {
  state.models = { mwmae, mae };
  hood = hoodTexts(mwmae.config, mwmae.params);
  renderHood(hood);
  const describe = (m: LoadedModel): string =>
    `${m.config.kind === "mwmae" ? "MW-MAE" : "MAE"} from ${m.source} (encoder ${m.config.encoder.dim}/${m.config.encoder.depth}/${m.config.encoder.heads}, decoder ${m.config.decoder.dim}/${m.config.decoder.depth}/${m.config.decoder.heads})`;
  byId("models-text").textContent = `Now showing: ${describe(mwmae)}; ${describe(mae)}.`;
};

const loadUserCheckpoint = async (): Promise<void> => {
  const file = input("ckpt-file").files?.[0];
  if (file === undefined || state.models === undefined) {
    message("Choose a checkpoint file first.");
    return;
  }
  const configFile = input("ckpt-config").files?.[0];
  const configText = configFile === undefined ? undefined : await configFile.text();
  const r = modelFromBytes(new Uint8Array(await file.arrayBuffer()), file.name, configText, configFile?.name);
  if (E.isLeft(r)) {
    message(`${r.left}. The models shown are unchanged.`);
    return;
  }
  const slot = r.right.config.kind;
  const other = state.models[slot === "mwmae" ? "mae" : "mwmae"];
  const problem = mismatch(r.right.config, other.config);
  if (problem !== undefined) {
    message(`${file.name}: ${problem}; load a matching ${slot === "mwmae" ? "MAE" : "MW-MAE"} too. The models shown are unchanged.`);
    return;
  }
  message(undefined);
  setModels(slot === "mwmae" ? r.right : state.models.mwmae, slot === "mae" ? r.right : state.models.mae);
  await recompute();
};

const wire = (): void => {
  const sound = select("sound");
  sound.replaceChildren(...soundClasses.map((c) => new Option(c, c)));
  sound.value = "chirp-up";
  const newSound = (): Promise<void> =>
    update(async () => {
      loadBuiltIn();
      await recompute();
    });
  sound.addEventListener("change", newSound);
  input("sound-seed").addEventListener("change", newSound);
  input("wav-file").addEventListener("change", () => {
    const f = input("wav-file").files?.[0];
    if (f !== undefined) void update(() => loadWavFile(f));
  });
  const drop = byId("drop");
  drop.addEventListener("dragover", (e) => e.preventDefault());
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f !== undefined) void update(() => loadWavFile(f));
  });
  byId("record").addEventListener("click", () => update(recordMicrophone));
  const ratio = input("mask-ratio");
  ratio.addEventListener("input", () => {
    byId("mask-ratio-value").textContent = Number(ratio.value).toFixed(2);
  });
  ratio.addEventListener("change", () =>
    update(async () => {
      state.ratio = Number(ratio.value);
      await recompute();
    }),
  );
  byId("redraw").addEventListener("click", () =>
    update(async () => {
      state.maskSeed += 1;
      await recompute();
    }),
  );
  for (const id of ["att-model", "att-part", "att-layer", "att-head", "att-query"]) {
    byId(id).addEventListener("change", () => {
      state.attention = {
        model: select("att-model").value as "mwmae" | "mae",
        part: select("att-part").value as "encoder" | "decoder",
        layer: Number(input("att-layer").value),
        head: Number(input("att-head").value),
        query: Number(input("att-query").value),
      };
      drawAttention();
    });
  }
  const map = byId<HTMLCanvasElement>("c-attention");
  map.addEventListener("click", (e) => {
    const r = map.getBoundingClientRect();
    const row = Math.floor(((e.clientY - r.top) / r.height) * map.height);
    state.attention = { ...state.attention, query: Math.max(0, row - (map.height - Number(input("att-query").max) - 1)) };
    drawAttention();
  });
  select("backend").addEventListener("change", () =>
    update(async () => {
      await useBackend(select("backend").value as BackendChoice | "auto");
      await recompute();
    }),
  );
  byId("ckpt-load").addEventListener("click", () => update(loadUserCheckpoint));
  input("kernel-index").addEventListener("change", () => {
    if (hood !== undefined) renderKernelSource(hood);
  });
};

/** Two seconds from the microphone, where the browser allows it; else a message. */
const recordMicrophone = async (): Promise<void> => {
  const media = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
  if (media?.getUserMedia === undefined) {
    message("This browser gives no microphone access here; use a built-in sound or a WAV file.");
    return;
  }
  const stream = await media.getUserMedia({ audio: true });
  const ctx = new AudioContext({ sampleRate: 16000 });
  const source = ctx.createMediaStreamSource(stream);
  const recorder = ctx.createScriptProcessor(4096, 1, 1);
  const chunks: Float32Array[] = [];
  recorder.onaudioprocess = (e) => chunks.push(Float32Array.from(e.inputBuffer.getChannelData(0)));
  source.connect(recorder);
  recorder.connect(ctx.destination);
  status("Recording 2 s…");
  await new Promise((r) => setTimeout(r, 2100));
  recorder.disconnect();
  stream.getTracks().forEach((t) => t.stop());
  await ctx.close();
  const samples = new Float32Array(chunks.reduce((k, c) => k + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    samples.set(c, at);
    at += c.length;
  }
  setAudio(samples);
  await recompute();
};

/** What the tests read: the values the page shows, as plain arrays (the clip, log-mel and predictions only when `full`). */
const snapshot = (full = false) => {
  const long = (t: Parameters<typeof values>[0] | undefined): number[] => (full && t !== undefined ? values(t) : []);
  const p = state.passes;
  const m = state.models;
  if (p === undefined || m === undefined) return undefined;
  const c = state.attention;
  const maps = (c.part === "encoder" ? p[c.model].encoderAttention : p[c.model].decoderAttention)[c.layer]!;
  const n = maps.shape[1]!;
  return {
    backend: state.backend?.choice,
    ratio: state.ratio,
    maskSeed: state.maskSeed,
    audio: long(state.frontEnd?.samples), // what the model hears: the clip cut or zero-padded to one input
    standardised: long(state.frontEnd?.standardised),
    attention: {
      ...c,
      n,
      window: windowOf(m[c.model].config, c.part, c.head),
      map: values(maps.data.subarray(c.head * n * n, (c.head + 1) * n * n)),
    },
    models: Object.fromEntries(
      (["mwmae", "mae"] as const).map((k) => [
        k,
        {
          source: m[k].source,
          loss: p[k].loss,
          lossText: byId(`loss-${k}`).textContent,
          maskedPatches: p[k].maskedPatches,
          pred: long(p[k].pred),
          mask: values(p[k].mask),
          decoderStats: p[k].decoderStats,
          encoderStats: p[k].encoderStats,
          forwardMs: p[k].forwardMs,
        },
      ]),
    ),
    firstReconstructionMs,
  };
};

const start = async (): Promise<void> => {
  wire();
  const query = new URLSearchParams(location.search);
  const wanted = query.get("backend");
  const choice = wanted !== null && (backendChoices as ReadonlyArray<string>).includes(wanted) ? (wanted as BackendChoice) : "auto";
  select("backend").value = choice;
  await useBackend(choice);
  const manifest = await fetchManifest(query.get("models") ?? undefined);
  const [mwmae, mae] = await Promise.all([fetchModel(manifest.mwmae), fetchModel(manifest.mae)]);
  if (E.isLeft(mwmae) || E.isLeft(mae)) {
    message(
      `Could not load the models: ${[mwmae, mae].flatMap((r) => (E.isLeft(r) ? [r.left] : [])).join("; ")}. Load a checkpoint below.`,
    );
    status("No models loaded.");
    return;
  }
  setModels(mwmae.right, mae.right);
  loadBuiltIn();
  await recompute();
};

Object.assign(globalThis, { explorer: { snapshot, update, ready: () => firstReconstructionMs !== undefined } });
void update(start).then(() => Object.assign(globalThis, { pageReady: true }));
