/**
 * @file Examples are tests. Every `examples/*.ts` (found by listing the folder, so a new example runs
 * without being registered) runs under tsx in a child process and must exit 0; the examples that
 * README.md or docs/ link to must also print their key line. Examples import the package by name
 * (`mwmae-ts`, `mwmae-ts/node`), which resolves to this package's build (dist/) as it would for a user.
 * The tutorial in `docs/` must stay true to them: each ```ts block is quoted verbatim from an example,
 * each ```text block tagged with an example's path appears in that example's output, and each block
 * tagged `text tsc <example>` is what tsc prints for that example without its `@ts-expect-error` lines.
 */

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const examplesDir = join(root, "examples");
const docsDir = join(root, "docs");

/** The line each example must print: the one that shows it did its job. */
const keyLines: Readonly<Record<string, RegExp>> = {
  "attention-analysis.ts": /^every window head attends over less than its window$/m,
  "compiler.ts": /^max \|gpujs-webasm - reference\| = \d\.\de-\d+$/m,
  "hear-embeddings.ts": /^linear probe test accuracy: (0\.9\d\d|1\.000)$/m,
  "backends.ts": /^checkFinite: log produced -Infinity at flat index 1 of node 1 \(log\):\[3\]/m,
  "demo.ts": /gradient check passed \(relative error \S+ < 1e-6\)/,
  "mlp-gradient.ts": /^the step lowered the loss$/m,
  "mwmae-internals.ts": /^loss +Tensor<readonly \[\]> +f32\[\] +masked MSE = \d+\.\d+$/m,
  "property-testing.ts": /^ {4}output \[1\] depends on input 0 at \[0\] \(\|∂\| = \S+\)$/m,
  "shape-errors.ts": /^trace time: ShapeError: matmul: inner dims 384 and 383 differ \(shapes \[8, 250, 384\], \[383, 64\]\)$/m,
  "typed-tensors.ts": /^y = halved @ w: f32\[2,2\] = \[\[22,27\.5\],\[-25,-30\.5\]\]$/m,
};

const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith(".ts"))
  .sort();

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an example once (memoised: the docs checks reuse the output) with tsx as a Node loader. */
const runs = new Map<string, Promise<Run>>();
const run = (file: string): Promise<Run> => {
  const cached = runs.get(file);
  if (cached !== undefined) return cached;
  const started = new Promise<Run>((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join("examples", file)], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
  runs.set(file, started);
  return started;
};

/**
 * The errors tsc reports for an example once its `@ts-expect-error` lines are dropped, without the
 * file position: a copy is checked in a temporary project that extends the repository's tsconfig.
 */
const compileErrors = (file: string): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-docs-"));
  const source = readFileSync(join(examplesDir, file), "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("// @ts-expect-error"))
    .join("\n");
  writeFileSync(join(dir, file), source);
  // The copy imports the package by name, as a user's file would: map it to the build's declarations.
  const dist = join(root, "dist");
  const config = {
    extends: join(root, "tsconfig.json"),
    compilerOptions: {
      typeRoots: [join(root, "node_modules", "@types")],
      paths: { "mwmae-ts": [join(dist, "index.d.ts")], "mwmae-ts/*": [join(dist, "*.d.ts"), join(dist, "*", "index.d.ts")] },
    },
    include: [file],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, "-p", dir, "--pretty", "false"], { timeout: 60_000 }, (_, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(stdout.replace(/^\S.*?\(\d+,\d+\): /gm, ""));
    });
  });
};

describe("examples", () => {
  it("finds the examples the docs quote", () => {
    expect(examples).toEqual(expect.arrayContaining(["backends.ts", "demo.ts", "mlp-gradient.ts", "shape-errors.ts", "typed-tensors.ts"]));
  });

  it("has no expectation for a missing example", () => {
    expect(Object.keys(keyLines).filter((f) => !examples.includes(f))).toEqual([]);
  });

  // Every file in examples/ runs (a user's own file too); the documented ones also print their key line.
  it.concurrent.each(examples)("%s exits 0 without stderr (and prints its key line, if it has one)", async (file) => {
    const { code, stdout, stderr } = await run(file);
    expect(stderr, `examples/${file} wrote to stderr`).toBe("");
    expect(code, `examples/${file} exit code`).toBe(0);
    const expected = keyLines[file];
    if (expected !== undefined) expect(stdout).toMatch(expected);
  });

  it("has a key line for every example README.md or docs/ link to", () => {
    const linked = [root, docsDir].flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".md"))
        .flatMap((f) => [...readFileSync(join(dir, f), "utf8").matchAll(/examples\/([\w-]+\.ts)/g)].map((m) => m[1]!)),
    );
    expect([...new Set(linked)].filter((f) => examples.includes(f) && keyLines[f] === undefined)).toEqual([]);
  });
});

interface Block {
  readonly info: string;
  readonly body: string;
  readonly line: number;
}

/** Fenced code blocks of a markdown file with their info string (` ```ts `, ` ```text examples/x.ts `). */
const fencedBlocks = (markdown: string): Block[] => {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith("```"));
    if (end < 0) throw new Error(`unclosed code block at line ${i + 1}`);
    blocks.push({ info: open[1]!.trim(), body: lines.slice(i + 1, end).join("\n"), line: i + 1 });
    i = end;
  }
  return blocks;
};

const docs = readdirSync(docsDir).filter((f) => f.endsWith(".md"));
const trimLines = (s: string): string =>
  s
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");
const sources = examples.map((f) => trimLines(readFileSync(join(examplesDir, f), "utf8")));

describe("docs", () => {
  it("has the tutorial", () => {
    expect(docs).toContain("tensor-dsl.md");
  });

  describe.each(docs)("%s", (doc) => {
    const blocks = fencedBlocks(readFileSync(join(docsDir, doc), "utf8"));

    it("quotes every TypeScript snippet from an example", () => {
      const unquoted = blocks
        .filter((b) => b.info === "ts" || b.info === "typescript")
        .filter((b) => !sources.some((src) => src.includes(trimLines(b.body))))
        .map((b) => `line ${b.line}`);
      expect(unquoted, "snippets not found verbatim in examples/*.ts").toEqual([]);
    });

    it.concurrent.each(blocks.filter((b) => /^text tsc examples\/\S+\.ts$/.test(b.info)).map((b) => [b.line, b] as const))(
      "quotes tsc's messages exactly (block at line %i)",
      async (_, block) => {
        const file = block.info.slice("text tsc examples/".length);
        expect(examples).toContain(file);
        expect(trimLines(await compileErrors(file)).trim()).toBe(trimLines(block.body).trim());
      },
    );

    it.concurrent.each(blocks.filter((b) => /^text examples\/\S+\.ts$/.test(b.info)).map((b) => [b.line, b] as const))(
      "shows real output (block at line %i)",
      async (_, block) => {
        const file = block.info.slice("text examples/".length);
        expect(examples).toContain(file);
        const { stdout } = await run(file);
        expect(trimLines(stdout)).toContain(trimLines(block.body));
      },
    );
  });
});
