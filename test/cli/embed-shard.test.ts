/**
 * @file `mwmae embed --shard I/N`: three processes, each embedding its shard into one output tree,
 * leave exactly the files of one unsharded run, byte for byte; the split is stable by name.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { inShard, shardFlag } from "../../src/cli/shard";
import { mwmae, root } from "./mwmae-process";

const golden = (name: string): string => join(root, "test/golden", name);

/** Every file under `dir` by relative path, with its bytes. */
const tree = (dir: string): Map<string, Buffer> => {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
};

describe("mwmae embed --shard", () => {
  it("puts every name in exactly one shard, whatever else is being split", () => {
    const names = Array.from({ length: 200 }, (_, i) => `clips/${i}.wav`);
    for (const n of [1, 2, 3, 7]) {
      const owners = names.map((name) => Array.from({ length: n }, (_, i) => i + 1).filter((i) => inShard(name, { index: i, count: n })));
      expect(owners.every((o) => o.length === 1)).toBe(true);
      if (n > 1) expect(new Set(owners.map((o) => o[0])).size).toBe(n);
    }
    expect(shardFlag("2/3")).toEqual({ index: 2, count: 3 });
    expect(() => shardFlag("0/3")).toThrow('--shard: expected I/N with 1 ≤ I ≤ N (e.g. 2/3), got "0/3"');
    expect(() => shardFlag("4/3")).toThrow("--shard");
  });

  it("3 shards as 3 processes write the same files, byte for byte, as one unsharded run", async () => {
    const work = mkdtempSync(join(tmpdir(), "shard-"));
    const clips = join(work, "clips");
    mkdirSync(clips);
    for (const [i, name] of ["speech_espeak.wav", "note_fluidsynth.wav"].flatMap((n) => [0, 1, 2, 3].map((i) => [i, n] as const)))
      copyFileSync(golden(`audio/${name}`), join(clips, `${i}-${name}`));
    const model = ["--config", golden("tiny_hear.config.json"), "--checkpoint", golden("tiny_hear.msgpack")];
    const [whole, ...shards] = await Promise.all([
      mwmae("embed", ...model, "--out", join(work, "one"), clips),
      ...[1, 2, 3].map((i) => mwmae("embed", ...model, "--shard", `${i}/3`, "--out", join(work, "sharded"), clips)),
    ]);
    expect(whole.code).toBe(0);
    const counts = shards.map((r) => {
      expect(r.code).toBe(0);
      return Number(/embedded (\d+) clip\(s\)/.exec(r.stderr)?.[1]);
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
    expect(counts.every((c) => c >= 1)).toBe(true);
    const one = tree(join(work, "one"));
    const sharded = tree(join(work, "sharded"));
    expect(one.size).toBe(24); // 8 clips × (scene, timestamp embeddings, timestamps)
    expect([...sharded.keys()]).toEqual([...one.keys()]);
    for (const [path, bytes] of one) expect(sharded.get(path)!.equals(bytes), path).toBe(true);
  }, 120_000);
});
