/**
 * @file Number and path flags (issue 9): decimal digits only for counts (no hex, exponents, blanks or
 * fractions), decimal notation with an optional exponent for real values, and no empty paths or FIFOs.
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { intFlag, numberFlag, parseDecimalInt, parseDecimalNumber, pathFlag, UsageError } from "../../src/cli/command";

describe("number flags", () => {
  it.each([
    ["16", 16],
    ["0", 0],
    ["-3", -3],
    ["007", 7],
  ])("parseDecimalInt(%j) is %d", (text, n) => expect(parseDecimalInt(text)).toBe(n));

  it.each(["0x10", "1e3", "16.0", " 16", "16 ", "", "+4", "1_000", "Infinity", "NaN", "9007199254740993", "0b11", "١٢"])(
    "parseDecimalInt(%j) is refused",
    (text) => expect(parseDecimalInt(text)).toBeUndefined(),
  );

  it.each([
    ["1.5e-5", 1.5e-5],
    ["0.8", 0.8],
    [".5", 0.5],
    ["2.", 2],
    ["-1", -1],
    ["1E3", 1000],
  ])("parseDecimalNumber(%j) is %d", (text, n) => expect(parseDecimalNumber(text)).toBe(n));

  it.each(["0x1", "Infinity", "NaN", "", " 1", "1e", "1e400", ".", "1,5"])("parseDecimalNumber(%j) is refused", (text) =>
    expect(parseDecimalNumber(text)).toBeUndefined(),
  );

  it("flag helpers throw UsageErrors naming the flag and the value", () => {
    expect(() => intFlag("chunks", "0x10", 16)).toThrow(new UsageError('--chunks: expected a decimal integer >= 1, got "0x10"'));
    expect(() => intFlag("seed", "5", 0, 0, 4)).toThrow(/--seed: expected a decimal integer >= 0 and <= 4, got "5"/);
    expect(intFlag("chunks", undefined, 16)).toBe(16);
    expect(() => numberFlag("base-lr", "0x1", 1)).toThrow(/--base-lr: expected a decimal number, got "0x1"/);
    expect(numberFlag("base-lr", "1.5e-5", 1)).toBe(1.5e-5);
  });
});

describe("path flags", () => {
  const dir = mkdtempSync(join(tmpdir(), "mwmae-flags-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses the empty path and passes missing paths, files and folders through", () => {
    expect(() => pathFlag("out", "")).toThrow(/--out: expected a path, got an empty string/);
    expect(() => pathFlag("out", "  ")).toThrow(UsageError);
    expect(pathFlag("out", undefined)).toBeUndefined();
    expect(pathFlag("out", join(dir, "missing"))).toBe(join(dir, "missing"));
    expect(pathFlag("out", dir)).toBe(dir);
  });

  it.skipIf(process.platform === "win32")("refuses a FIFO and a device by type, without opening them", () => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    expect(() => pathFlag("checkpoint", fifo)).toThrow(`--checkpoint: ${fifo} is a FIFO (named pipe), not a file or folder`);
    expect(() => pathFlag("config", "/dev/zero")).toThrow("--config: /dev/zero is a device, not a file or folder");
  });
});
