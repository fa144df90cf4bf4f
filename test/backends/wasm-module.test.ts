/**
 * @file The module writer (src/backends/wasm/module.ts): the bytes it writes for a small module are the
 * specification's, and a module with a function body far beyond the engine's argument limit (a large
 * kernel) is written without spreading and validates.
 */

import { describe, expect, it } from "vitest";
import { buildModule, F32, I32, op, type ValType } from "../../src/backends/wasm/module";

describe("buildModule", () => {
  it("writes the sections of a one-function module byte for byte", () => {
    const bytes = buildModule(1, false, [], [{ name: "k", locals: [I32, I32, F32], code: [...op.get(4), ...op.set(5)] }]);
    expect(Array.from(bytes)).toEqual([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...[1, 8, 1, 0x60, 4, I32, I32, I32, I32, 0], // type section: (i32, i32, i32, i32) → ()
      ...[2, 15, 1, 3, ..."env".split("").map((c) => c.charCodeAt(0)), 6, ..."memory".split("").map((c) => c.charCodeAt(0)), 2, 0, 1],
      ...[3, 2, 1, 0], // function section
      ...[7, 5, 1, 1, "k".charCodeAt(0), 0, 0], // export section
      ...[10, 12, 1, 10, 2, 2, I32, 1, F32, 0x20, 4, 0x21, 5, 0x0b], // code: 2×i32, 1×f32, get 4, set 5, end
    ]);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it("writes a function of megabytes of code, with multi-byte locals and sizes", () => {
    const code: number[] = [];
    for (let i = 0; i < 300_000; i++) code.push(...op.get(200), ...op.set(201));
    const locals = Array<ValType>(202).fill(I32);
    const bytes = buildModule(1, true, [{ name: "exp", arity: 1 }], [{ name: "big", locals, code }]);
    expect(bytes.length).toBeGreaterThan(code.length);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });
});
