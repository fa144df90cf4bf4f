/**
 * @file `mwmae explore`: serves the MW-MAE explorer page (built by `npm run build:site` into
 * dist/site) on 127.0.0.1 and prints its URL. With `--checkpoint` (and `--config` where the checkpoint
 * carries none) the page opens on that model instead of the shipped one of its kind: the file is
 * checked here first, then served as it is, and the page loads it like any checkpoint (docs/explorer.md).
 */

import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { decodeCheckpoint, decodeConfigText, modelFromCheckpoint } from "../hear/index.js";
import { exitCodes, intFlag, parseFlags, pathFlag, runCommand, type Command } from "./command.js";

/** Where `npm run build:site` writes the page, beside the compiled CLI (dist/cli → dist/site). */
export const defaultSiteDir = fileURLToPath(new URL("../site", import.meta.url));

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".vtt": "text/vtt; charset=utf-8",
  ".safetensors": "application/octet-stream",
  ".msgpack": "application/octet-stream",
};

/** A file served at a fixed URL path besides the site folder (the user's checkpoint and config). */
export interface ExtraFile {
  readonly bytes: Uint8Array;
  readonly type: string;
}

/**
 * Serves `dir` (GET only, no listing, nothing outside it) and `extra` paths on 127.0.0.1:`port`
 * (0: any free port). Resolves once listening.
 */
export const serveSite = (dir: string, extra: ReadonlyMap<string, ExtraFile>, port: number): Promise<Server> =>
  new Promise((resolvePromise, reject) => {
    const root = resolve(dir);
    const server = createServer((req, res) => {
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
      } catch {
        res.writeHead(400, { "content-type": "text/plain" }).end("bad request path");
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405).end();
        return;
      }
      const fixed = extra.get(path);
      if (fixed !== undefined) {
        res.writeHead(200, { "content-type": fixed.type, "cache-control": "no-store" }).end(fixed.bytes);
        return;
      }
      const file = normalize(join(root, path === "/" ? "index.html" : path));
      if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
        return;
      }
      res.writeHead(200, { "content-type": contentTypes[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolvePromise(server));
  });

/** The page's `models.json` and the files it names, with a user checkpoint in its kind's place. */
export const userModels = (checkpoint: string, config: string | undefined): E.Either<string, Map<string, ExtraFile>> => {
  for (const f of [checkpoint, config]) {
    if (f !== undefined && !(existsSync(f) && statSync(f).isFile())) return E.left(`${f}: no such file`);
  }
  const bytes = new Uint8Array(readFileSync(checkpoint));
  const configText = config === undefined ? undefined : readFileSync(config, "utf8");
  const cfg = configText === undefined ? E.right(undefined) : decodeConfigText(configText, config!);
  if (E.isLeft(cfg)) return E.left(cfg.left.message);
  const file = decodeCheckpoint(bytes, checkpoint);
  if (E.isLeft(file)) return E.left(file.left.message);
  const model = modelFromCheckpoint(file.right, checkpoint, cfg.right === undefined ? {} : { config: cfg.right });
  if (E.isLeft(model)) return E.left(model.left.message);
  const kind = model.right.config.kind;
  const user = { checkpoint: "user/checkpoint", ...(configText === undefined ? {} : { config: "user/config.json" }) };
  const manifest = {
    mwmae: kind === "mwmae" ? user : { checkpoint: "weights/mwmae.msgpack", config: "weights/mwmae.json" },
    mae: kind === "mae" ? user : { checkpoint: "weights/mae.msgpack", config: "weights/mae.json" },
  };
  const files = new Map<string, ExtraFile>([
    ["/models.json", { bytes: new TextEncoder().encode(JSON.stringify(manifest)), type: contentTypes[".json"]! }],
    ["/user/checkpoint", { bytes, type: "application/octet-stream" }],
  ]);
  if (configText !== undefined)
    files.set("/user/config.json", { bytes: new TextEncoder().encode(configText), type: contentTypes[".json"]! });
  return E.right(files);
};

const options = {
  checkpoint: { type: "string" },
  config: { type: "string" },
  port: { type: "string" },
  site: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const usage = [
  "usage: mwmae explore [--checkpoint FILE [--config FILE]] [--port N] [--site DIR]",
  "",
  "Serves the MW-MAE explorer on 127.0.0.1 and prints its URL: the model running live in the browser",
  "(webgpu, webgl2 or wasm), from the waveform to the reconstruction, attention per head and the",
  "compiled kernels. Stop it with Ctrl-C. See docs/explorer.md.",
  "",
  "  --checkpoint FILE  show this model (.safetensors, or an official .msgpack) instead of the shipped",
  "                     one of its kind (MW-MAE or MAE)",
  "  --config FILE      its configuration (this project's JSON or the official keyword arguments), where",
  "                     the checkpoint carries none",
  "  --port N           the port (8765; 0 picks a free one)",
  "  --site DIR         the built page (default: dist/site, written by `npm run build:site`)",
  "  -h, --help         show this help",
  "",
  "exit codes: 0 stopped by Ctrl-C, 1 failure, 2 bad usage",
].join("\n");

/** The `explore` command. */
export const exploreCommand: Command = {
  name: "explore",
  usage,
  run: (argv) =>
    runCommand(exploreCommand, async () => {
      const { values } = parseFlags(argv, options);
      if (values.help === true) {
        console.log(usage);
        return exitCodes.ok;
      }
      const port = intFlag("port", values.port, 8765, 0, 65535);
      const site = pathFlag("site", values.site) ?? defaultSiteDir;
      const checkpoint = pathFlag("checkpoint", values.checkpoint);
      const config = pathFlag("config", values.config);
      if (!existsSync(join(site, "index.html"))) {
        process.stderr.write(`mwmae explore: no built page in ${site}: run \`npm run build:site\` first (or give --site DIR)\n`);
        return exitCodes.failure;
      }
      if (config !== undefined && checkpoint === undefined) {
        process.stderr.write("mwmae explore: --config goes with --checkpoint (the configuration of that checkpoint)\n");
        return exitCodes.usage;
      }
      const extra = checkpoint === undefined ? E.right(new Map<string, ExtraFile>()) : userModels(checkpoint, config);
      if (E.isLeft(extra)) {
        process.stderr.write(`mwmae explore: ${extra.left}\n`);
        return exitCodes.failure;
      }
      let server: Server;
      try {
        server = await serveSite(site, extra.right, port);
      } catch (e) {
        process.stderr.write(`mwmae explore: cannot listen on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}\n`);
        return exitCodes.failure;
      }
      const { port: actual } = server.address() as AddressInfo;
      console.log(`MW-MAE explorer: http://127.0.0.1:${actual}/`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          server.close(() => done());
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      return exitCodes.ok;
    }),
};
