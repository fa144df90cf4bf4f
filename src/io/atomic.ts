/**
 * @file Atomic file writes: the bytes go to a temporary file in the same folder, are fsynced, and the
 * file is renamed over the target (then the folder is fsynced), so a reader sees the old file or the
 * new one, never a torn write, even if the process dies half-way. The temporary name stays within the
 * file-system's 255-byte limit whatever the target's name, and carries the writer's pid, so temporary
 * files left by a killed writer can be recognised and removed later (`removeOrphanedTemps`).
 */

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, parse, resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";

/** A failed write: the target path and the reason. */
export interface WriteError {
  readonly kind: "write";
  readonly path: string;
  readonly message: string;
}

/** Bytes of the target's name kept in the temporary name (255 − room for the pid, a stamp and dots). */
const nameBytes = 200;
let counter = 0;

/** `name` cut to at most `max` UTF-8 bytes, on a character boundary. */
const truncateBytes = (name: string, max: number): string => {
  let out = name;
  while (Buffer.byteLength(out, "utf8") > max) out = Array.from(out).slice(0, -1).join("");
  return out;
};

/** The temporary name for `path`: `.<name, cut to 200 bytes>.<pid>.<stamp>.tmp`, in the same folder. */
export const tempPathFor = (path: string): string => {
  counter = (counter + 1) % 1296;
  const stamp = `${Date.now().toString(36)}${counter.toString(36).padStart(2, "0")}`;
  return join(dirname(path), `.${truncateBytes(basename(path), nameBytes)}.${process.pid}.${stamp}.tmp`);
};

/** Removes a file if it is there; never throws (clean-up must not hide the error that caused it). */
const removeQuietly = (path: string): void => {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing more can be done: the write already failed and says why.
  }
};

/** Writes all of `data` to `fd`; a write that makes no progress is an error, not a spin. */
const writeAll = (fd: number, data: Uint8Array): void => {
  let off = 0;
  while (off < data.length) {
    const n = writeSync(fd, data, off, data.length - off);
    if (n <= 0) throw new Error(`the file system accepted no bytes at offset ${off} of ${data.length}`);
    off += n;
  }
};

/**
 * Writes `bytes` to `path` atomically; `Left` names the path and the reason. Never throws: a failure
 * at any point (open, write, fsync, rename) removes the temporary file and returns the reason.
 * @example
 * writeFileAtomic("out/run.json", JSON.stringify(setup)); // Right(undefined), or Left({ kind: "write", path, message })
 */
export const writeFileAtomic = (path: string, bytes: Uint8Array | string): E.Either<WriteError, void> => {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, "wx");
    try {
      writeAll(fd, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncFolder(dirname(path));
    return E.right(undefined);
  } catch (e) {
    removeQuietly(tmp);
    return E.left({ kind: "write", path, message: e instanceof Error ? e.message : String(e) });
  }
};

/**
 * Creates `dir` and its missing parents, one level at a time. Node's `mkdirSync(…, { recursive: true })`
 * loops forever where a parent exists but refuses children with ENOENT (`/proc/x`); this fails instead.
 * `Left` names the folder and the reason (a file in the way, permissions, a read-only file system).
 * @example
 * makeFolders("runs/tiny/checkpoints"); // Right(undefined)
 */
export const makeFolders = (dir: string): E.Either<WriteError, void> => {
  const full = resolve(dir);
  const levels: string[] = [];
  for (let at = full; at !== parse(at).root; at = dirname(at)) levels.unshift(at);
  for (const level of levels) {
    try {
      if (statSync(level).isDirectory()) continue;
      return E.left({ kind: "write", path: dir, message: `${level} is a file, not a folder` });
    } catch {
      // Missing: create it below.
    }
    try {
      mkdirSync(level);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(level, { throwIfNoEntry: false })?.isDirectory() === true) continue;
      return E.left({ kind: "write", path: dir, message: `cannot create ${level}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return E.right(undefined);
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

const tempPattern = /^\..+\.(\d+)\.[0-9a-z]+\.tmp$/;

/** Whether process `pid` is running (a process of another user counts as running). */
const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Removes the temporary files of `writeFileAtomic` that writers which are no longer running left in
 * `folder` (a run killed mid-write leaves one, as large as a checkpoint); returns the files removed.
 * Files of running writers, and everything else, are left alone. Never throws.
 * @example
 * removeOrphanedTemps("runs/tiny/checkpoints"); // [".ckpt-00000050.safetensors.4242.m3x1a2b01.tmp"]
 */
export const removeOrphanedTemps = (folder: string): string[] => {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const m = tempPattern.exec(name);
    if (m === null || alive(Number(m[1]))) return false;
    const path = join(folder, name);
    try {
      if (!statSync(path).isFile()) return false;
    } catch {
      return false;
    }
    removeQuietly(path);
    return true;
  });
};
