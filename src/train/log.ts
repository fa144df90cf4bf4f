/**
 * @file The run's JSONL log: one line per optimiser step, `{"step":…,"loss":…,"lr":…,"time":…}`,
 * appended as the run goes. On resume the log is cut back to the checkpoint's step (lines past it
 * belong to steps the resumed run does again), so a resumed run's log reads like an uninterrupted one.
 */

import { appendFileSync, existsSync, readFileSync } from "node:fs";
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

/** Appends one record. */
export const appendLog = (path: string, r: LogRecord): void => appendFileSync(path, logLine(r));

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
