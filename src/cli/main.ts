/**
 * @file The `mwmae` dispatcher: `mwmae <command> [options]`, `--help`, `--version`. Each command is a
 * `Command` record; this file only finds it, runs it and turns an unexpected throw into exit code 1.
 */

import { readFileSync } from "node:fs";
import { exitCodes, type Command } from "./command";
import { demoCommand } from "./demo";
import { embedCommand } from "./embed";
import { inspectCommand } from "./inspect";
import { pretrainCommand } from "./pretrain";

/** Every command, in the order `--help` lists them. */
export const commands: ReadonlyArray<Command> = [pretrainCommand, embedCommand, inspectCommand, demoCommand];

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };

const usage = [
  "usage: mwmae <command> [options]",
  "",
  "commands:",
  ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
  "",
  "options:",
  "  -h, --help     show this help (and `mwmae <command> --help` for a command's)",
  "  -v, --version  show the version",
  "",
  "exit codes: 0 ok, 1 runtime failure, 2 bad usage. See docs/cli.md.",
].join("\n");

/**
 * Runs `mwmae` with `argv` (the arguments after the program name); resolves to the exit code.
 * @example
 * process.exitCode = await main(["inspect", "--json", "--preset", "mwmae-base-4x16"]);
 */
export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${usage}\n`); // bare `mwmae` is a usage error: help on stderr, exit 2
    return exitCodes.usage;
  }
  if (name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(`${usage}\n`);
    return exitCodes.ok;
  }
  if (name === "-v" || name === "--version") {
    process.stdout.write(`${pkg.name} ${pkg.version}\n`);
    return exitCodes.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`mwmae: unknown command "${name}"\n\n${usage}\n`);
    return exitCodes.usage;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    process.stderr.write(`mwmae ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return exitCodes.failure;
  }
};
