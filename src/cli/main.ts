/**
 * @file The `mwmae` dispatcher: `mwmae <command> [options]`, `--help`, `--version`. Each command's
 * module loads only when that command runs, so `--help` and `--version` start without the library.
 * An unexpected throw becomes one line and exit code 1 (the stack with `--debug`).
 */

import { readFileSync } from "node:fs";
import { exitCodes, type Command } from "./command.js";

/** A command as `mwmae --help` lists it; `load` imports its module when it runs. */
export interface CommandEntry {
  /** The word after `mwmae`. */
  readonly name: string;
  /** One line for `mwmae --help`. */
  readonly summary: string;
  /** Imports the command's module. */
  readonly load: () => Promise<Command>;
}

/** Every command, in the order `--help` lists them. */
export const commands: ReadonlyArray<CommandEntry> = [
  {
    name: "pretrain",
    summary: "pre-train MW-MAE or the plain MAE (synthetic corpus or a folder of WAVs), with exact resume",
    load: async () => (await import("./pretrain.js")).pretrainCommand,
  },
  {
    name: "embed",
    summary: "HEAR scene and timestamp embeddings of WAV files, folders or HEAR tasks (.npy or JSON)",
    load: async () => (await import("./embed.js")).embedCommand,
  },
  {
    name: "evaluate",
    summary: "the HEAR downstream protocol on embedded task folders (scene and event tasks), mean ± 95% CI over seeds",
    load: async () => (await import("./evaluate.js")).evaluateCommand,
  },
  {
    name: "hear",
    summary: "embed + evaluate + tabulate: every checkpoint on every HEAR task, resumable, with a report",
    load: async () => (await import("./hear.js")).hearCommand,
  },
  {
    name: "experiment",
    summary: "the paper's comparison, rerunnable: pre-train MW-MAE and MAE alike, then `hear` on them and a random init",
    load: async () => (await import("./experiment.js")).experimentCommand,
  },
  {
    name: "table",
    summary: "results of several models as tasks × models (mean ± 95% CI), s(m), the paper's numbers; HTML report",
    load: async () => (await import("./table.js")).tableCommand,
  },
  {
    name: "analyze",
    summary: "attention entropy and distance per head, PWCCA and CKA between encoder layers; JSON and HTML heat maps",
    load: async () => (await import("./analyze.js")).analyzeCommand,
  },
  {
    name: "inspect",
    summary: "print a model's config, windows per head, parameter counts, graph and kernel summary",
    load: async () => (await import("./inspect.js")).inspectCommand,
  },
  {
    name: "export",
    summary: "write a run's checkpoint for the official JAX trainer (checkpoint_<step> and its config file)",
    load: async () => (await import("./export.js")).exportCommand,
  },
  {
    name: "demo",
    summary: "the main job: pre-train MW-MAE and MAE on the synthetic corpus, probe, HTML report",
    load: async () => (await import("./demo.js")).demoCommand,
  },
  {
    name: "explore",
    summary: "serve the explorer page on 127.0.0.1: MW-MAE and MAE live in the browser (docs/explorer.md)",
    load: async () => (await import("./explore.js")).exploreCommand,
  },
];

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
  "  --debug        print the stack of an unexpected error",
  "",
  "exit codes: 0 ok, 1 runtime failure, 2 bad usage. See docs/cli.md.",
].join("\n");

/**
 * Runs `mwmae` with `argv` (the arguments after the program name); resolves to the exit code.
 * @example
 * process.exitCode = await main(["inspect", "--json", "--preset", "mwmae-base-4x16"]);
 */
export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const debug = argv.includes("--debug");
  const [name, ...rest] = argv.filter((a) => a !== "--debug");
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
  const entry = commands.find((c) => c.name === name);
  if (entry === undefined) {
    process.stderr.write(`mwmae: unknown command "${name}"\n\n${usage}\n`);
    return exitCodes.usage;
  }
  // Signals are caught before the command's modules load (the slow part of start-up for most
  // commands): a stop requested then ends the command before it starts, with nothing half-written.
  let early: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals): void => {
    if (early !== undefined) process.exit(signal === "SIGINT" ? 130 : 143);
    early = signal;
  };
  process.on("SIGINT", hold);
  process.on("SIGTERM", hold);
  try {
    let command: Command;
    try {
      command = await entry.load();
    } finally {
      process.off("SIGINT", hold);
      process.off("SIGTERM", hold);
    }
    if (early !== undefined) {
      process.stderr.write(`mwmae ${name}: ${early} before the command started; nothing was done\n`);
      return early === "SIGINT" ? 130 : 143;
    }
    return await command.run(rest);
  } catch (e) {
    const line = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message.split("\n")[0]!) : String(e);
    process.stderr.write(`mwmae ${name}: ${line}${debug ? "" : " (--debug for the stack)"}\n`);
    return exitCodes.failure;
  }
};
