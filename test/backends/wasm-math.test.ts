/**
 * @file exp, tanh and erf as WebAssembly instruction sequences (src/backends/wasm/simd-math.ts) against
 * the float64 functions over the whole float32 line: every 2048th float32 of either sign, 64 floats
 * either side of each threshold (overflow, underflow, branch points), and the special values (±0,
 * subnormals, ±∞, NaN, ±FLT_MAX), in scalar and SIMD width; relaxed SIMD in a child process with
 * `--experimental-wasm-relaxed-simd` (Node 20 has it only behind that flag).
 */

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { relaxedSimd } from "../../src/backends/wasm/features";
import { buildModule } from "../../src/backends/wasm/module";
import { erfCode, expCode, relaxedIsa, scalarIsa, tanhCode, vectorIsa, type Isa } from "../../src/backends/wasm/simd-math";
import { erfScalar } from "../../src/ir/ops/unary";
import { mathErrors, mathMap, mathSample, type MathCode } from "../support/wasm-math-harness";

const FLT_MAX = 3.4028234663852886e38;
const widths: ReadonlyArray<readonly [string, Isa]> = [
  ["scalar", scalarIsa],
  ["simd", vectorIsa],
];
const STRIDE = 1 << 11;
const subnormal = (_: number, want: number): boolean => Math.abs(want) < 2 ** -126;

/** f applied to `xs` in the width of `isa`. */
const apply = (isa: Isa, code: MathCode, xs: ReadonlyArray<number>): Float32Array => mathMap(isa, code)(new Float32Array(xs));

describe.each(widths)("math in %s code", (_, isa) => {
  it("exp: ≤ 1 ulp for normal results, the subnormal grid within 1 ulp below", () => {
    const xs = mathSample(
      -Infinity,
      Infinity,
      STRIDE,
      [88.72283935546875, -87.3365478515625, -103.27892303466797, -103.97207641601562, 0.34657359],
    );
    const got = mathMap(isa, expCode)(xs);
    const e = mathErrors(xs, got, Math.exp, subnormal);
    expect(e.ulp, `at ${e.ulpAt}`).toBeLessThanOrEqual(1);
    for (let i = 0; i < xs.length; i++) {
      const want = Math.exp(xs[i]!);
      if (subnormal(xs[i]!, want)) expect(Math.abs(got[i]! - want), `at ${xs[i]}`).toBeLessThanOrEqual(2 ** -149);
    }
  });
  it("exp: special values", () => {
    const got = apply(isa, expCode, [0, -0, Infinity, -Infinity, Number.NaN, 88.8, 89, 1000, FLT_MAX, -104, -1000, -FLT_MAX, 2 ** -149]);
    expect([...got]).toEqual([1, 1, Infinity, 0, Number.NaN, Infinity, Infinity, Infinity, Infinity, 0, 0, 0, 1]);
  });
  it("tanh: ≤ 1 ulp on the whole line", () => {
    const xs = mathSample(-Infinity, Infinity, STRIDE, [0.625, -0.625, 9.01, -9.01, 2 ** -12]);
    const e = mathErrors(xs, mathMap(isa, tanhCode)(xs), Math.tanh);
    expect(e.ulp, `at ${e.ulpAt}`).toBeLessThanOrEqual(1);
  });
  it("tanh: special values keep their sign", () => {
    const got = apply(isa, tanhCode, [0, -0, Infinity, -Infinity, Number.NaN, 2 ** -149, -(2 ** -140), 10, -FLT_MAX]);
    expect([...got]).toEqual([0, -0, 1, -1, Number.NaN, 2 ** -149, -(2 ** -140), 1, -1]);
    expect(Object.is(got[1], -0)).toBe(true);
  });
  it("erf: ≤ 2 ulp and ≤ 1.5e-7 absolute on the whole line", () => {
    const xs = mathSample(-Infinity, Infinity, STRIDE, [4, -4, 0.75, -0.75, 2 ** -126]);
    const e = mathErrors(xs, mathMap(isa, erfCode)(xs), erfScalar);
    expect(e.ulp, `at ${e.ulpAt}`).toBeLessThanOrEqual(2);
    expect(e.abs, `at ${e.absAt}`).toBeLessThanOrEqual(1.5e-7);
  });
  it("erf: special values", () => {
    const got = apply(isa, erfCode, [0, -0, Infinity, -Infinity, Number.NaN, 4, -5, FLT_MAX]);
    expect([...got]).toEqual([0, -0, 1, -1, Number.NaN, 1, -1, 1]);
    expect(Object.is(got[1], -0)).toBe(true);
  });
});

describe("scalar and SIMD code", () => {
  it.each([
    ["exp", expCode],
    ["tanh", tanhCode],
    ["erf", erfCode],
  ] as const)("%s: the same float32 results in both widths", (_, code) => {
    const xs = mathSample(-200, 200, 1 << 14);
    expect(mathMap(vectorIsa, code)(xs)).toEqual(mathMap(scalarIsa, code)(xs));
  });
});

describe("relaxed SIMD", () => {
  it("compiles only where the engine has it, as relaxedSimd() says", () => {
    const bytes = buildModule(
      1,
      false,
      [],
      [{ name: "f", locals: [0x7b], code: [...expCode(relaxedIsa, [0x20, 3], () => 3)].concat([0x1a]) }],
    );
    // The function takes three i32 parameters: local 3 is the one v128 local the code reads (and its scratch).
    expect(WebAssembly.validate(bytes)).toBe(relaxedSimd());
  });
  it("under --experimental-wasm-relaxed-simd: detected, within the same bounds, and a backend table that agrees with the reference", () => {
    const out = execFileSync(
      process.execPath,
      ["--experimental-wasm-relaxed-simd", "--import", "tsx", "test/support/wasm-math-relaxed.ts"],
      {
        encoding: "utf8",
        timeout: 240_000,
      },
    );
    const r = JSON.parse(out) as {
      detected: boolean;
      errors: Record<"exp" | "tanh" | "erf", { ulp: number; abs: number }>;
      worst: number[];
      name: string;
      madds: number;
    };
    expect(r.detected).toBe(true);
    expect(r.name).toMatch(/^wasm-simd-relaxed(-x\d+)?$/);
    expect(r.worst).toHaveLength(8);
    expect(r.madds).toBeGreaterThanOrEqual(8); // the 4 × 2 register-blocked accumulators, at least
    expect(r.errors.exp.ulp).toBeLessThanOrEqual(1);
    expect(r.errors.tanh.ulp).toBeLessThanOrEqual(1);
    expect(r.errors.erf.ulp).toBeLessThanOrEqual(2);
    expect(r.errors.erf.abs).toBeLessThanOrEqual(1.5e-7);
    for (const w of r.worst) expect(w).toBeLessThanOrEqual(1);
  }, 300_000);
});
