#!/usr/bin/env node
/**
 * @file The `mwmae` command. For now it prints its usage and version; the subcommands arrive with the
 * work that builds them (pre-training, embedding extraction, model inspection), and this file will then
 * hand them to `src/cli/`. Plain JavaScript, so `node bin/mwmae.js --help` needs no build step.
 */

import { readFileSync } from "node:fs";

const { name, version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The planned subcommands and what each will do. */
const planned = {
  pretrain: "pre-train MW-MAE on a folder of audio (a built-in tiny default when none is given)",
  embed: "write HEAR-style scene and timestamp embeddings for audio files",
  inspect: "print a model's graph, parameter shapes and attention maps",
};

const usage = [
  `usage: mwmae <command> [options]`,
  ``,
  `commands (they arrive with later work; today each says so and exits 1):`,
  ...Object.entries(planned).map(([command, what]) => `  ${command.padEnd(10)} ${what}`),
  ``,
  `options:`,
  `  -h, --help     show this help`,
  `  -v, --version  show the version`,
  ``,
  `The tensor DSL itself is a library: see README.md and docs/tensor-dsl.md, or run \`npm run demo\`.`,
].join("\n");

const [command, ...rest] = process.argv.slice(2);

if (command === undefined || command === "-h" || command === "--help" || command === "help") {
  // Bare `mwmae` is a usage error: the help goes to stderr and the exit code says so.
  if (command === undefined) {
    console.error(usage);
    process.exit(2);
  }
  console.log(usage);
} else if (command === "-v" || command === "--version") {
  console.log(`${name} ${version}`);
} else if (Object.hasOwn(planned, command)) {
  console.error(`mwmae ${command}: not available yet in ${name} ${version}; it arrives with later work${rest.length > 0 ? ` (ignored: ${rest.join(" ")})` : ""}`);
  process.exit(1);
} else {
  console.error(`mwmae: unknown command "${command}"\n\n${usage}`);
  process.exit(2);
}
