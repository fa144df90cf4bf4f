/**
 * @file The flags that pick a command's backend, one mechanism for every command that runs a model:
 * `--backend NAME` (default per command: `wasm`, the fastest that matches the reference), `--threads N`
 * (the wasm backend's threads, default every core) and, for the reference interpreter, `--precision`.
 */

import * as E from "fp-ts/lib/Either.js";
import type { Backend } from "../backends/index.js";
import { backendNames, chooseBackend, type BackendName } from "../train/index.js";
import { intFlag, UsageError } from "./command.js";

/** The `parseArgs` entries of the backend flags. */
export const backendOptions = {
  backend: { type: "string" },
  threads: { type: "string" },
} as const;

/** The `--help` lines of the backend flags, naming the command's default. */
export const backendUsage = (fallback: BackendName): ReadonlyArray<string> => [
  `  --backend NAME         ${backendNames.join(" | ")} (default ${fallback})`,
  "  --threads N            threads of the wasm backend (default: every core; results are identical for any N)",
];

/** What the backend flags said. */
export interface BackendFlags {
  readonly backend?: string | boolean | undefined;
  readonly threads?: string | boolean | undefined;
  readonly precision?: string | boolean | undefined;
}

/**
 * The backend the flags name (`fallback` when `--backend` is absent); a `UsageError` names a bad value. `onNote` hears the
 * backend's notes (a code cache it cannot write, threads it cannot have), one line each.
 * @example
 * const backend = backendFromFlags({ backend: "wasm", threads: "1" }, "wasm", (line) => process.stderr.write(`mwmae embed: ${line}\n`));
 */
export const backendFromFlags = (f: BackendFlags, fallback: BackendName, onNote?: (line: string) => void): Backend => {
  const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);
  const name = str(f.backend) ?? fallback;
  const precision = str(f.precision);
  if (precision !== undefined && precision !== "f32" && precision !== "f64")
    throw new UsageError(`--precision: expected f32 or f64, got "${precision}"`);
  if (precision !== undefined && name !== "reference") throw new UsageError("--precision applies to the reference backend only");
  const threadsValue = str(f.threads);
  if (threadsValue !== undefined && name !== "wasm") throw new UsageError("--threads applies to the wasm backend only");
  const threads = threadsValue === undefined ? "all" : intFlag("threads", threadsValue, 1, 1, 256);
  const chosen = chooseBackend(name, {
    threads,
    ...(precision === undefined ? {} : { precision }),
    ...(onNote === undefined ? {} : { onNote }),
  });
  if (E.isLeft(chosen)) throw new UsageError(`--backend: ${chosen.left}`);
  return chosen.right;
};
