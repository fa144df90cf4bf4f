/**
 * @file Atomic file writes: the bytes go to a temporary file in the same folder, are fsynced, and the
 * file is renamed over the target (then the folder is fsynced), so a reader sees the old file or the
 * new one, never a torn write, even if the process dies half-way.
 */

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either.js";

export interface WriteError {
  readonly kind: "write";
  readonly path: string;
  readonly message: string;
}

/** Writes `bytes` to `path` atomically; `Left` names the path and the reason. */
export const writeFileAtomic = (path: string, bytes: Uint8Array | string): E.Either<WriteError, void> => {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncFolder(dirname(path));
    return E.right(undefined);
  } catch (e) {
    rmSync(tmp, { force: true });
    return E.left({ kind: "write", path, message: e instanceof Error ? e.message : String(e) });
  }
};

/** fsync of a folder makes the rename durable; some file systems refuse it, which is harmless. */
const syncFolder = (folder: string): void => {
  try {
    const fd = openSync(folder, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported here (e.g. some network file systems): the rename is still atomic.
  }
};
