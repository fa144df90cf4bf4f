/**
 * @file gpu.js compile failures with the generated source: gpu.js reports positions as `(3:18)` (its
 * parser) or `on line 3, position 1` (its translators); the error quotes the source with line numbers
 * and marks that line.
 */

/** The failing line of a gpu.js error message, 1-based, if it names one. */
export const failingLine = (message: string): number | undefined => {
  const m = /\((\d+):\d+\)/.exec(message) ?? /on line (\d+)/.exec(message);
  return m === null ? undefined : Number(m[1]);
};

/** Raised when gpu.js cannot compile a generated kernel. */
export class GpujsCompileError extends Error {
  override readonly name = "GpujsCompileError";
  readonly line: number | undefined;
  constructor(
    readonly kernel: string,
    readonly backend: string,
    readonly source: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const line = failingLine(reason);
    const listing = source
      .split("\n")
      .map((l, i) => `${i + 1 === line ? ">" : " "}${String(i + 1).padStart(4)} | ${l}`)
      .join("\n");
    const at = line === undefined ? "" : ` at line ${line}: ${source.split("\n")[line - 1]?.trim() ?? ""}`;
    super(`${backend}: gpu.js failed to compile kernel ${kernel}${at}\n${reason}\n${listing}`);
    this.line = line;
  }
}
