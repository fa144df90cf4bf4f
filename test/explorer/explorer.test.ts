/**
 * @file The explorer page in headless Chromium (SwiftShader: WebGL2 and WebGPU emulated on the CPU).
 * It loads with no console errors on webgpu and webgl2; the reconstruction, loss and attention it shows
 * agree with the same computation in Node on the reference backend; the mask slider sets the number of
 * masked patches the config implies; a window head's attention is 0 outside its windows; every control
 * is labelled and reachable by Tab; the chosen kernel's generated source is shown; a bad WAV or
 * checkpoint gives a message and the page stays usable (a real WAV is then taken, and the backend
 * switches to wasm); the shipped weights load. Screenshots of each view go to test-output/explorer.
 *
 * To keep the suite short on 2 cores, the GPU-backend pages run two narrow models with the paper's
 * geometry (encoder 32/1/2, decoder 32/1/8: windows [2, 5, 10, 25, 50, 125, 0, 0]), served in place of
 * the shipped ones through the page's models.json; the shipped weights are checked on wasm.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import {
  encodeSafetensors,
  encodeWav,
  flatten,
  geometry,
  init,
  isHostTensor,
  keepCount,
  key,
  massOutsideWindows,
  preset,
  realize,
  reference,
  type HostTensor,
  type MwmaeConfig,
} from "mwmae-ts";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelFromBytes, type LoadedModel } from "../../site/explorer/load.js";
import { noiseFor, runFrontEnd, runPass, samplesFor, withMaskRatio } from "../../site/explorer/model.js";
import { screenshotDir, settled, snapshot, startExplorer, type Explorer, type Snapshot } from "./page.js";

/** Narrow models with the paper's input, patches and decoder heads. */
const tinyConfig = (kind: MwmaeConfig["kind"]): MwmaeConfig => ({
  ...preset(),
  kind,
  encoder: { dim: 32, depth: 1, heads: 2 },
  decoder: { ...preset().decoder, dim: 32, depth: 1, heads: 8 },
});

/** A checkpoint as `mwmae pretrain` would give it: parameters and the config in the metadata. */
const tinyCheckpoint = async (kind: MwmaeConfig["kind"], seed: number): Promise<Uint8Array> => {
  const cfg = tinyConfig(kind);
  const { leaves, paths } = flatten(await realize(init(key(seed), cfg)), isHostTensor);
  return encodeSafetensors(Object.fromEntries(paths.map((p, i) => [p, leaves[i]!])), { config: JSON.stringify(cfg) });
};

const tolerance = { values: 2e-3, loss: 1e-3, attention: 1e-4, stats: 1e-3 } as const;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

const host = (shape: number[], data: ArrayLike<number>): HostTensor => ({ shape, dtype: "f32", data: Float32Array.from(data) });

const views = ["view-input", "view-frontend", "view-masking", "view-reconstruction", "view-attention", "view-hood", "view-checkpoint"];

let explorer: Explorer;
let tiny: { mwmae: LoadedModel; mae: LoadedModel };
const pages: Partial<Record<"webgpu" | "webgl2" | "wasm", { page: Page; errors: string[] }>> = {};

beforeAll(async () => {
  const bytes = { mwmae: await tinyCheckpoint("mwmae", 1), mae: await tinyCheckpoint("mae", 2) };
  const load = (k: "mwmae" | "mae"): LoadedModel => {
    const m = modelFromBytes(bytes[k], `test/${k}.safetensors`);
    if (E.isLeft(m)) throw new Error(m.left);
    return m.right;
  };
  tiny = { mwmae: load("mwmae"), mae: load("mae") };
  explorer = await startExplorer();
  // The GPU pages get the narrow models (written into the served build, named by a second manifest).
  for (const k of ["mwmae", "mae"] as const) writeFileSync(join(explorer.build.out, "weights", `tiny-${k}.safetensors`), bytes[k]);
  writeFileSync(
    join(explorer.build.out, "tiny.json"),
    JSON.stringify({ mwmae: { checkpoint: "weights/tiny-mwmae.safetensors" }, mae: { checkpoint: "weights/tiny-mae.safetensors" } }),
  );
}, 120_000);

afterAll(async () => {
  await explorer?.close();
});

describe("the explorer page", () => {
  for (const backend of ["webgpu", "webgl2"] as const) {
    it(`loads with no console errors on ${backend} and shows both reconstructions`, async () => {
      const opened = await explorer.open(backend, "tiny.json");
      pages[backend] = opened;
      const s = await snapshot(opened.page);
      expect(s.backend).toBe(backend);
      expect(opened.errors).toEqual([]);
      expect(await opened.page.locator("#message").isHidden()).toBe(true);
      for (const k of ["mwmae", "mae"] as const) {
        expect(Number.isFinite(s.models[k].loss)).toBe(true);
        expect(s.models[k].lossText).toBe(s.models[k].loss.toFixed(4));
      }
      console.log(
        `${backend} (SwiftShader, emulated): first reconstruction ${s.firstReconstructionMs.toFixed(0)} ms after load; forward ${s.models.mwmae.forwardMs.toFixed(0)} ms (MW-MAE, includes kernel builds), ${s.models.mae.forwardMs.toFixed(0)} ms (MAE)`,
      );
      if (backend === "webgpu") {
        for (const id of views) await opened.page.locator(`#${id}`).screenshot({ path: join(screenshotDir, `${id}.png`) });
      } else {
        await opened.page.screenshot({ path: join(screenshotDir, `${backend}-page.png`), fullPage: true });
      }
    });
  }

  it("shows the reconstruction, loss and attention that the reference backend computes in Node", async () => {
    const opened = pages.webgl2;
    if (opened === undefined) throw new Error("the webgl2 page did not open");
    const s: Snapshot = await snapshot(opened.page, true);
    const cfg = tiny.mwmae.config;
    const fe = await runFrontEnd(Float32Array.from(s.audio), cfg, reference());
    expect(maxAbsDiff(fe.standardised.data, s.standardised)).toBeLessThan(tolerance.values);
    const noise = await noiseFor(s.maskSeed, geometry(cfg).patches);
    // The models run on the page's standardised log-mel, so the comparison isolates the model.
    const x = host([cfg.input.frames, cfg.input.mels], s.standardised);
    for (const k of ["mwmae", "mae"] as const) {
      const ref = await runPass(withMaskRatio(tiny[k].config, s.ratio), tiny[k].params, x, noise, reference());
      expect(s.models[k].mask).toEqual(Array.from(ref.mask.data));
      expect(maxAbsDiff(s.models[k].pred, ref.pred.data)).toBeLessThan(tolerance.values);
      expect(Math.abs(s.models[k].loss - ref.loss) / ref.loss).toBeLessThan(tolerance.loss);
      ref.decoderStats.forEach((st, layer) => {
        expect(maxAbsDiff(s.models[k].decoderStats[layer]!.entropy, st.entropy)).toBeLessThan(tolerance.stats);
        expect(maxAbsDiff(s.models[k].decoderStats[layer]!.distance, st.distance)).toBeLessThan(tolerance.stats);
      });
      if (k === "mwmae") {
        const { layer, head, n } = s.attention;
        const map = ref.decoderAttention[layer]!.data.subarray(head * n * n, (head + 1) * n * n);
        expect(maxAbsDiff(s.attention.map, map)).toBeLessThan(tolerance.attention);
      }
    }
  });

  it("masks the number of patches the config implies as the slider moves", async () => {
    const page = pages.webgpu!.page;
    const n = geometry(tiny.mwmae.config).patches;
    const check = async (ratio: number): Promise<void> => {
      const s = await snapshot(page);
      expect(s.ratio).toBeCloseTo(ratio, 10);
      for (const k of ["mwmae", "mae"] as const) expect(s.models[k].maskedPatches).toBe(n - keepCount(n, ratio));
      expect(await page.locator("#mask-count").textContent()).toContain(`${n - keepCount(n, ratio)} of ${n} patches masked`);
    };
    await check(0.8); // 200 of 250
    await page.locator("#mask-ratio").focus();
    await page.keyboard.press("ArrowLeft"); // one step of 0.05, by keyboard
    await settled(page);
    await check(0.75); // 188 of 250
  });

  it("draws a window head's attention as exactly 0 outside its windows", async () => {
    const page = pages.webgpu!.page;
    const windows = geometry(tiny.mwmae.config).windows;
    for (const head of [0, 1, 3, 5]) {
      await page.locator("#att-head").fill(String(head));
      await page.locator("#att-head").dispatchEvent("change");
      const s = await snapshot(page);
      expect(s.attention.window).toBe(windows[head]);
      const outside = massOutsideWindows(host([1, s.attention.n, s.attention.n], s.attention.map), [s.attention.window]);
      expect(outside).toEqual([0]);
    }
  });

  it("shows the generated source of the chosen fused kernel", async () => {
    const page = pages.webgpu!.page;
    const before = await page.locator("#kernel-source").textContent();
    expect(before).toMatch(/^function/);
    await page.locator("#kernel-index").fill("0");
    await page.locator("#kernel-index").dispatchEvent("change");
    const after = await page.locator("#kernel-source").textContent();
    expect(after).toMatch(/^function/);
    expect(after).not.toBe(before);
  });

  it("labels every control and reaches each one with Tab", async () => {
    const page = pages.webgpu!.page;
    const controls = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>("input, select, button, audio, [tabindex]")).map((el) => ({
        id: el.id,
        label:
          ("labels" in el && (el as HTMLInputElement).labels !== null && (el as HTMLInputElement).labels!.length > 0
            ? (el as HTMLInputElement).labels![0]!.textContent
            : null) ??
          el.getAttribute("aria-label") ??
          (el.tagName === "BUTTON" ? el.textContent : null),
      })),
    );
    expect(controls.filter((c) => c.id === "" || c.label === null || c.label.trim() === "")).toEqual([]);
    await page.locator("body").focus();
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      reached.add(await page.evaluate(() => document.activeElement?.id ?? ""));
    }
    expect(controls.map((c) => c.id).filter((id) => !reached.has(id))).toEqual([]);
  });

  it("says what is wrong with a bad WAV or checkpoint and stays usable", async () => {
    const page = pages.webgpu!.page;
    await page
      .locator("#wav-file")
      .setInputFiles({ name: "notes.wav", mimeType: "audio/wav", buffer: Buffer.from("not a wav file at all") });
    await settled(page);
    expect(await page.locator("#message").textContent()).toMatch(/^notes\.wav: .*built-in sound/);
    await page
      .locator("#ckpt-file")
      .setInputFiles({ name: "weights.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from("junk") });
    await page.locator("#ckpt-load").click();
    await settled(page);
    expect(await page.locator("#message").textContent()).toMatch(/^weights\.safetensors: .*unchanged/);
    // Still usable: a real WAV (44.1 kHz, resampled) is taken, and the backend switches to wasm.
    const tone = Float32Array.from({ length: 44100 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 44100));
    await page
      .locator("#wav-file")
      .setInputFiles({ name: "tone.wav", mimeType: "audio/wav", buffer: Buffer.from(encodeWav({ sampleRate: 44100, samples: tone })) });
    await page.locator("#backend").selectOption("wasm");
    await settled(page);
    expect(await page.locator("#message").isHidden()).toBe(true);
    const after = await snapshot(page, true);
    expect(after.backend).toBe("wasm");
    expect(after.audio.length).toBe(samplesFor(tiny.mwmae.config.input.frames));
    expect(Math.max(...after.audio.slice(0, 15000))).toBeCloseTo(0.5, 2); // 1 s of the tone, at 16 kHz
    expect(after.audio.slice(16100).every((v) => v === 0)).toBe(true); // then the zero padding to 2 s
    for (const k of ["mwmae", "mae"] as const) expect(Number.isFinite(after.models[k].loss)).toBe(true);
  });

  it("opens on the shipped MW-MAE and MAE (wasm)", async () => {
    const opened = await explorer.open("wasm");
    const s = await snapshot(opened.page);
    expect(opened.errors).toEqual([]);
    expect(s.models.mwmae.source).toBe("weights/mwmae.msgpack");
    expect(s.models.mae.source).toBe("weights/mae.msgpack");
    for (const k of ["mwmae", "mae"] as const) expect(Number.isFinite(s.models[k].loss)).toBe(true);
    console.log(`wasm, shipped models: first reconstruction ${s.firstReconstructionMs.toFixed(0)} ms after load`);
    await opened.page.screenshot({ path: join(screenshotDir, "wasm-shipped-page.png"), fullPage: true });
  });
});
