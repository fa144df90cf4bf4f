/**
 * @file The run log under a full disk (issue 9): an append that fails half-way (ENOSPC after part of
 * the line) is cut back to the log's previous length and returned as a `Left` naming the log, so the
 * log never ends in half a line and nothing is thrown.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it, vi } from "vitest";
import { appendLog, readLog } from "../../src/train/log";
import { removeDir, tempDir } from "./tiny-run";

/** When set, the next write to a file whose path contains this string writes 10 bytes, then the disk is full. */
const full = vi.hoisted(() => ({ path: "" as string, fds: new Set<number>() }));
vi.mock("node:fs", async (original) => {
  const fs = await original<typeof import("node:fs")>();
  return {
    ...fs,
    openSync: (path: string, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      if (full.path !== "" && String(path).includes(full.path)) full.fds.add(fd);
      return fd;
    },
    writeSync: (fd: number, data: Uint8Array, offset: number, length: number) => {
      if (!full.fds.has(fd)) return (fs.writeSync as (...a: unknown[]) => number)(fd, data, offset, length);
      full.fds.delete(fd);
      fs.writeSync(fd, data, offset, Math.min(10, length));
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    },
  };
});

const dir = tempDir("log-enospc-");
afterAll(() => removeDir(dir));

describe("appendLog", () => {
  it("leaves no half line when the disk fills during an append", () => {
    const log = join(dir, "log.jsonl");
    writeFileSync(log, "");
    expect(E.isRight(appendLog(log, { step: 1, loss: 0.5, lr: 0.1, time: 1 }))).toBe(true);
    const before = readFileSync(log, "utf8");
    full.path = "log.jsonl";
    const r = appendLog(log, { step: 2, loss: 0.25, lr: 0.1, time: 2 });
    full.path = "";
    expect(r).toEqual(E.left(`${log}: cannot append to the log: ENOSPC: no space left on device, write`));
    expect(readFileSync(log, "utf8")).toBe(before);
    expect(readLog(log).map((x) => x.step)).toEqual([1]);
    expect(E.isRight(appendLog(log, { step: 2, loss: 0.25, lr: 0.1, time: 2 }))).toBe(true);
    expect(readLog(log).map((x) => x.step)).toEqual([1, 2]);
  });

  it("a log that cannot be opened is a Left, not a throw", () => {
    const r = appendLog(join(dir, "missing", "log.jsonl"), { step: 1, loss: 0.5, lr: 0.1, time: 1 });
    expect(E.isLeft(r) && r.left).toMatch(/missing\/log\.jsonl: cannot append to the log: ENOENT/);
  });
});
