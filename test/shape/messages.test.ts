/**
 * @file The compile-time error messages themselves: compiles `fixtures/shape-errors.ts` (kept out of
 * tsconfig.json) with the project's compiler options and checks that every `// expect: <message>`
 * comment is matched by a diagnostic on the next line, and that no other diagnostic appears.
 */
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";

const configPath = fileURLToPath(new URL("../../tsconfig.json", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/shape-errors.ts", import.meta.url));

interface Expectation {
  readonly line: number;
  readonly message: string;
}

/** `// expect: …` comments, each about the line after it (1-based). */
const expectations = (text: string): Expectation[] =>
  text.split("\n").flatMap((l, i) => {
    const m = /^\s*\/\/ expect: (.*)$/.exec(l);
    return m === null ? [] : [{ line: i + 2, message: m[1]!.trim() }];
  });

describe("shape error messages from the compiler", () => {
  let diagnostics: ReadonlyArray<{ readonly line: number; readonly text: string }> = [];
  let expected: Expectation[] = [];

  beforeAll(() => {
    const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (config === undefined) throw new Error(`cannot read ${configPath}`);
    const program = ts.createProgram([fixture], config.options);
    const source = program.getSourceFile(fixture)!;
    expected = expectations(source.text);
    diagnostics = ts.getPreEmitDiagnostics(program, source).map((d) => ({
      line: source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
      text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    }));
  });

  it("finds the fixture's expectations", () => {
    expect(expected.length).toBeGreaterThanOrEqual(8);
  });

  it("prints each expected message at its call site", () => {
    const missing = expected.filter((e) => !diagnostics.some((d) => d.line === e.line && d.text.includes(`"${e.message}"`)));
    expect(missing).toEqual([]);
  });

  it("prints nothing else", () => {
    const unexpected = diagnostics.filter((d) => !expected.some((e) => e.line === d.line));
    expect(unexpected).toEqual([]);
  });

  it("reports the matmul mistake as the offending argument's type against the message", () => {
    const matmul = diagnostics.find((d) => d.text.includes("matmul: inner dims 384 and 383 differ"));
    expect(matmul?.text).toBe(
      "Argument of type 'Tensor<readonly [383, 64]>' is not assignable to parameter of type " +
        "'\"matmul: inner dims 384 and 383 differ ([8, 250, 384] @ [383, 64])\"'.",
    );
  });
});
