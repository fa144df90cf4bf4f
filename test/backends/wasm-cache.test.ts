/**
 * @file Compile once: the wasm backend keys generated modules by the program's structural hash, in memory
 * and in a `CodeStore` (a folder on disk in Node). The hash is equal for equal programs and differs with
 * shapes, constants' bytes (−0 included) and the thread count; a second backend on the same store
 * generates no code and computes the same values; a corrupt, truncated, foreign or stale entry is
 * rejected, regenerated and overwritten, never run.
 */

import { relaxedSimd } from "../../src/backends/wasm/features";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  add,
  compiler,
  constant,
  exp,
  fromData,
  matmul,
  mul,
  spec,
  sum,
  trace,
  wasm,
  type CodeStore,
  type Graph,
  type Tensor,
} from "../../src";
import { diskCodeStore } from "../../src/io/node";

const graphOf = (k: number, c: ReadonlyArray<number> = [1, 2, 3, 4]): Graph =>
  trace(
    ({ x, w }: { x: Tensor; w: Tensor }) =>
      sum(exp(add(matmul(x, w), constant(Float32Array.from(c), [4]) as Tensor) as Tensor) as Tensor, [1]),
    { x: spec([3, k]), w: spec([k, 4]) } as never,
  );
const hashOf = (g: Graph, salt = "s"): string => compiler.programHash(compiler.schedule(compiler.optimize(g)), salt);

/** A store in a Map, counting writes. */
const memoryStore = (fingerprint = "fp"): CodeStore & { readonly entries: Map<string, Uint8Array>; writes: number } => {
  const entries = new Map<string, Uint8Array>();
  const store = {
    where: "memory",
    fingerprint,
    entries,
    writes: 0,
    read: (key: string) => entries.get(key),
    write: (key: string, bytes: Uint8Array) => {
      store.writes++;
      entries.set(key, bytes.slice());
    },
  };
  return store;
};

const inputs = (k: number) => [
  fromData(
    Array.from({ length: 3 * k }, (_, i) => Math.sin(i) / 4),
    [3, k],
  ),
  fromData(
    Array.from({ length: k * 4 }, (_, i) => Math.cos(i) / 4),
    [k, 4],
  ),
];

describe("programHash", () => {
  it("is equal for two traces of one function and differs with shapes, constants, -0 and the salt", () => {
    const h = hashOf(graphOf(8));
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(hashOf(graphOf(8))).toBe(h);
    expect(hashOf(graphOf(12))).not.toBe(h);
    expect(hashOf(graphOf(8, [1, 2, 3, 5]))).not.toBe(h);
    expect(hashOf(graphOf(8), "t")).not.toBe(h);
    const scaled = (z: number): Graph =>
      trace(({ x }: { x: Tensor }) => mul(x, constant(Float32Array.of(z), []) as Tensor), { x: spec([4]) } as never);
    expect(hashOf(scaled(-0))).not.toBe(hashOf(scaled(0)));
  });
});

describe("wasm code store", () => {
  it("a second backend on the same store generates no code and computes the same values", async () => {
    const store = memoryStore();
    const first = wasm({ store, threads: 1 });
    const a = await (await first.prepare(graphOf(8)))(inputs(8));
    expect(first.stats).toMatchObject({ generated: 1, storeHits: 0, rejected: [] });
    expect(store.entries.size).toBe(1);
    const second = wasm({ store, threads: 1 });
    const b = await (await second.prepare(graphOf(8)))(inputs(8));
    expect(second.stats).toMatchObject({ generated: 0, storeHits: 1, rejected: [], compiles: 1 });
    expect(Array.from(b[0]!.data)).toEqual(Array.from(a[0]!.data));
    // Preparing it again in the same instance hits memory: neither the store nor the generator.
    await second.prepare(graphOf(8));
    expect(second.stats).toMatchObject({ generated: 0, storeHits: 1, cacheHits: 1 });
    // Another thread count is another module.
    const threaded = wasm({ store, threads: 2 });
    const run = await threaded.prepare(graphOf(8));
    await run.close();
    expect(threaded.stats.generated).toBe(1);
  });

  const spoil: ReadonlyArray<[string, (e: Uint8Array, all: Map<string, Uint8Array>) => Uint8Array, RegExp]> = [
    ["a flipped byte in the module", (e) => e.map((v, i) => (i === e.length - 100 ? v ^ 1 : v)), /checksum/],
    ["a truncated entry", (e) => e.slice(0, e.length - 7), /checksum/],
    ["an empty file", () => new Uint8Array(0), /not a code cache entry/],
    ["another program's entry", (_e, all) => [...all.values()].find((v) => v.length > 0 && v !== _e)!, /holds program/],
  ];
  it.each(spoil)("rejects %s, regenerates and overwrites it", async (_what, damage, why) => {
    const store = memoryStore();
    await wasm({ store, threads: 1 }).prepare(graphOf(12));
    await wasm({ store, threads: 1 }).prepare(graphOf(8));
    const key = hashOf(graphOf(8), `wasm-simd/threads=1/lowering=${relaxedSimd() ? "relaxed" : "plain"}/math=poly1`);
    const good = store.entries.get(key)!;
    expect(good).toBeDefined();
    store.entries.set(key, damage(good, store.entries));
    const backend = wasm({ store, threads: 1 });
    const out = await (await backend.prepare(graphOf(8)))(inputs(8));
    expect(backend.stats.generated).toBe(1);
    expect(backend.stats.storeHits).toBe(0);
    expect(backend.stats.rejected).toHaveLength(1);
    expect(backend.stats.rejected[0]).toMatch(why);
    expect(Array.from(store.entries.get(key)!)).toEqual(Array.from(good));
    expect(out[0]!.data.every(Number.isFinite)).toBe(true);
  });

  it("treats another code generator's entries as stale", async () => {
    const store = memoryStore("old");
    await wasm({ store, threads: 1 }).prepare(graphOf(8));
    const renewed = { ...store, fingerprint: "new" };
    const backend = wasm({ store: renewed, threads: 1 });
    await backend.prepare(graphOf(8));
    expect(backend.stats).toMatchObject({ generated: 1, storeHits: 0 });
    expect(backend.stats.rejected[0]).toMatch(/stale/);
  });
});

describe("diskCodeStore", () => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-code-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps one file per program, and rebuilds one corrupted on disk", async () => {
    const first = wasm({ store: diskCodeStore({ dir }) });
    await first.prepare(graphOf(8));
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{32}\.wasmcode$/);
    const path = join(dir, files[0]!);
    const good = readFileSync(path);
    const second = wasm({ store: diskCodeStore({ dir }) });
    await second.prepare(graphOf(8));
    expect(second.stats).toMatchObject({ generated: 0, storeHits: 1 });
    // Corrupt it in place: the next backend detects it, generates, and writes a good entry back.
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)]! ^= 0xff;
    writeFileSync(path, bad);
    const third = wasm({ store: diskCodeStore({ dir }) });
    await third.prepare(graphOf(8));
    expect(third.stats).toMatchObject({ generated: 1, storeHits: 0 });
    expect(third.stats.rejected[0]).toMatch(/checksum mismatch/);
    expect(readFileSync(path).equals(good)).toBe(true);
  });

  it("reports a folder it cannot write once and goes on", async () => {
    const notes: string[] = [];
    const blocked = join(dir, "file-not-folder");
    writeFileSync(blocked, "x");
    const backend = wasm({ store: diskCodeStore({ dir: join(blocked, "sub"), onError: (m) => notes.push(m) }) });
    await backend.prepare(graphOf(8));
    await backend.prepare(graphOf(12));
    expect(backend.stats.generated).toBe(2);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/continuing without caching/);
  });
});
