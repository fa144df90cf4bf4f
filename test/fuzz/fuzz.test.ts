/**
 * @file The fuzz suite (issue 9): each category runs in a child process, so that a hang is caught by a
 * time budget per case (no `case` line for `caseBudgetMs` kills the child and fails, naming the case)
 * rather than by a timed assertion; a throw or a broken promise fails with fast-check's shrunk
 * counterexample and the seed to replay it (`FUZZ_SEED`, `FUZZ_RUNS` override both).
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../..");
/** Seconds one case may take before it counts as a hang: far above any case's cost (milliseconds). */
const caseBudgetMs = 30_000;
const startUpBudgetMs = 120_000;
const seed = Number(process.env["FUZZ_SEED"] ?? 20260);

interface Outcome {
  readonly result?: {
    category: string;
    runs: number;
    cases: number;
    failed: boolean;
    seed: number;
    path: string | null;
    counterexample: string | null;
    error: string | null;
  };
  readonly hung?: string;
  readonly stderr: string;
}

const runCategory = (name: string, budgetMs = caseBudgetMs, env: NodeJS.ProcessEnv = {}): Promise<Outcome> =>
  new Promise((done) => {
    const args = [
      "--import",
      "tsx",
      "test/fuzz/run-category.ts",
      name,
      String(seed),
      ...(process.env["FUZZ_RUNS"] ? [process.env["FUZZ_RUNS"]] : []),
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let lastCase = "start-up";
    let result: Outcome["result"];
    let hung: string | undefined;
    let stderr = "";
    let pending = "";
    // Loading tsx and the library comes before the first case: it has its own, generous, budget.
    let timer = setTimeout(() => {
      hung = lastCase;
      child.kill("SIGKILL");
    }, startUpBudgetMs);
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("case ")) {
          lastCase = line;
          clearTimeout(timer);
          timer = setTimeout(() => {
            hung = lastCase;
            child.kill("SIGKILL");
          }, budgetMs);
        } else if (line.startsWith("result ")) result = JSON.parse(line.slice(7)) as Outcome["result"];
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", () => {
      clearTimeout(timer);
      done({ ...(result === undefined ? {} : { result }), ...(hung === undefined ? {} : { hung }), stderr });
    });
  });

describe("fuzz harness", () => {
  it("catches a case that never ends and names it", async () => {
    const out = await runCategory("self-test-hang", 3_000, { FUZZ_HANG_CASE: "2" });
    expect(out.hung).toBe("case 3");
    expect(out.result).toBeUndefined();
  });
});

describe("fuzz", () => {
  it.each(["audio", "checkpoints", "configs", "cli", "embed"])(
    "%s: no throw, no hang, no non-finite success, every error named",
    async (name) => {
      const out = await runCategory(name);
      expect(out.hung, `${name}: ${out.hung} ran past ${caseBudgetMs / 1000} s (seed ${seed})`).toBeUndefined();
      expect(out.result, `${name}: no result; stderr: ${out.stderr.slice(-2000)}`).toBeDefined();
      const r = out.result!;
      expect(r.failed ? `seed ${r.seed}, path ${r.path}: ${r.error}\ncounterexample: ${r.counterexample}` : "").toBe("");
      // The count per category, for the report (issue 9 asks for it).
      process.stdout.write(`fuzz ${r.category}: ${r.cases} cases, seed ${r.seed}, none failed\n`);
      expect(r.cases).toBeGreaterThanOrEqual(r.runs);
    },
  );
});
