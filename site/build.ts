/**
 * @file `npm run build:site`: writes the explorer as a static folder any static host serves
 * (default dist/site): index.html, style.css, explorer.js (the page bundled with esbuild for the
 * browser, importing the library by its package name `mwmae-ts`) and the shipped weights.
 * Run: `npx tsx site/build.ts [--out DIR]`.
 */

import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

/** The explorer's sources. */
export const siteSource = fileURLToPath(new URL("./explorer", import.meta.url));

/** The page's default `models.json`: the weights shipped under site/explorer/weights. */
export const shippedModels = {
  mwmae: { checkpoint: "weights/mwmae.msgpack", config: "weights/mwmae.json" },
  mae: { checkpoint: "weights/mae.msgpack", config: "weights/mae.json" },
} as const;

/** What a build wrote: each file and its size in bytes. */
export interface SiteBuild {
  readonly out: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
}

/** Builds the explorer into `out` (replaced); returns the files and their sizes. */
export const buildSite = async (out: string, options: { readonly minify?: boolean } = {}): Promise<SiteBuild> => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "weights"), { recursive: true });
  await build({
    entryPoints: [join(siteSource, "page.ts")],
    bundle: true,
    format: "esm",
    platform: "browser", // gpu.js's browser build, through its package.json "browser" field
    target: "es2022",
    minify: options.minify !== false,
    outfile: join(out, "explorer.js"),
    logLevel: "error",
  });
  for (const f of ["index.html", "style.css", "captions.vtt"]) copyFileSync(join(siteSource, f), join(out, f));
  for (const f of readdirSync(join(siteSource, "weights"))) {
    if (f.endsWith(".msgpack") || f.endsWith(".json")) copyFileSync(join(siteSource, "weights", f), join(out, "weights", f));
  }
  // The shipped models (`mwmae explore --checkpoint` serves its own models.json in its place).
  writeFileSync(join(out, "models.json"), `${JSON.stringify(shippedModels, null, 2)}\n`);
  const files = [
    "index.html",
    "style.css",
    "captions.vtt",
    "explorer.js",
    "models.json",
    ...readdirSync(join(out, "weights")).map((f) => `weights/${f}`),
  ].map((path) => ({
    path,
    bytes: statSync(join(out, path)).size,
  }));
  return { out, files };
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = resolve(values.out ?? "dist/site");
  const r = await buildSite(out);
  for (const f of r.files) console.log(`${f.path.padEnd(28)} ${(f.bytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log(`${"total".padEnd(28)} ${(r.files.reduce((k, f) => k + f.bytes, 0) / 1024).toFixed(1).padStart(8)} KiB → ${out}`);
}
