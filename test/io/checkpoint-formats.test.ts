import { readFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { fromData } from "../../src/ir";
import { decodeFlaxMsgpack, encodeFlaxMsgpack } from "../../src/io/flax-msgpack";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors";
import { writeFileAtomic } from "../../src/io/atomic";

const golden = (name: string) => new Uint8Array(readFileSync(join(__dirname, "../golden", name)));
const right = <A>(x: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(x)) throw new Error(x.left.message);
  return x.right;
};

describe("safetensors and Flax msgpack", () => {
  it("reads the official msgpack and the safetensors twin as the same tensors", () => {
    const flax = right(decodeFlaxMsgpack(golden("tiny_mwmae.msgpack"), "tiny_mwmae.msgpack"));
    const st = right(decodeSafetensors(golden("tiny_mwmae.safetensors"), "tiny_mwmae.safetensors")).tensors;
    const names = Object.keys(flax).sort();
    expect(names).toContain("params/decoder_block_00/wmha_block/attn_heads_0/relative_position_bias_table");
    expect(names.length).toBeGreaterThan(60);
    for (const name of names) {
      const a = flax[name]!;
      const b = st[name];
      expect(b, name).toBeDefined();
      expect(b!.shape, name).toEqual(a.shape);
      expect(Array.from(b!.data), name).toEqual(Array.from(a.data));
    }
  });

  it("reads Node Buffers straight from readFileSync (pooled, offset views)", () => {
    const path = join(__dirname, "../golden");
    const flax = right(decodeFlaxMsgpack(readFileSync(join(path, "tiny_mwmae.msgpack")), "m"));
    const st = right(decodeSafetensors(readFileSync(join(path, "tiny_mwmae.safetensors")), "s")).tensors;
    const viaCopy = right(decodeFlaxMsgpack(golden("tiny_mwmae.msgpack"), "m"));
    for (const name of Object.keys(viaCopy)) {
      expect(Array.from(flax[name]!.data), name).toEqual(Array.from(viaCopy[name]!.data));
      expect(Array.from(st[name]!.data), name).toEqual(Array.from(viaCopy[name]!.data));
    }
  });

  it("round-trips tensors and metadata through safetensors", () => {
    const t = { "a/w": fromData([1.5, -2, 3.25, 4], [2, 2]), "b/i": fromData([7, -8], [2], "i32") };
    const back = right(decodeSafetensors(encodeSafetensors(t, { step: "12" }), "mem"));
    expect(back.metadata).toEqual({ step: "12" });
    expect(Array.from(back.tensors["a/w"]!.data)).toEqual([1.5, -2, 3.25, 4]);
    expect(back.tensors["b/i"]!.dtype).toBe("i32");
  });

  it("round-trips a tree through Flax msgpack", () => {
    const t = { "params/enc/kernel": fromData([1, 2, 3, 4, 5, 6], [2, 3]), "params/enc/bias": fromData([0.5], [1]) };
    const back = right(decodeFlaxMsgpack(encodeFlaxMsgpack(t), "mem"));
    expect(Object.keys(back).sort()).toEqual(Object.keys(t).sort());
    expect(back["params/enc/kernel"]!.shape).toEqual([2, 3]);
    expect(Array.from(back["params/enc/kernel"]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("names the first tensor a truncated safetensors file cuts", () => {
    const bytes = golden("tiny_mwmae.safetensors");
    const cut = decodeSafetensors(bytes.subarray(0, bytes.length - 100), "cut.safetensors");
    expect(E.isLeft(cut)).toBe(true);
    if (E.isLeft(cut)) {
      expect(cut.left.source).toBe("cut.safetensors");
      expect(cut.left.field).toMatch(/^params\//);
      expect(cut.left.message).toMatch(/truncated/);
    }
  });

  it("rejects a truncated msgpack checkpoint", () => {
    const bytes = golden("tiny_mwmae.msgpack");
    const cut = decodeFlaxMsgpack(bytes.subarray(0, bytes.length - 50), "cut.msgpack");
    expect(E.isLeft(cut)).toBe(true);
  });

  it("writes atomically and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const path = join(dir, "x.bin");
    expect(E.isRight(writeFileAtomic(path, "first"))).toBe(true);
    expect(E.isRight(writeFileAtomic(path, "second"))).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(readdirSync(dir)).toEqual(["x.bin"]);
    const bad = writeFileAtomic(join(dir, "missing", "y.bin"), "z");
    expect(E.isLeft(bad) && bad.left.path.endsWith("y.bin")).toBe(true);
  });
});
