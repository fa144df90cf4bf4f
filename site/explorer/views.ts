/**
 * @file Rendering the explorer's views from computed values: the front end, what the encoder sees,
 * the two reconstructions, the chosen head's attention and the table of every head, and the
 * "under the hood" texts (printGraph of one MW-MHA block, kernels before and after fusion).
 */

import {
  blockName,
  kernelSource,
  compiler,
  geometry,
  mwmhaBlock,
  printGraph,
  spec,
  trace,
  type HostParams,
  type HostTensor,
  type MwmaeConfig,
  type MwmhaBlock,
} from "mwmae-ts";
import { drawGrid, drawMatrix, drawWave, drawWindows, extent } from "./draw.js";
import type { BlockStats, FrontEnd, MaePass } from "./model.js";

/** The element with this id (the page's HTML defines every one used). */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`explorer: no element #${id}`);
  return el as T;
};

/** `[frames, mels]` row-major → `[mels, frames]` (frequency rows). */
export const transpose = (x: ArrayLike<number>, frames: number, mels: number): Float32Array => {
  const out = new Float32Array(frames * mels);
  for (let t = 0; t < frames; t++) for (let m = 0; m < mels; m++) out[m * frames + t] = x[t * mels + m]!;
  return out;
};

/** The patch token of spectrogram cell (mel row, frame column). */
const tokenOf = (cfg: MwmaeConfig, row: number, col: number): number =>
  Math.floor(col / cfg.patch.time) * (cfg.input.mels / cfg.patch.freq) + Math.floor(row / cfg.patch.freq);

/** Draws the front-end steps. */
export const renderFrontEnd = (fe: FrontEnd, cfg: MwmaeConfig): void => {
  const { frames, mels } = cfg.input;
  const g = geometry(cfg);
  drawWave(byId<HTMLCanvasElement>("c-wave"), fe.samples);
  drawMatrix(byId<HTMLCanvasElement>("c-logmel"), transpose(fe.logmel.data, frames, mels), mels, frames, { flipRows: true });
  const std = transpose(fe.standardised.data, frames, mels);
  drawMatrix(byId<HTMLCanvasElement>("c-std"), std, mels, frames, { flipRows: true });
  const patches = byId<HTMLCanvasElement>("c-patches");
  drawMatrix(patches, std, mels, frames, { flipRows: true });
  drawGrid(patches, cfg.patch.freq, cfg.patch.time);
  byId("grid-text").textContent = `${g.grid[0]} × ${g.grid[1]} = ${g.patches} patches of ${cfg.patch.time} × ${cfg.patch.freq}`;
};

/** Draws what the encoder sees and the two reconstructions, with their losses. */
export const renderMasking = (fe: FrontEnd, cfg: MwmaeConfig, passes: { readonly mwmae: MaePass; readonly mae: MaePass }): void => {
  const { frames, mels } = cfg.input;
  const std = transpose(fe.standardised.data, frames, mels);
  const mask = passes.mwmae.mask.data;
  const hidden = (r: number, c: number): boolean => mask[tokenOf(cfg, r, c)]! > 0.5;
  const visible = byId<HTMLCanvasElement>("c-visible");
  drawMatrix(visible, std, mels, frames, { flipRows: true, grey: hidden });
  drawGrid(visible, cfg.patch.freq, cfg.patch.time, "rgba(255,255,255,0.35)");
  const n = geometry(cfg).patches;
  byId("mask-count").textContent = `${passes.mwmae.maskedPatches} of ${n} patches masked, ${n - passes.mwmae.maskedPatches} visible`;
  const range = extent(std);
  for (const kind of ["mwmae", "mae"] as const) {
    drawMatrix(byId<HTMLCanvasElement>(`c-rec-${kind}`), passes[kind].reconstruction, mels, frames, { flipRows: true, range });
    byId(`loss-${kind}`).textContent = passes[kind].loss.toFixed(4);
  }
};

/** What the attention view shows: a model, a part, a layer, a head and a query patch. */
export interface AttentionChoice {
  readonly model: "mwmae" | "mae";
  readonly part: "encoder" | "decoder";
  readonly layer: number;
  readonly head: number;
  readonly query: number;
}

/** The window of a head of a part (0: global). */
export const windowOf = (cfg: MwmaeConfig, part: "encoder" | "decoder", head: number): number =>
  part === "decoder" && cfg.kind === "mwmae" ? (geometry(cfg).windows[head] ?? 0) : 0;

const cell = (v: number | undefined): string => (v === undefined ? "–" : v.toFixed(3));

/** Draws the chosen head's map, its windows and the query's row on the grid, and the table of heads. */
export const renderAttention = (cfg: MwmaeConfig, pass: MaePass, c: AttentionChoice): void => {
  const maps = c.part === "encoder" ? pass.encoderAttention : pass.decoderAttention;
  const stats = c.part === "encoder" ? pass.encoderStats : pass.decoderStats;
  const m = maps[c.layer]!;
  const [, n] = m.shape as [number, number, number];
  const head = m.data.subarray(c.head * n * n, (c.head + 1) * n * n);
  const canvas = byId<HTMLCanvasElement>("c-attention");
  drawMatrix(canvas, head, n, n, { range: [0, Math.max(1e-9, extent(head)[1])] });
  const w = windowOf(cfg, c.part, c.head);
  drawWindows(canvas, n, w);
  const g = geometry(cfg);
  const skip = n - g.patches; // a class token, first, has no grid position
  const row = head.subarray((c.query + skip) * n + skip, (c.query + skip + 1) * n);
  const { frames, mels } = cfg.input;
  const spread = new Float32Array(frames * mels);
  for (let r = 0; r < mels; r++) for (let col = 0; col < frames; col++) spread[r * frames + col] = row[tokenOf(cfg, r, col)]!;
  const grid = byId<HTMLCanvasElement>("c-attention-row");
  drawMatrix(grid, spread, mels, frames, { flipRows: true, range: [0, Math.max(1e-9, extent(row)[1])] });
  drawGrid(grid, cfg.patch.freq, cfg.patch.time, "rgba(255,255,255,0.35)");
  const s = stats[c.layer]!;
  byId("att-caption").textContent =
    `${c.model === "mwmae" ? "MW-MAE" : "MAE"} ${c.part} layer ${c.layer}, head ${c.head}: ${w === 0 ? "global" : `window ${w}`}, ` +
    `entropy ${cell(s.entropy[c.head])} nats (ln n = ${Math.log(g.patches).toFixed(3)}), distance ${cell(s.distance[c.head])} tokens.`;
  renderHeadTable(cfg, c.part, stats);
};

const renderHeadTable = (cfg: MwmaeConfig, part: "encoder" | "decoder", stats: ReadonlyArray<BlockStats>): void => {
  const table = byId<HTMLTableElement>("head-table");
  const caption = table.caption;
  table.replaceChildren(...(caption === null ? [] : [caption]));
  const head = table.createTHead().insertRow();
  for (const h of ["layer", "head", "window", "entropy (nats)", "distance (tokens)", "time (patches)", "freq (patches)"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  stats.forEach((s, layer) =>
    s.entropy.forEach((e, h) => {
      const r = body.insertRow();
      const w = windowOf(cfg, part, h);
      for (const v of [
        String(layer),
        String(h),
        w === 0 ? "global" : String(w),
        cell(e),
        cell(s.distance[h]),
        cell(s.distanceTime[h]),
        cell(s.distanceFreq[h]),
      ]) {
        r.insertCell().textContent = v;
      }
    }),
  );
};

/** The texts of "under the hood" for one MW-MAE's first decoder block. */
export interface HoodTexts {
  readonly graph: string;
  readonly before: string;
  readonly after: string;
  readonly kernelsBefore: number;
  readonly kernelsAfter: number;
  /** The gpu.js source generated for fused kernel `i` (what the webgl2/webgpu backends build). */
  readonly source: (i: number) => string;
}

/** Traces the first MW-MHA decoder block of an MW-MAE and schedules it with and without fusion. */
export const hoodTexts = (cfg: MwmaeConfig, params: HostParams): HoodTexts => {
  const g = geometry(cfg);
  const b = (params as unknown as Record<string, unknown>)[blockName("decoder", 0)] as MwmhaBlock;
  const graph = trace(({ b: p, x }) => mwmhaBlock(p as MwmhaBlock, { windows: g.windows })(x), {
    b,
    x: spec([1, g.patches, cfg.decoder.dim]),
  } as never);
  const optimised = compiler.optimize(graph);
  const before = compiler.schedule(optimised, { fuse: false });
  const after = compiler.schedule(optimised, { fuse: true });
  return {
    graph: printGraph(graph),
    before: compiler.printKernels(before),
    after: compiler.printKernels(after),
    kernelsBefore: before.kernels.length,
    kernelsAfter: after.kernels.length,
    source: (i) => kernelSource(after.kernels[i]!, "gpujs").source,
  };
};

/** Shows the under-the-hood texts. */
export const renderHood = (t: HoodTexts): void => {
  byId("graph-text").textContent = t.graph;
  byId("kernels-before-summary").textContent = `Kernels before fusion (${t.kernelsBefore})`;
  byId("kernels-before").textContent = t.before;
  byId("kernels-after-summary").textContent = `Kernels after fusion (${t.kernelsAfter})`;
  byId("kernels-after").textContent = t.after;
  renderKernelSource(t);
};

/** Shows the generated source of the fused kernel chosen in the "Kernel" field. */
export const renderKernelSource = (t: HoodTexts): void => {
  const field = byId<HTMLInputElement>("kernel-index");
  field.max = String(t.kernelsAfter - 1);
  const i = Math.min(t.kernelsAfter - 1, Math.max(0, Math.trunc(Number(field.value)) || 0));
  field.value = String(i);
  byId("kernel-source").textContent = t.source(i);
};

/** A host tensor's values as a plain array (for the tests' snapshot). */
export const values = (t: HostTensor | ArrayLike<number>): number[] => Array.from("dtype" in t ? t.data : (t as ArrayLike<number>));
