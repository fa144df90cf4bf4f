/**
 * @file The layering of `src/` (STYLE.md §1) as a test. A folder imports only from itself and from
 * folders in lower layers, and from another folder only through its `index.ts`; the pure core takes no
 * effects (no `node:*`, gpu.js, io-ts, clock or ambient randomness). It prints lines per folder and the
 * primitive count, and holds both to a budget, as tinygrad does in CI.
 */

import { builtinModules } from "node:module";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { primitiveNames } from "../src";

const srcDir = fileURLToPath(new URL("../src", import.meta.url));

/** Lowest first. Folders in one layer are peers: none imports another unless listed below. */
const layers: ReadonlyArray<ReadonlyArray<string>> = [
  ["shape"],
  ["ir", "random"],
  ["trace"],
  ["autodiff"],
  ["compile"],
  ["backends"],
  ["nn", "optim", "audio", "io"],
  ["models"],
  ["hear", "analysis", "testing", "train", "report"],
  ["cli"],
];
/**
 * Peer imports the order allows, `from → to`: keys are drawn with ir's ops (ir knows no keys), and WAV
 * files are written with io's atomic write (io knows no audio).
 */
const peerImports: ReadonlySet<string> = new Set(["random → ir", "audio → io"]);

/** Folders that must stay pure, and what they may not touch. */
const pureFolders = ["shape", "ir", "random", "trace", "autodiff"];
const forbiddenPackages = (spec: string): boolean =>
  spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!) || /^(gpu\.js|io-ts)(\/|$)/.test(spec);
const effects = /\b(Math\.random|Date\.now|new Date|performance\.now|process\.)/;

const maxPrimitives = 40;
/**
 * Escapes from the type checker (`as never`, `as unknown as`) in src/: 113 before the shape helpers
 * were folded into src/shape (88 and 25). The budget only goes down.
 */
const maxCasts = 104;
const maxFileLines = 600;

const rankOf = new Map(layers.flatMap((group, rank) => group.map((folder) => [folder, rank] as const)));

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith(".ts") ? [path] : [];
  });

interface SourceFile {
  /** Path under src/, with forward slashes. */
  readonly path: string;
  /** Top-level folder under src/; "" for the package entries (src/index.ts, src/node.ts, …) above every layer. */
  readonly folder: string;
  readonly text: string;
  readonly imports: ReadonlyArray<string>;
}

const files: ReadonlyArray<SourceFile> = walk(srcDir).map((abs) => {
  const path = relative(srcDir, abs).split(sep).join("/");
  const text = readFileSync(abs, "utf8");
  // The compiler's own scanner finds every import, export-from and dynamic import (type-only too).
  const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  return { path, folder: path.includes("/") ? path.split("/")[0]! : "", text, imports };
});

/** The src/ path an import points at, or undefined for a package. */
const target = (file: SourceFile, spec: string): string | undefined =>
  spec.startsWith(".")
    ? relative(srcDir, resolve(dirname(join(srcDir, file.path)), spec.replace(/\.js$/, "")))
        .split(sep)
        .join("/")
    : undefined;

const hasIndex = (dir: string): boolean => existsSync(join(srcDir, dir, "index.ts"));

/**
 * Whether `folder/rest…` is a folder's public entry: its index.ts (what runs anywhere) or node.ts
 * (what needs Node), or, for a folder that groups packages and has no index of its own
 * (`models/mwmae`), a package's index.ts.
 */
const isEntry = (folder: string, rest: ReadonlyArray<string>): boolean => {
  const inner = rest[rest.length - 1] === "index" || rest[rest.length - 1] === "node" ? rest.slice(0, -1) : rest;
  if (inner.length === 0) return true;
  return inner.length === 1 && !hasIndex(folder) && hasIndex(`${folder}/${inner[0]}`);
};

/** Every import that breaks the layering, as a readable line. */
const violations = (): string[] =>
  files.flatMap((file) =>
    file.imports.flatMap((spec): string[] => {
      const to = target(file, spec);
      if (to === undefined) return [];
      const [folder = "", ...rest] = to.split("/");
      if (folder === file.folder) return [];
      const where = `src/${file.path} imports "${spec}"`;
      if (to.startsWith("..")) return [`${where}: outside src/`];
      if (to === "index" || to === "node")
        return [`${where}: src/${to}.ts is a package entry above every layer; import the folders it re-exports`];
      if (!rankOf.has(folder)) return [`${where}: src/${folder} is not in the layer list of this test`];
      const out: string[] = [];
      if (!isEntry(folder, rest)) out.push(`${where}: reach src/${folder} through its index.ts`);
      if (file.folder !== "") {
        const from = rankOf.get(file.folder)!;
        const into = rankOf.get(folder)!;
        if (into > from) out.push(`${where}: ${folder} is in a higher layer than ${file.folder}`);
        if (into === from && !peerImports.has(`${file.folder} → ${folder}`)) out.push(`${where}: ${folder} and ${file.folder} are peers`);
      }
      return out;
    }),
  );

/** The src/ files reachable from `entry` through static imports (type-only ones included). */
const reachable = (entry: string): ReadonlyArray<SourceFile> => {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const file = byPath.get(path) ?? byPath.get(`${path}.ts`) ?? byPath.get(`${path}/index.ts`);
    if (file === undefined || seen.has(file.path)) return;
    seen.add(file.path);
    file.imports.forEach((spec) => {
      const to = target(file, spec);
      if (to !== undefined) visit(to);
    });
  };
  visit(entry);
  return files.filter((f) => seen.has(f.path));
};

/** Packages the browser-safe root entry may not reach: Node built-ins, and what only works in a terminal. */
const nodeOnly = (spec: string): boolean =>
  spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!) || /^cli-progress(\/|$)/.test(spec);

const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

describe("architecture", () => {
  it("knows every folder under src/", () => {
    const unknown = [...new Set(files.map((f) => f.folder))].filter((f) => f !== "" && !rankOf.has(f));
    expect(unknown, "add new folders to the layer list").toEqual([]);
  });

  it("has no upward, peer or deep imports between src/ folders", () => {
    expect(violations()).toEqual([]);
  });

  it("keeps the root entry (mwmae-ts) browser-safe: no Node built-in reachable from src/index.ts", () => {
    const core = reachable("index.ts");
    expect(core.length).toBeGreaterThan(100);
    expect(core.map((f) => f.path)).not.toContain("node.ts");
    const leaks = core.flatMap((f) => f.imports.filter(nodeOnly).map((spec) => `src/${f.path} imports "${spec}"`));
    expect(leaks, "move the file behind its folder's node.ts").toEqual([]);
  });

  it("keeps the testing kit (mwmae-ts/testing) browser-safe and runner-free: no Node built-in or test runner reachable from src/testing/index.ts", () => {
    const kit = reachable("testing/index.ts");
    expect(kit.map((f) => f.path)).toContain("testing/gradient.ts");
    // No test runner either: the kit throws plain Errors, so it runs under vitest, jest, mocha or plain node.
    const runner = (spec: string): boolean => /^(vitest|jest|@jest|mocha|chai)(\/|$)/.test(spec);
    const leaks = kit.flatMap((f) =>
      f.imports.filter((spec) => nodeOnly(spec) || runner(spec)).map((spec) => `src/${f.path} imports "${spec}"`),
    );
    expect(leaks).toEqual([]);
  });

  it("keeps shape, ir, random, trace and autodiff pure", () => {
    const impure = files
      .filter((f) => pureFolders.includes(f.folder))
      .flatMap((f) => [
        ...f.imports.filter(forbiddenPackages).map((spec) => `src/${f.path} imports "${spec}"`),
        ...f.text.split("\n").flatMap((line, i) => (effects.test(line) ? [`src/${f.path}:${i + 1}: ${line.trim()}`] : [])),
      ]);
    expect(impure).toEqual([]);
  });

  it(`keeps every file under ${maxFileLines} lines and prints lines per folder`, () => {
    const perFolder = new Map<string, { files: number; lines: number }>();
    for (const f of files) {
      const key = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : ".";
      const acc = perFolder.get(key) ?? { files: 0, lines: 0 };
      perFolder.set(key, { files: acc.files + 1, lines: acc.lines + lineCount(f.text) });
    }
    const total = files.reduce((n, f) => n + lineCount(f.text), 0);
    const rows = [...perFolder.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(
      [
        "lines per folder (src/):",
        ...rows.map(([dir, { files: n, lines }]) => `  ${dir.padEnd(24)} ${String(lines).padStart(6)} lines in ${n} files`),
        `  ${"total".padEnd(24)} ${String(total).padStart(6)} lines in ${files.length} files`,
      ].join("\n"),
    );
    const long = files.filter((f) => lineCount(f.text) > maxFileLines).map((f) => `src/${f.path}: ${lineCount(f.text)} lines`);
    expect(long, "split files past the budget").toEqual([]);
  });

  it(`keeps \`as never\` and \`as unknown as\` casts in src/ at most ${maxCasts}, and prints them per folder`, () => {
    const casts = files.map((f) => ({ path: f.path, n: (f.text.match(/\bas (never|unknown as)\b/g) ?? []).length }));
    const perFolder = new Map<string, number>();
    for (const { path, n } of casts) perFolder.set(path.split("/")[0]!, (perFolder.get(path.split("/")[0]!) ?? 0) + n);
    const total = casts.reduce((a, c) => a + c.n, 0);
    console.log(
      `casts (as never, as unknown as): ${total} of ${maxCasts}; ${[...perFolder]
        .filter(([, n]) => n > 0)
        .map(([d, n]) => `${d} ${n}`)
        .join(", ")}`,
    );
    expect(total).toBeLessThanOrEqual(maxCasts);
  });

  it(`keeps the primitive set at most ${maxPrimitives} ops and prints it`, () => {
    console.log(`${primitiveNames.length} primitives: ${primitiveNames.join(" ")}`);
    expect(new Set(primitiveNames).size).toBe(primitiveNames.length);
    expect(primitiveNames.length).toBeLessThanOrEqual(maxPrimitives);
  });
});
