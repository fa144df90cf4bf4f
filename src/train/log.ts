/**
 * @file The run's JSONL log: one line per optimiser step, `{"step":…,"loss":…,"lr":…,"time":…}`,
 * appended as the run goes. On resume the log is cut back to the checkpoint's step (lines past it
 * belong to steps the resumed run does again), so a resumed run's log reads like an uninterrupted one.
 */

import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { writeFileAtomic } from "../io/node.js";

/** One step of the log. */
export const LogRecord = t.type({
  /** Steps completed, counting this one (1 for the first). */
  step: t.number,
  /** The loss of the batch, before the update. */
  loss: t.number,
  /** The learning rate the update used. */
  lr: t.number,
  /** Seconds of training since the run began (over every resumption). */
  time: t.number,
});
export type LogRecord = t.TypeOf<typeof LogRecord>;

/** The record as its JSONL line (NaN and infinities, which JSON lacks, as null). */
export const logLine = (r: LogRecord): string =>
  `${JSON.stringify({ step: r.step, loss: Number.isFinite(r.loss) ? r.loss : null, lr: r.lr, time: Number(r.time.toFixed(3)) })}\n`;

/**
 * Appends one record, whole or not at all: a failed or short write (a full disk) is cut back to the
 * log's previous length, so the log never ends in half a line. `Left` names the log and the reason.
 * @example
 * appendLog("runs/x/log.jsonl", { step: 1, loss: 0.9, lr: 1e-6, time: 0.4 }); // Right(undefined)
 */
export const appendLog = (path: string, r: LogRecord): E.Either<string, void> => {
  const line = Buffer.from(logLine(r), "utf8");
  let fd: number | undefined;
  let before = 0;
  try {
    fd = openSync(path, "a");
    before = fstatSync(fd).size;
    let off = 0;
    while (off < line.length) {
      const n = writeSync(fd, line, off, line.length - off);
      if (n <= 0) throw new Error("the file system accepted no bytes");
      off += n;
    }
    return E.right(undefined);
  } catch (e) {
    if (fd !== undefined) {
      try {
        ftruncateSync(fd, before);
      } catch {
        // The line may stay torn; readLog skips a line that does not decode.
      }
    }
    return E.left(`${path}: cannot append to the log: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Closing a log we could not write adds nothing to the error above.
      }
    }
  }
};

/** The records of a log; lines that do not decode (a line torn by a crash) are skipped. */
export const readLog = (path: string): LogRecord[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .flatMap((line): LogRecord[] => {
          try {
            const raw = JSON.parse(line) as { loss?: unknown };
            const decoded = LogRecord.decode({ ...raw, loss: raw.loss === null ? Number.NaN : raw.loss });
            return E.isRight(decoded) ? [decoded.right] : [];
          } catch {
            return [];
          }
        })
    : [];

/** Rewrites the log (atomically) keeping the records up to `step`; returns them. */
export const trimLog = (path: string, step: number): E.Either<string, LogRecord[]> => {
  const kept = readLog(path).filter((r) => r.step <= step);
  return E.bimap(
    (e: { message: string }) => `${path}: ${e.message}`,
    () => kept,
  )(writeFileAtomic(path, kept.map(logLine).join("")));
};
