#!/usr/bin/env node
/**
 * @file The `mwmae` command: runs the compiled CLI (dist/cli/main.js, built by `npm run build`, which
 * `npm ci`, `npm install` and `npm pack` run through the `prepare` script).
 */

import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("mwmae: dist/ is missing: run `npm run build` in the mwmae-ts checkout\n");
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// Exit once stdout is flushed: a backend's worker threads must not keep a finished command alive.
process.stdout.write("", () => process.exit(code));
