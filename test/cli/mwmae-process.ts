/**
 * @file Runs `node bin/mwmae.js …` as a child process, as a user would: exit code, stdout, stderr.
 */

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `mwmae …args`, resolved when the process exits. */
export const mwmae = (...args: string[]): Promise<Result> =>
  new Promise((done) => {
    execFile(process.execPath, ["bin/mwmae.js", ...args], { cwd: root, timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    );
  });
