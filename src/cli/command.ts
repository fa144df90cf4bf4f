/**
 * @file What every `mwmae` subcommand is, and the few helpers they share: strict flag parsing whose
 * errors name the flag, usage errors as a type (exit 2), and the exit codes. A command is a plain
 * record; `main.ts` dispatches on its name.
 */

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

/** An integer flag value ≥ `min`, or a `UsageError` naming the flag. */
export const intFlag = (flag: string, value: string | undefined, fallback: number, min = 1): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got "${value}"`);
  return n;
};

/** A finite number flag value, or a `UsageError` naming the flag. */
export const numberFlag = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${flag}: expected a number, got "${value}"`);
  return n;
};
