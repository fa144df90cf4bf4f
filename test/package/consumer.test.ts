/**
 * @file The package as a user gets it: the tarball `npm pack` makes, installed offline into a fresh
 * project. Plain Node ESM imports it and runs a matmul and its gradient; strict TypeScript consumers
 * (NodeNext and Bundler resolution, library checking on, TypeScript 5.9 and 7) type-check against its
 * declarations, and a shape mistake in the consumer's code is a compile error naming both shapes; the
 * root entry bundles for the browser with no Node built-in and runs on WebGL2 and WebGPU in Chromium,
 * while the Node entry is refused by the bundler; the tarball holds no tests, benchmarks or CI files.
 */

import { spawn } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage, type BrowserPage } from "../browser/harness.js";
import { compilers, makeConsumer, pack, root, runProgram, writeTsconfig, type Packed } from "./consumer.js";

// x = [[1,2,3],[4,5,6]], w = [[0.5,-1],[2,0],[1,1]]: y = x·w, and d(Σ x·w)/dw = xᵀ·1 (column sums of x, per output column).
const expectedY = [1 * 0.5 + 2 * 2 + 3 * 1, 1 * -1 + 0 + 3 * 1, 4 * 0.5 + 5 * 2 + 6 * 1, 4 * -1 + 0 + 6 * 1];
const expectedDw = [1 + 4, 1 + 4, 2 + 5, 2 + 5, 3 + 6, 3 + 6];

let work: string;
let packed: Packed & { readonly path: string };
let consumer: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mwmae-pack-"));
  packed = await pack(work);
  consumer = await makeConsumer(packed.path, packed.integrity);
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  if (consumer !== undefined) rmSync(consumer, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("ships the build, the sources its maps point at, the bin, README and LICENSE, and nothing else", () => {
    const paths = packed.files.map((f) => f.path);
    console.log(`tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);
    const tops = [...new Set(paths.map((p) => p.split("/")[0]!))].sort();
    expect(tops).toEqual(["LICENSE", "README.md", "bin", "dist", "package.json", "src"]);
    for (const entry of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/index.d.ts.map",
      "dist/node.js",
      "dist/node.d.ts",
      "dist/cli/main.js",
      "bin/mwmae.js",
      // The explorer page and its two small pre-trained models, for `mwmae explore` (`prepare` builds them).
      "dist/site/index.html",
      "dist/site/explorer.js",
      "dist/site/weights/mwmae.msgpack",
      "dist/site/weights/mae.msgpack",
    ]) {
      expect(paths).toContain(entry);
    }
    expect(paths.filter((p) => /(^|\/)(test|bench|\.ci|runs)\//.test(p) || p.endsWith(".test.ts"))).toEqual([]);
  });

  it("runs from plain Node ESM: a matmul and its gradient", async () => {
    const r = await runProgram(process.execPath, ["app.mjs"], consumer);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ y: expectedY, dw: expectedDw, dwShape: [3, 2] });
  });

  it("installs the mwmae command, which starts from the build", async () => {
    const r = await runProgram(join(consumer, "node_modules", ".bin", "mwmae"), ["--version"], consumer);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`mwmae-ts ${packed.filename.replace(/^mwmae-ts-|\.tgz$/g, "")}`);
  });
});

describe("mwmae explore from the installed package", () => {
  it("serves the explorer page and its shipped models on 127.0.0.1", async () => {
    const child = spawn(join(consumer, "node_modules", ".bin", "mwmae"), ["explore", "--port", "0"], { cwd: consumer });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += String(d);
          const m = /http:\/\/127\.0\.0\.1:\d+\/?/.exec(out);
          if (m !== null) resolve(m[0]);
        });
        child.once("exit", (code) => reject(new Error(`mwmae explore exited ${code}: ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const weights = await fetch(new URL("weights/mwmae.msgpack", url));
      expect(weights.status).toBe(200);
      expect((await weights.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    } finally {
      child.kill("SIGINT");
    }
  });
});

const resolutions = {
  NodeNext: { module: "NodeNext", moduleResolution: "NodeNext" },
  Bundler: { module: "ESNext", moduleResolution: "Bundler" },
} as const;

describe.each(Object.keys(compilers) as Array<keyof typeof compilers>)("a strict TypeScript %s consumer", (version) => {
  const tsc = (config: string) => runProgram(process.execPath, [compilers[version], "-p", config, "--pretty", "false"], consumer);

  it.each(Object.keys(resolutions) as Array<keyof typeof resolutions>)(
    "type-checks the core with %s resolution and no Node types",
    async (mode) => {
      const r = await tsc(writeTsconfig(consumer, `tsconfig.core.${mode}.${version}.json`, resolutions[mode], ["core.ts"]));
      expect(r.stdout).toBe("");
      expect(r.code).toBe(0);
    },
  );

  it.each(Object.keys(resolutions) as Array<keyof typeof resolutions>)(
    "type-checks mwmae-ts/node with %s resolution beside @types/node",
    async (mode) => {
      const options = { ...resolutions[mode], types: ["node"], typeRoots: [join(root, "node_modules", "@types")] };
      const r = await tsc(writeTsconfig(consumer, `tsconfig.node.${mode}.${version}.json`, options, ["node-entry.ts"]));
      expect(r.stdout).toBe("");
      expect(r.code).toBe(0);
    },
  );

  it("rejects a shape mismatch in the consumer's code, naming both shapes", async () => {
    const r = await tsc(writeTsconfig(consumer, `tsconfig.mismatch.${version}.json`, resolutions.NodeNext, ["mismatch.ts"]));
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /^mismatch\.ts\(4,\d+\): error TS2345: .*matmul: inner dims 384 and 383 differ \(\[8, 250, 384\] @ \[383, 64\]\)/m,
    );
  });
});

describe("the browser bundle of the root entry", () => {
  let page: BrowserPage;
  afterAll(async () => page?.close());

  it("bundles for the browser with no Node built-in", async () => {
    const out = join(work, "bundle.js");
    const result = await build({
      entryPoints: [join(consumer, "browser.mjs")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      outfile: out,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys((result.metafile as Metafile).inputs);
    expect(inputs.filter((p) => p.startsWith("node:") || /(^|\/)node_modules\/mwmae-ts\/dist\/(node|cli\/)/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes("node_modules/mwmae-ts/dist/index.js"))).toBe(true);
    console.log(`browser bundle: ${statSync(out).size} bytes (unminified, gpu.js included), ${inputs.length} inputs`);
  });

  it("refuses mwmae-ts/node in a browser bundle with a bundler error naming the Node module", async () => {
    const failed = await build({
      entryPoints: [join(consumer, "browser-node.mjs")],
      bundle: true,
      platform: "browser",
      write: false,
      logLevel: "silent",
    }).then(
      () => undefined,
      (e: { errors: ReadonlyArray<{ text: string }> }) => e.errors.map((x) => x.text).join("\n"),
    );
    expect(failed).toMatch(/Could not resolve "node:(fs|path|util|fs\/promises)"/);
  });

  it.each(["webgl2", "webgpu"] as const)("runs a traced matmul and its gradient on %s in Chromium", async (mode) => {
    page ??= await openPage(join(consumer, "browser.mjs"));
    const out = (await page.page.evaluate((m) => (globalThis as unknown as { runOn: (m: string) => Promise<unknown> }).runOn(m), mode)) as {
      backend: string;
      y: number[];
      dw: number[];
    };
    expect(page.errors).toEqual([]);
    expect(out.backend).toBe(`gpujs-${mode}`);
    out.y.forEach((v, i) => expect(v).toBeCloseTo(expectedY[i]!, 5));
    out.dw.forEach((v, i) => expect(v).toBeCloseTo(expectedDw[i]!, 5));
  });
});
