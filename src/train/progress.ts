/**
 * @file How a run reports itself on stderr: a cli-progress bar with the loss, steps per second and
 * the ETA when stderr is a terminal (or when asked), otherwise plain lines every few steps, which read
 * well in CI logs and files; or nothing. Speeds are measured over the last few steps of this process.
 */

import cliProgress from "cli-progress";
import type { LogRecord } from "./log.js";

/** `auto`: a bar on a terminal, plain lines otherwise. */
export type ProgressMode = "auto" | "bar" | "plain" | "none";
/** Every `ProgressMode`, for option parsing (`--progress`). */
export const progressModes: ReadonlyArray<ProgressMode> = ["auto", "bar", "plain", "none"];

/** How a run reports its steps to the user: a bar, plain lines or nothing (see `progress`). */
export interface Progress {
  /** The run goes to `total` steps and `done` are behind it (a resumed run starts past 0). */
  readonly start: (total: number, done: number) => void;
  /** One step finished. */
  readonly step: (r: LogRecord) => void;
  /** A line for the user (checkpoint saved, stopping…) that does not break the bar. */
  readonly message: (line: string) => void;
  /** The run ended: close the bar. `runPretraining` calls it once, also when the run fails. */
  readonly stop: () => void;
}

/** Steps per second over a sliding window of the latest step times. */
const speedometer = (window = 20) => {
  const times: number[] = [];
  return {
    tick: (now: number): void => {
      times.push(now);
      if (times.length > window) times.shift();
    },
    /** Steps per second, NaN until two steps were timed. */
    rate: (): number => (times.length < 2 ? Number.NaN : (times.length - 1) / ((times[times.length - 1]! - times[0]!) / 1000)),
  };
};

/** `1h02m`, `3m05s`, `12s`; `?` when unknown. */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
};

const fmtLoss = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));

/** Plain lines on `write`, every `every` steps (default: about 20 per run) and at the first and last step. */
const plainProgress = (write: (s: string) => void, given: number | undefined, now: () => number): Progress => {
  const speed = speedometer();
  let total = 0;
  let every = 1;
  return {
    start: (t, done) => {
      total = t;
      every = given ?? Math.max(1, Math.round(t / 20));
      write(`training steps ${done + 1}…${t}\n`);
    },
    step: (r) => {
      speed.tick(now());
      if (r.step % every !== 0 && r.step !== total && r.step !== 1) return;
      const rate = speed.rate();
      write(
        `step ${r.step}/${total}  loss ${fmtLoss(r.loss)}  lr ${r.lr.toExponential(2)}  ${Number.isFinite(rate) ? rate.toFixed(2) : "?"} steps/s  ETA ${formatDuration((total - r.step) / rate)}\n`,
      );
    },
    message: (line) => write(`${line}\n`),
    stop: () => undefined,
  };
};

/** A cli-progress bar on stderr. */
const barProgress = (now: () => number): Progress => {
  const speed = speedometer();
  const multi = new cliProgress.MultiBar(
    {
      format: "{bar} {value}/{total} | loss {loss} | {speed} steps/s | ETA {remaining}",
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true, // draw even when forced onto a non-terminal
      notTTYSchedule: 1000,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  return {
    start: (t, done) => {
      total = t;
      bar = multi.create(t, done, { loss: "?", speed: "?", remaining: "?" });
    },
    step: (r) => {
      speed.tick(now());
      const rate = speed.rate();
      bar?.update(r.step, {
        loss: fmtLoss(r.loss),
        speed: Number.isFinite(rate) ? rate.toFixed(2) : "?",
        remaining: formatDuration((total - r.step) / rate),
      });
    },
    message: (line) => multi.log(`${line}\n`),
    stop: () => multi.stop(),
  };
};

/**
 * The reporter for `mode` (`auto` draws a bar only when stderr is a terminal). Plain lines come every
 * `every` steps (default: about 20 lines per run).
 * @example
 * const progress = makeProgress("auto", 10);
 */
export const makeProgress = (mode: ProgressMode, every?: number, now: () => number = () => performance.now()): Progress => {
  const resolved = mode === "auto" ? (process.stderr.isTTY === true ? "bar" : "plain") : mode;
  if (resolved === "bar") return barProgress(now);
  if (resolved === "plain") return plainProgress((s) => process.stderr.write(s), every, now);
  return { start: () => undefined, step: () => undefined, message: () => undefined, stop: () => undefined };
};
