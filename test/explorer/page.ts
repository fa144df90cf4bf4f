/**
 * @file The explorer in headless Chromium for the tests: the page built as `npm run build:site` builds
 * it, served by `mwmae explore`'s own server, opened with the browser harness's SwiftShader flags (WebGL2
 * and WebGPU emulated on the CPU). Screenshots go under test-output/explorer (gitignored).
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildSite, type SiteBuild } from "../../site/build.js";
import { serveSite } from "../../src/cli/explore.js";
import { chromiumArgs, chromiumPath, requireChromium } from "../browser/harness.js";

/** Where screenshots go (gitignored). */
export const screenshotDir = fileURLToPath(new URL("../../test-output/explorer", import.meta.url));

/** A served build and one browser. */
export interface Explorer {
  readonly build: SiteBuild;
  readonly url: string;
  /** Opens the page on a backend (and a models.json other than the page's); resolves after the first reconstruction, with the errors it logged. */
  readonly open: (backend: "webgpu" | "webgl2" | "wasm", models?: string) => Promise<{ readonly page: Page; readonly errors: string[] }>;
  readonly close: () => Promise<void>;
}

/** Builds the site into a temp folder, serves it on 127.0.0.1 and starts Chromium. */
export const startExplorer = async (): Promise<Explorer> => {
  requireChromium();
  const dir = mkdtempSync(join(tmpdir(), "mwmae-explorer-"));
  const build = await buildSite(join(dir, "site"));
  const server: Server = await serveSite(build.out, new Map(), 0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const context: BrowserContext = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs],
    viewport: { width: 1200, height: 900 },
  });
  mkdirSync(screenshotDir, { recursive: true });
  const open = async (backend: "webgpu" | "webgl2" | "wasm", models?: string) => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${url}?backend=${backend}${models === undefined ? "" : `&models=${models}`}`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true, undefined, { timeout: 90_000 });
    return { page, errors };
  };
  const close = async (): Promise<void> => {
    await context.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return { build, url, open, close };
};

/** What `globalThis.explorer.snapshot()` returns (site/explorer/page.ts). */
export interface Snapshot {
  readonly backend: string;
  readonly ratio: number;
  readonly maskSeed: number;
  readonly audio: number[];
  readonly standardised: number[];
  readonly attention: {
    readonly model: "mwmae" | "mae";
    readonly part: "encoder" | "decoder";
    readonly layer: number;
    readonly head: number;
    readonly n: number;
    readonly window: number;
    readonly map: number[];
  };
  readonly models: Record<
    "mwmae" | "mae",
    {
      readonly source: string;
      readonly loss: number;
      readonly lossText: string;
      readonly maskedPatches: number;
      readonly pred: number[];
      readonly mask: number[];
      readonly decoderStats: ReadonlyArray<{ readonly entropy: number[]; readonly distance: number[] }>;
      readonly encoderStats: ReadonlyArray<{ readonly entropy: number[]; readonly distance: number[] }>;
      readonly forwardMs: number;
    }
  >;
  readonly firstReconstructionMs: number;
}

/** The page's current values; the clip, log-mel and predictions only when `full` (they are long). */
export const snapshot = (page: Page, full = false): Promise<Snapshot> =>
  page.evaluate(
    (f) => (globalThis as unknown as { explorer: { snapshot: (full: boolean) => unknown } }).explorer.snapshot(f),
    full,
  ) as Promise<Snapshot>;

/** Waits until the page's update queue is empty (every change so far applied). */
export const settled = (page: Page): Promise<void> =>
  page.evaluate(() =>
    (globalThis as unknown as { explorer: { update: (f: () => void) => Promise<void> } }).explorer.update(() => undefined),
  );
