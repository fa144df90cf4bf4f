/**
 * @file Runs code in headless Chromium with WebGL2 and WebGPU emulated on the CPU (SwiftShader), so
 * the gpu.js GPU backends are tested without a GPU (docs/gpujs-notes.md, "Testing WebGL2 and WebGPU
 * without a GPU"). An entry module is bundled with esbuild into a temp dir, served from node:http on
 * 127.0.0.1, and opened in Chromium with a fresh profile; tests call into it with `page.evaluate`.
 * Chromium missing is a failure with the command that installs it, never a skip.
 */

import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Page } from "playwright-core";

export const chromiumPath = "/usr/bin/chromium";

/** The failure when Chromium is absent: names the path and the command that installs it. */
export const chromiumMissing = (path: string = chromiumPath): string =>
  `chromium not found at ${path}: install it with \`apt-get update && apt-get install -y chromium\``;

/** Throws `chromiumMissing` unless a browser exists at `path`. */
export const requireChromium = (path: string = chromiumPath): void => {
  if (!existsSync(path)) throw new Error(chromiumMissing(path));
};

/** SwiftShader for both WebGL (through ANGLE) and WebGPU; no network chatter, no first-run UI. */
export const chromiumArgs: ReadonlyArray<string> = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-swiftshader",
  "--use-angle=swiftshader",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface BrowserPage {
  readonly page: Page;
  /** Errors the page threw or logged, for failure messages. */
  readonly errors: ReadonlyArray<string>;
  readonly close: () => Promise<void>;
}

const contentTypes: Readonly<Record<string, string>> = {
  "/": "text/html; charset=utf-8",
  "/page.js": "text/javascript; charset=utf-8",
};

const serve = (dir: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const path = req.url ?? "/";
      const type = contentTypes[path];
      if (type === undefined) {
        res.writeHead(404).end();
        return;
      }
      readFile(join(dir, path === "/" ? "index.html" : "page.js")).then(
        (body) => res.writeHead(200, { "content-type": type }).end(body),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });

/**
 * Bundles `entry` (a module that sets `globalThis.pageReady = true` when its API is installed), serves
 * it, and opens it in Chromium. Throws `chromiumMissing` when the browser is not installed.
 */
export const openPage = async (entry: string): Promise<BrowserPage> => {
  requireChromium();
  const dir = await mkdtemp(join(tmpdir(), "mwmae-browser-"));
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser", // picks gpu.js's browser build through its package.json "browser" field
    target: "es2022",
    outfile: join(dir, "page.js"),
    logLevel: "error",
  });
  await writeFile(
    join(dir, "index.html"),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>\n',
  );
  const server = await serve(dir);
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs],
  });
  const close = async (): Promise<void> => {
    await context.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  const errors: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true, undefined, { timeout: 30_000 });
    return { page, errors, close };
  } catch (e) {
    await close();
    throw new Error(`browser page failed to start: ${(e as Error).message}\npage errors: ${errors.join("\n")}`);
  }
};
