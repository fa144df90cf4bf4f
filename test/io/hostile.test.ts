/**
 * @file Strict containers (issue 9): safetensors whose header length, offsets and data region disagree
 * in any way are refused (a header one byte short used to shift every tensor by a byte); msgpack with
 * malformed shapes or absurd nesting is refused by path, not with a crash; content sniffing names a
 * truncated safetensors file as such; non-finite weights are found and named; atomic writes keep their
 * temporary names short, never throw, and orphaned temporary files are removed.
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, ExtData } from "@msgpack/msgpack";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { decodeCheckpoint } from "../../src/hear";
import { fromData } from "../../src/ir";
import {
  decodeFlaxMsgpack,
  decodeSafetensors,
  describeNonFinite,
  encodeFlaxMsgpack,
  encodeSafetensors,
  firstNonFinite,
  type FormatError,
} from "../../src/io";
import { removeOrphanedTemps, tempPathFor, writeFileAtomic } from "../../src/io/node";

const left = (e: E.Either<FormatError, unknown>): FormatError => {
  if (E.isRight(e)) throw new Error("expected a format error, got a file");
  return e.left;
};

/** A safetensors file from a header object (or any JSON text) and a data region. */
const safetensors = (header: unknown, data: Uint8Array, lengthDelta = 0): Uint8Array => {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length + lengthDelta), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
};
const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(0.5).buffer);

describe("safetensors: the header and the data region agree exactly", () => {
  const good = encodeSafetensors({ a: fromData([1, 2, 3, 4], [4]), b: fromData([5, 6], [2]) });

  it("a header length one byte short (or long) is refused, not read one byte off", () => {
    for (const delta of [-1, 1]) {
      const b = good.slice();
      const v = new DataView(b.buffer);
      v.setBigUint64(0, v.getBigUint64(0, true) + BigInt(delta), true);
      const err = left(decodeSafetensors(b, "off.safetensors"));
      expect(err.source).toBe("off.safetensors");
      expect(err.field).toBe("header");
    }
  });

  it.each([
    ["null", "null", "header", /header is null, not a JSON object/],
    ["an array", "[1,2]", "header", /header is an array/],
    ["a number", "42", "header", /header is number/],
    ["not JSON", "{nope", "header", /header is not UTF-8 JSON/],
  ])("a header that is %s is refused", (_, text, field, pattern) => {
    const err = left(decodeSafetensors(safetensors(text, new Uint8Array(0)), "h.safetensors"));
    expect([err.field, err.message]).toEqual([field, expect.stringMatching(pattern)]);
  });

  const entry = (dtype: unknown, shape: unknown, from: unknown, to: unknown) => ({ dtype, shape, data_offsets: [from, to] });
  it.each([
    ["overlap", { a: entry("F32", [2], 0, 8), b: entry("F32", [2], 4, 12) }, 12, "b", /overlaps tensor "a", which ends at 8/],
    ["gap", { a: entry("F32", [1], 0, 4), b: entry("F32", [1], 8, 12) }, 12, "b", /leaves a gap of 4 bytes/],
    [
      "past the end",
      { a: entry("F32", [4], 0, 16) },
      8,
      "a",
      /runs past the end of the file \(8 data bytes\): a truncated safetensors file/,
    ],
    ["bytes left over", { a: entry("F32", [1], 0, 4) }, 8, "header", /cover 4 of the 8 data bytes/],
    ["a first tensor not at 0", { a: entry("F32", [1], 4, 8) }, 8, "a", /gap of 4 bytes after the header/],
    ["count mismatch", { a: entry("F32", [3], 0, 8) }, 8, "a", /holds 8 bytes, shape \[3\] of F32 needs 12/],
    ["an unknown dtype", { a: entry("Q7", [1], 0, 4) }, 4, "a", /unsupported dtype "Q7"/],
    ["a negative dim", { a: entry("F32", [-1], 0, 4) }, 4, "a", /shape \[-1\] is not a list of non-negative integers/],
    ["a fractional dim", { a: entry("F32", [1.5], 0, 4) }, 4, "a", /not a list of non-negative integers/],
    ["a null shape", { a: entry("F32", null, 0, 4) }, 4, "a", /shape null/],
    ["offsets backwards", { a: entry("F32", [0], 4, 0) }, 4, "a", /end before they begin/],
    ["a huge shape", { a: entry("F64", [2 ** 30, 2 ** 30, 2 ** 30], 0, 4) }, 4, "a", /more elements than any file can hold/],
    ["an entry that is a string", { a: "F32" }, 0, "a", /not an object/],
    ["an extra field", { a: { ...entry("F32", [1], 0, 4), extra: 1 } }, 4, "a", /unexpected field "extra"/],
    ["non-string metadata", { __metadata__: { step: 3 } }, 0, "__metadata__", /strings to strings/],
  ])("refuses %s, naming the tensor", (_, header, dataBytes, field, pattern) => {
    const err = left(decodeSafetensors(safetensors(header, f32(dataBytes / 4)), "x.safetensors"));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(pattern);
  });

  it("still reads well-formed files, empty tensors included", () => {
    const t = { e: fromData([], [0]), w: fromData([1, 2], [2]), z: fromData([], [2, 0]) };
    const back = decodeSafetensors(encodeSafetensors(t), "ok");
    expect(E.isRight(back) && Object.keys(back.right.tensors).sort()).toEqual(["e", "w", "z"]);
  });
});

describe("Flax msgpack: shapes and nesting are bounded", () => {
  const ext = (shape: unknown, dtype: unknown, bytes: unknown) => ({ type: 1, data: encode([shape, dtype, bytes]) });
  const doc = (leaf: unknown) => encode({ params: { w: leaf } });
  it.each([
    ["null", null, /shape null is not a list of non-negative integers/],
    ['"abc"', "abc", /shape "abc" is not/],
    ["[-1]", [-1], /shape \[-1\]/],
    ["[1.5]", [1.5], /shape \[1\.5\]/],
    ["[2^53]", [2 ** 53], /not a list of non-negative integers/],
    ["huge", [2 ** 26, 2 ** 26], /more elements than any file can hold/],
  ])("a tensor of shape %s is refused by path, not with a crash", (_, shape, pattern) => {
    const e = ext(shape, "float32", new Uint8Array(4));
    const bytes = doc(new ExtData(e.type, e.data));
    const err = left(decodeFlaxMsgpack(bytes, "m.msgpack"));
    expect(err).toMatchObject({ source: "m.msgpack", field: "params/w" });
    expect(err.message).toMatch(pattern);
  });

  it("maps nested 100,000 deep are refused without overflowing the stack", () => {
    const parts: number[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(0x81, 0xa1, 0x61);
    parts.push(0xc0);
    const err = left(decodeFlaxMsgpack(new Uint8Array(parts), "deep.msgpack"));
    expect(err.message).toMatch(/maps nest more than 64 levels deep/);
  });

  it("a truncated msgpack file says so", () => {
    const good = encodeFlaxMsgpack({ "params/w": fromData([1, 2, 3], [3]) });
    expect(left(decodeFlaxMsgpack(good.subarray(0, good.length - 5), "t.msgpack")).message).toMatch(/^a truncated msgpack file/);
  });
});

describe("format detection names what the bytes are", () => {
  const st = encodeSafetensors({ "params/w": fromData([1, 2, 3, 4], [4]) });
  it("a truncated safetensors file is reported as one, not as broken msgpack", () => {
    const r = decodeCheckpoint(st.subarray(0, 20), "cut.safetensors");
    expect(E.isLeft(r) && r.left.message).toMatch(/^cut\.safetensors: header: a truncated safetensors file/);
    const r2 = decodeCheckpoint(st.subarray(0, st.length - 3), "cut2.safetensors");
    expect(E.isLeft(r2) && r2.left.message).toMatch(/truncated safetensors file/);
  });
  it("a file that is neither says what it seems to be", () => {
    const wav = new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt ");
    expect(E.isLeft(decodeCheckpoint(wav, "w")) && (decodeCheckpoint(wav, "w") as E.Left<{ message: string }>).left.message).toMatch(
      /neither a safetensors file nor a Flax msgpack checkpoint: a RIFF \(WAV\?\) file/,
    );
    const empty = decodeCheckpoint(new Uint8Array(0), "e");
    expect(E.isLeft(empty) && empty.left.message).toMatch(/an empty file/);
  });
});

describe("non-finite tensors", () => {
  it("finds the first NaN or infinity in name order and counts them", () => {
    const t = {
      "params/b": fromData([1, Number.POSITIVE_INFINITY, Number.NaN], [3]),
      "params/a": fromData([0, 1], [2]),
      "params/i": fromData([1], [1], "i32"),
    };
    const found = firstNonFinite(t);
    expect(found).toEqual({ tensor: "params/b", index: 1, value: Number.POSITIVE_INFINITY, count: 2 });
    expect(describeNonFinite(found!)).toBe('tensor "params/b" holds Infinity at index 1 (2 non-finite values)');
    expect(firstNonFinite({ "params/a": fromData([0, 1], [2]) })).toBeUndefined();
  });
});

describe("atomic writes", () => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-atomic-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the temporary name within 255 bytes whatever the target's name", () => {
    for (const name of ["a".repeat(219), "é".repeat(120), "x".repeat(250)]) {
      const tmp = tempPathFor(join(dir, name));
      expect(Buffer.byteLength(tmp.slice(dir.length + 1))).toBeLessThanOrEqual(255);
      const written = writeFileAtomic(join(dir, name), "ok");
      expect(E.isRight(written), name).toBe(true);
      expect(readFileSync(join(dir, name), "utf8")).toBe("ok");
    }
  });

  it("a target name over the limit is a Left naming it, with no temporary file left and nothing thrown", () => {
    const path = join(dir, "y".repeat(300));
    const r = writeFileAtomic(path, "x");
    expect(E.isLeft(r) && r.left).toMatchObject({ kind: "write", path, message: expect.stringMatching(/ENAMETOOLONG/) });
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a write into a missing folder or a file is a Left, not a throw", () => {
    writeFileSync(join(dir, "plain"), "x");
    expect(E.isLeft(writeFileAtomic(join(dir, "plain", "child"), "x"))).toBe(true);
    expect(E.isLeft(writeFileAtomic(join(dir, "missing", "child"), "x"))).toBe(true);
  });

  it.skipIf(process.platform === "win32")("removes the temporary files of dead writers and keeps the rest", () => {
    const sub = join(dir, "orphans");
    mkdirSync(sub);
    const dead = Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }));
    const orphan = `.ckpt-00000050.safetensors.${dead}.m3x1a2b01.tmp`;
    const mine = `.ckpt-00000060.safetensors.${process.pid}.m3x1a2b01.tmp`;
    for (const f of [orphan, mine, "ckpt-00000040.safetensors", "notes.tmp"]) writeFileSync(join(sub, f), "x");
    expect(removeOrphanedTemps(sub)).toEqual([orphan]);
    expect(existsSync(join(sub, orphan))).toBe(false);
    expect(readdirSync(sub).sort()).toEqual([mine, "ckpt-00000040.safetensors", "notes.tmp"].sort());
    expect(removeOrphanedTemps(join(dir, "no-such-folder"))).toEqual([]);
  });
});
