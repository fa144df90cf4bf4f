/**
 * @file Compile once, across processes: the second start of `mwmae pretrain` and of `mwmae embed` on the
 * same model, with the same code cache folder (`MWMAE_CACHE_DIR`), generates no code: each command
 * reports its wasm backend's counters on stderr (`wasm code: N program(s) generated …, M from the
 * cache`), and the second process's N is 0. Counts, not times.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tinyModelFlags } from "../train/tiny-run";
import { root } from "./mwmae-process";

const dirs: string[] = [];
const fresh = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const run = (cache: string, args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [join(root, "bin/mwmae.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env: { ...process.env, MWMAE_CACHE_DIR: cache },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** The counters of the `wasm code:` line: programs generated, programs from the cache. */
const codeCounts = (stderr: string): { generated: number; cached: number } => {
  const m = /wasm code: (\d+) program\(s\) generated in [\d.]+ s, (\d+) from the cache/.exec(stderr);
  if (m === null) throw new Error(`no "wasm code:" line in stderr:\n${stderr}`);
  return { generated: Number(m[1]), cached: Number(m[2]) };
};

describe("the code cache across processes", () => {
  it("the second `mwmae pretrain` of the same model generates no code", () => {
    const cache = fresh("mwmae-cache-");
    const args = (out: string) => [
      "pretrain",
      ...tinyModelFlags,
      ...["--steps", "2", "--batch", "2", "--warmup", "1", "--clips", "4", "--clip-seconds", "0.3", "--progress", "none", "--json"],
      ...["--out", out],
    ];
    const first = run(cache, args(join(fresh("mwmae-run-"), "run")));
    expect(first.code, first.stderr).toBe(0);
    const cold = codeCounts(first.stderr);
    expect(cold.generated).toBeGreaterThan(0);
    expect(cold.cached).toBe(0);
    expect(readdirSync(cache).filter((f) => f.endsWith(".wasmcode"))).toHaveLength(cold.generated);
    const second = run(cache, args(join(fresh("mwmae-run-"), "run")));
    expect(second.code, second.stderr).toBe(0);
    expect(codeCounts(second.stderr)).toEqual({ generated: 0, cached: cold.generated });
  });

  it("the second `mwmae embed --backend wasm` of the same checkpoint generates no code", () => {
    const cache = fresh("mwmae-cache-");
    const golden = (name: string): string => join(root, "test/golden", name);
    const args = [
      "embed",
      ...["--config", golden("tiny_hear.config.json"), "--checkpoint", golden("tiny_hear.msgpack")],
      ...["--backend", "wasm", "--json", golden("audio/hear_clip_3p3s.wav")],
    ];
    const first = run(cache, args);
    expect(first.code, first.stderr).toBe(0);
    const cold = codeCounts(first.stderr);
    expect(cold.generated).toBeGreaterThan(0);
    const second = run(cache, args);
    expect(second.code, second.stderr).toBe(0);
    expect(codeCounts(second.stderr)).toEqual({ generated: 0, cached: cold.generated });
    expect(second.stdout).toBe(first.stdout);
  });
});
