/**
 * @file What every `mwmae` subcommand is, and the few helpers they share: strict flag parsing whose
 * errors name the flag, usage errors as a type (exit 2), and the exit codes. A command is a plain
 * record; `main.ts` dispatches on its name.
 */

import { statSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit codes of every command: 0 ok, 1 a runtime failure (bad file, failed run), 2 bad usage. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * One subcommand of `mwmae`.
 * @example
 * export const embedCommand: Command = { name: "embed", usage: "usage: mwmae embed …", run: async (argv) => 0 };
 */
export interface Command {
  /** The word after `mwmae`. */
  readonly name: string;
  /** The full `--help` text (starts with `usage: mwmae <name> …`). */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  readonly run: (argv: ReadonlyArray<string>) => Promise<number>;
}

/** A mistake in how the command was called (unknown flag, bad value): exit code 2, usage hint. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Options in `node:util` `parseArgs` form. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Strict `parseArgs`: an unknown flag, a missing value or a stray positional throws a `UsageError`
 * naming the flag (node's own messages, which do name it, trimmed of their advice).
 */
export const parseFlags = <O extends Options>(
  argv: ReadonlyArray<string>,
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> => {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(message.split(". To specify a positional argument")[0]!);
  }
};

/** Runs a command's body, turning a `UsageError` into exit 2 (with a hint) and printing it. */
export const runCommand = async (command: Pick<Command, "name">, body: () => Promise<number>): Promise<number> => {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`mwmae ${command.name}: ${e.message}\n(see mwmae ${command.name} --help)\n`);
      return exitCodes.usage;
    }
    throw e;
  }
};

/** Decimal integers only: no sign games, hex (`0x10`), exponents (`1e3`), blanks or separators. */
const decimalInteger = /^-?\d+$/;
/** Decimal numbers: an optional sign, digits with an optional fraction, and an optional exponent (`1.5e-5`). */
const decimalNumber = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * `value` as a decimal integer, or undefined: `0x10`, `1e3`, `16.0`, `" 16"` and `""` are not.
 * @example
 * parseDecimalInt("16"); // 16
 */
export const parseDecimalInt = (value: string): number | undefined => {
  if (!decimalInteger.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
};

/**
 * `value` as a finite decimal number (an exponent allowed: learning rates are written `1.5e-5`), or
 * undefined: hex, `Infinity`, `NaN`, blanks and the empty string are not.
 * @example
 * parseDecimalNumber("1.5e-5"); // 0.000015
 */
export const parseDecimalNumber = (value: string): number | undefined => {
  if (!decimalNumber.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};

/** An integer flag value ≥ `min` (and ≤ `max`), written in decimal digits, or a `UsageError` naming the flag. */
export const intFlag = (flag: string, value: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number => {
  if (value === undefined) return fallback;
  const n = parseDecimalInt(value);
  if (n === undefined || n < min || n > max)
    throw new UsageError(
      `--${flag}: expected a decimal integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ""}, got "${value}"`,
    );
  return n;
};

/** A finite number flag value in decimal notation, or a `UsageError` naming the flag. */
export const numberFlag = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = parseDecimalNumber(value);
  if (n === undefined) throw new UsageError(`--${flag}: expected a decimal number, got "${value}"`);
  return n;
};

/**
 * A path flag's value, or a `UsageError` naming the flag: the empty string (it would silently mean the
 * current folder), and a FIFO, socket or device (reading one blocks forever or never ends), refused by
 * type before anything opens it. A missing path is left to the command to report.
 */
export const pathFlag = (flag: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (value.trim() === "") throw new UsageError(`--${flag}: expected a path, got an empty string`);
  const s = statSync(value, { throwIfNoEntry: false });
  const special =
    s === undefined
      ? undefined
      : s.isFIFO()
        ? "a FIFO (named pipe)"
        : s.isSocket()
          ? "a socket"
          : s.isCharacterDevice() || s.isBlockDevice()
            ? "a device"
            : undefined;
  if (special !== undefined) throw new UsageError(`--${flag}: ${value} is ${special}, not a file or folder`);
  return value;
};
