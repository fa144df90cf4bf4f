/**
 * @file `mwmae hear --shard I/N` as three processes sharing one run folder, as three machines under a
 * batch scheduler would: every (model, task) pair is done by exactly one shard, and the folder they
 * leave is the one a single unsharded run writes, byte for byte (embeddings; evaluations but for the
 * run folder's path they record); a last
 * run without --shard keeps all of it and writes the table.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { writeSyntheticTask } from "../../src/hear/node";
import { mwmae, root } from "./mwmae-process";

const dir = mkdtempSync(join(tmpdir(), "mwmae-hear-shard-"));
afterAll(() => {
  if (process.env.KEEP !== "1") rmSync(dir, { recursive: true, force: true });
});

const quick = [
  "--seeds",
  "0",
  "--hidden",
  "8",
  "--lr",
  "1e-2",
  "--batch",
  "32",
  "--max-epochs",
  "3",
  "--patience",
  "2",
  "--progress",
  "none",
];
const models = ["test/golden/tiny_hear.msgpack", "r0=random:0", "r1=random:1", "r2=random:2"];
const args = (out: string) => [
  "hear",
  "--config",
  "test/golden/tiny_hear.config.json",
  ...models,
  "--tasks",
  join(dir, "tasks"),
  "--out",
  out,
  ...quick,
];

/** Every file under `top` (but the run record and the report), by relative path. */
const files = (top: string): Map<string, Buffer> => {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(top, p), readFileSync(p));
    }
  };
  walk(top);
  out.delete("hear-run.json");
  for (const k of [...out.keys()]) if (k.startsWith("report/")) out.delete(k);
  return out;
};

const node = (argv: string[]) =>
  new Promise<{ code: number; stderr: string }>((done) =>
    execFile(process.execPath, ["bin/mwmae.js", ...argv], { cwd: root, timeout: 120_000 }, (error, _stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stderr }),
    ),
  );

describe("mwmae hear --shard", () => {
  it("three shards cover every (model, task) pair once and leave what one unsharded run writes", async () => {
    expect(E.isRight(writeSyntheticTask(join(dir, "tasks"), { perClass: { train: 1, valid: 1, test: 1 }, seconds: 0.5 }))).toBe(true);
    const whole = await mwmae(...args(join(dir, "whole")));
    expect(whole.code, whole.stderr).toBe(0);

    const sharded = join(dir, "sharded");
    const shards = await Promise.all([1, 2, 3].map((i) => node([...args(sharded), "--shard", `${i}/3`])));
    const counts = shards.map((s) => {
      expect(s.code, s.stderr).toBe(0);
      return Number(/shard \d\/3 done \((\d+) pair\(s\)\)/.exec(s.stderr)?.[1]);
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(models.length); // one task: a pair per model, each done once

    const a = files(join(dir, "whole"));
    const b = files(sharded);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    // evaluation.json names the embeddings folder it read: the run folder's own path, the one difference.
    const local = (bytes: Buffer, top: string): string => bytes.toString("latin1").replaceAll(top, "<out>");
    const differing = [...a].filter(([k, v]) => local(v, join(dir, "whole")) !== local(b.get(k)!, sharded)).map(([k]) => k);
    expect(differing).toEqual([]);

    const last = await mwmae(...args(sharded));
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(/embedded [1-9]/);
    expect(readFileSync(join(sharded, "report/results.md"), "utf8")).toBe(readFileSync(join(dir, "whole", "report/results.md"), "utf8"));
  }, 240_000);
});
