/**
 * @file `mwmae explore` (the compiled CLI, as users run it): serves the built page on 127.0.0.1 and
 * prints the URL; `--checkpoint` puts a model in its kind's place in models.json and serves the file;
 * a bad checkpoint, a missing page or `--config` alone is refused with one line, before anything listens.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeSafetensors, flatten, init, isHostTensor, key, preset, realize, type MwmaeConfig } from "mwmae-ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSite } from "../../site/build.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "bin/mwmae.js");
let dir: string;
let site: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mwmae-explore-"));
  site = (await buildSite(join(dir, "site"), { minify: false })).out;
  const cfg: MwmaeConfig = {
    ...preset(),
    kind: "mae",
    encoder: { dim: 32, depth: 1, heads: 2 },
    decoder: { ...preset().decoder, dim: 32, depth: 1 },
  };
  const { leaves, paths } = flatten(await realize(init(key(3), cfg)), isHostTensor);
  writeFileSync(
    join(dir, "mae.safetensors"),
    encodeSafetensors(Object.fromEntries(paths.map((p, i) => [p, leaves[i]!])), { config: JSON.stringify(cfg) }),
  );
  writeFileSync(join(dir, "junk.safetensors"), "junk");
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Starts `mwmae explore ARGS`, waits for its URL, runs `f` with it, then stops it with SIGINT. */
const withServer = async (args: ReadonlyArray<string>, f: (url: string) => Promise<void>): Promise<number | null> => {
  const child = spawn(process.execPath, [bin, "explore", "--port", "0", "--site", site, ...args], { cwd: root });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m !== null) resolve(m[0]);
    });
    child.on("exit", (code) => reject(new Error(`explore exited ${code} before printing a URL: ${out}`)));
  });
  try {
    await f(url);
  } finally {
    child.kill("SIGINT");
  }
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
};

describe("mwmae explore", () => {
  it("serves the page, its bundle and the shipped models on 127.0.0.1 and exits 0 on Ctrl-C", async () => {
    const code = await withServer([], async (url) => {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("MW-MAE explorer");
      expect((await fetch(`${url}explorer.js`)).headers.get("content-type")).toContain("javascript");
      const models = (await (await fetch(`${url}models.json`)).json()) as { mwmae: { checkpoint: string } };
      expect((await fetch(`${url}${models.mwmae.checkpoint}`)).status).toBe(200);
      expect((await fetch(`${url}..%2f..%2fpackage.json`)).status).toBe(404);
      expect((await fetch(`${url}%E0%A4%A`)).status).toBe(400); // not UTF-8: refused, and the server lives on
      expect((await fetch(url)).status).toBe(200);
    });
    expect(code).toBe(0);
  });

  it("puts a --checkpoint in its kind's place", async () => {
    await withServer(["--checkpoint", join(dir, "mae.safetensors")], async (url) => {
      const models = (await (await fetch(`${url}models.json`)).json()) as Record<string, { checkpoint: string }>;
      expect(models["mae"]!.checkpoint).toBe("user/checkpoint");
      expect(models["mwmae"]!.checkpoint).toBe("weights/mwmae.msgpack");
      expect((await fetch(`${url}user/checkpoint`)).status).toBe(200);
    });
  });

  it("refuses a bad checkpoint, a missing page and --config alone, each with one line", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, "explore", "--port", "0", ...args], { cwd: root, encoding: "utf8" });
    const junk = run("--site", site, "--checkpoint", join(dir, "junk.safetensors"));
    expect(junk.status).toBe(1);
    expect(junk.stderr).toMatch(/^mwmae explore: .*junk\.safetensors: neither a safetensors file nor a Flax msgpack checkpoint/);
    const missing = run("--site", join(dir, "nowhere"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("run `npm run build:site` first");
    const alone = run("--site", site, "--config", join(dir, "junk.safetensors"));
    expect(alone.status).toBe(2);
  });
});
