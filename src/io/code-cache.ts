/**
 * @file The on-disk store of generated WebAssembly (Node): one file per program, `<hash>.wasmcode`, in
 * a folder the user may delete at any time. The folder is `dir` if given, else `$MWMAE_CACHE_DIR`, else
 * `node_modules/.cache/mwmae-ts/wasm` under the working directory when it has a `node_modules` (as
 * Babel and ESLint do), else the OS cache folder (`$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches`
 * on macOS, `%LOCALAPPDATA%` on Windows) `/mwmae-ts/wasm`. Entries are written atomically; what they
 * hold and how a bad one is detected is `src/backends/wasm/code-cache.ts`. The store's fingerprint is
 * a digest of the compiler's and the wasm backend's own files, so code written by another version of
 * them is stale.
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import type { CodeStore } from "../backends/index.js";
import { makeFolders, writeFileAtomic } from "./atomic.js";

/** Options of `diskCodeStore`. */
export interface DiskCodeStoreOptions {
  /** The folder (default: `defaultCodeCacheDir()`). */
  readonly dir?: string;
  /** Told once per failed write (a read-only or full disk): the run goes on, generating code as if uncached. */
  readonly onError?: (message: string) => void;
}

/** The environment variable that overrides the code cache's folder. */
export const CODE_CACHE_ENV = "MWMAE_CACHE_DIR";

/** The OS's per-user cache folder (`$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`). */
const osCacheDir = (): string => {
  if (process.platform === "win32") return process.env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local");
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches");
  return process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
};

/**
 * The folder generated code goes to by default: `$MWMAE_CACHE_DIR`, else `node_modules/.cache/mwmae-ts/wasm` under `cwd` when it has a
 * `node_modules`, else the OS cache folder's `mwmae-ts/wasm`.
 * @example
 * defaultCodeCacheDir(); // "/home/me/project/node_modules/.cache/mwmae-ts/wasm"
 */
export const defaultCodeCacheDir = (cwd: string = process.cwd()): string => {
  const fromEnv = process.env[CODE_CACHE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  if (existsSync(join(cwd, "node_modules"))) return join(cwd, "node_modules", ".cache", "mwmae-ts", "wasm");
  return join(osCacheDir(), "mwmae-ts", "wasm");
};

/** Source files of the compiler and the wasm backend (this build's own, `.js` or `.ts`), sorted. */
const generatorFiles = (): string[] => {
  const roots = ["../compile/", "../backends/wasm/"].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : /\.(js|ts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
      });
  return roots.filter(existsSync).flatMap(walk);
};

let fingerprintMemo: string | undefined;
/** A digest of the code generator's files: changes whenever the generated code could. */
export const codeGeneratorFingerprint = (): string => {
  if (fingerprintMemo !== undefined) return fingerprintMemo;
  const h = createHash("sha256");
  const base = fileURLToPath(new URL("../", import.meta.url));
  for (const f of generatorFiles()) h.update(relative(base, f)).update(readFileSync(f));
  fingerprintMemo = h.digest("hex").slice(0, 32);
  return fingerprintMemo;
};

const keyPattern = /^[0-9a-f]{32}$/;

/**
 * A `CodeStore` on disk, for `wasm({ store })`: one atomic file per program. Reads never throw (an
 * unreadable entry is a miss); a failed write is reported once through `onError` and the run goes on.
 * @example
 * const backend = wasm({ store: diskCodeStore() }); // the second process that prepares the same graph generates no code
 */
export const diskCodeStore = (options: DiskCodeStoreOptions = {}): CodeStore => {
  const dir = resolve(options.dir ?? defaultCodeCacheDir());
  let made = false;
  let told = false;
  const fileOf = (key: string): string => {
    if (!keyPattern.test(key)) throw new Error(`code cache: key "${key}" is not 32 hex digits`);
    return join(dir, `${key}.wasmcode`);
  };
  const fail = (message: string): void => {
    if (!told) options.onError?.(`code cache ${dir}: ${message} (continuing without caching)`);
    told = true;
  };
  return {
    where: dir,
    fingerprint: codeGeneratorFingerprint(),
    read: (key) => {
      try {
        return new Uint8Array(readFileSync(fileOf(key)));
      } catch {
        return undefined;
      }
    },
    write: (key, bytes) => {
      if (!made) {
        const m = makeFolders(dir);
        if (E.isLeft(m)) return fail(m.left.message);
        made = true;
      }
      const w = writeFileAtomic(fileOf(key), bytes);
      if (E.isLeft(w)) fail(w.left.message);
    },
  };
};
