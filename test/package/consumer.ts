/**
 * @file A consumer project for the packed tarball, as a user makes one: `npm pack` of this checkout
 * (its dist/ already built by `npm test`), a temporary folder with the fixture sources, and an offline
 * install. `npm ci` fills the npm cache by integrity but not the registry's metadata, so the consumer
 * gets a lockfile whose entries are copied from this repository's: the same versions, installed from
 * the cache with no network.
 */

import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (never rejects): its exit code and output. */
export const runProgram = (file: string, args: ReadonlyArray<string>, cwd: string, timeout = 120_000): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(file, [...args], { cwd, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });

/** What `npm pack --json` says of the tarball. */
export interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly integrity: string;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

/** Packs this checkout into `dir` without running its scripts (dist/ is the build `npm test` made). */
export const pack = async (dir: string): Promise<Packed & { readonly path: string }> => {
  const r = await runProgram("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], root);
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}): ${r.stderr}`);
  const [packed] = JSON.parse(r.stdout) as [Packed];
  return { ...packed, path: join(dir, packed.filename) };
};

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/** The lock entries of `names` and everything they depend on, as this repository's lockfile resolves them. */
const closure = (packages: Readonly<Record<string, LockEntry>>, names: ReadonlyArray<string>): Record<string, LockEntry> => {
  const out: Record<string, LockEntry> = {};
  const visit = (from: string, name: string): void => {
    // Node's lookup: from the requiring package's own node_modules up to the top.
    for (let at = from; ; at = at.includes("/node_modules/") ? at.slice(0, at.lastIndexOf("/node_modules/")) : "") {
      const path = `${at === "" ? "" : `${at}/`}node_modules/${name}`;
      const entry = packages[path];
      if (entry !== undefined) {
        if (out[path] !== undefined) return;
        const { dev: _dev, devOptional: _devOptional, ...kept } = entry;
        out[path] = kept;
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(path, dep);
        return;
      }
      if (at === "") return; // an optional dependency for another platform: not installed here either
    }
  };
  names.forEach((n) => visit("", n));
  return out;
};

/**
 * A consumer project in a temporary folder: the fixtures, a package.json that depends on the tarball,
 * and a lockfile for an offline `npm ci`. Resolves to the folder once installed.
 */
export const makeConsumer = async (tarball: string, integrity: string): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-consumer-"));
  cpSync(fixtures, dir, { recursive: true });
  const ours = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const manifest = { name: "consumer", version: "1.0.0", private: true, type: "module", dependencies: { "mwmae-ts": spec } };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const deps = closure(lock.packages, Object.keys(ours.dependencies));
  const consumerLock = {
    name: "consumer",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "consumer", version: "1.0.0", dependencies: { "mwmae-ts": spec } },
      "node_modules/mwmae-ts": {
        version: ours.version,
        resolved: spec,
        integrity,
        license: "MIT",
        dependencies: ours.dependencies,
        bin: { mwmae: "bin/mwmae.js" },
        engines: { node: ">=20" },
      },
      ...deps,
    },
  };
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify(consumerLock, null, 2)}\n`);
  const r = await runProgram("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], dir, 300_000);
  if (r.code !== 0) throw new Error(`npm ci --offline in the consumer failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return dir;
};

/** Writes a tsconfig.json for a strict consumer with the given module resolution. */
export const writeTsconfig = (
  dir: string,
  name: string,
  options: Readonly<Record<string, unknown>>,
  files: ReadonlyArray<string>,
): string => {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      target: "ES2022",
      lib: ["ES2023", "DOM"],
      types: [],
      ...options,
    },
    files,
  };
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
};

/** This checkout's TypeScript compilers, by major version. */
export const compilers = {
  "5.9": join(root, "node_modules", "typescript", "bin", "tsc"),
  "7": join(root, "node_modules", "typescript-7", "bin", "tsc"),
} as const;
