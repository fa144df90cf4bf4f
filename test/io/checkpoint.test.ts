import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { fromData } from "../../src/ir";
import { listCheckpoints, loadCheckpoint, loadLatestCheckpoint, saveCheckpoint } from "../../src/io/checkpoint";

const Meta = t.type({ lr: t.number, key: t.tuple([t.number, t.number]) });
const ckpt = (step: number) => ({
  step,
  tensors: { "params/w": fromData([step, step + 1], [2]) },
  meta: { lr: 0.1 * step, key: [step, 7] as [number, number] },
});

describe("checkpoints", () => {
  it("saves, keeps the newest three, and loads the latest exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    for (const s of [1, 2, 3, 4]) expect(E.isRight(saveCheckpoint(dir, ckpt(s)))).toBe(true);
    expect(listCheckpoints(dir)).toEqual(["ckpt-00000002.safetensors", "ckpt-00000003.safetensors", "ckpt-00000004.safetensors"]);
    const got = loadLatestCheckpoint(dir, Meta);
    expect(E.isRight(got)).toBe(true);
    if (E.isRight(got)) {
      expect(got.right.checkpoint.step).toBe(4);
      expect(got.right.checkpoint.meta).toEqual({ lr: 0.4, key: [4, 7] });
      expect(Array.from(got.right.checkpoint.tensors["params/w"]!.data)).toEqual([4, 5]);
      expect(got.right.skipped).toEqual([]);
    }
  });

  it("falls back to the previous checkpoint when the newest is truncated, naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    saveCheckpoint(dir, ckpt(1));
    const newest = saveCheckpoint(dir, ckpt(2));
    if (E.isLeft(newest)) throw new Error(newest.left.message);
    const before = readFileSync(join(dir, "ckpt-00000001.safetensors"));
    truncateSync(newest.right, 40);
    const got = loadLatestCheckpoint(dir, Meta);
    expect(E.isRight(got)).toBe(true);
    if (E.isRight(got)) {
      expect(got.right.checkpoint.step).toBe(1);
      expect(got.right.skipped[0]!.path).toBe(newest.right);
    }
    expect(readFileSync(join(dir, "ckpt-00000001.safetensors")).equals(before)).toBe(true);
  });

  it("rejects metadata that does not match the codec, with the field path", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    const saved = saveCheckpoint(dir, { step: 1, tensors: { w: fromData([1], [1]) }, meta: { lr: "high", key: [1, 2] } });
    if (E.isLeft(saved)) throw new Error(saved.left.message);
    const got = loadCheckpoint(saved.right, Meta);
    expect(E.isLeft(got) && got.left.message).toMatch(/lr/);
    writeFileSync(join(dir, "junk"), "x");
    expect(E.isLeft(loadCheckpoint(join(dir, "junk"), Meta))).toBe(true);
  });
});
