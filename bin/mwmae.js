#!/usr/bin/env node
/**
 * @file The `mwmae` command. Plain JavaScript that registers tsx's ESM loader and runs the TypeScript
 * CLI (src/cli/main.ts) directly, so `npx mwmae` and `node bin/mwmae.js` need no build step.
 */

import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv.slice(2));
// Exit once stdout is flushed: a backend's worker threads must not keep a finished command alive.
process.stdout.write("", () => process.exit(code));
