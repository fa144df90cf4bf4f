/**
 * @file Command-line options of `npm run bench` and `npm run bench:browser`, decoded with io-ts so a
 * misspelt workload is an error that lists the valid ones.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { Workload, workloads } from "./schema";

const Runs = new t.Type<number, number, unknown>(
  "Runs",
  (u): u is number => typeof u === "number" && Number.isInteger(u) && u >= 1,
  (u, c) => {
    const n = typeof u === "string" ? Number(u) : u;
    return typeof n === "number" && Number.isInteger(n) && n >= 1 ? t.success(n) : t.failure(u, c, "expected an integer ≥ 1");
  },
  t.identity,
);

export const BenchOptions = t.type({
  /** Print one JSON object instead of the table. */
  json: t.boolean,
  /** Fewer runs, smaller attention and model, for the CI smoke test. */
  quick: t.boolean,
  /** Only these workloads (all when empty). */
  only: t.array(Workload),
  /** Timed runs per job (default 5, 3 with --quick). */
  runs: Runs,
  /**
   * Run the model workloads on every backend, not only the fast ones: about 100 GFLOP per training step
   * at ~1 GFLOP/s is minutes per call, so they are left out unless asked for.
   */
  slow: t.boolean,
});
export type BenchOptions = t.TypeOf<typeof BenchOptions>;

export const usage = `usage: bench [--json] [--quick] [--only <workload>]... [--runs <n>] [--slow] [--help]
workloads: ${workloads.join(", ")}`;

/** Parses argv (after the script name); Left carries the messages and the usage. */
export const parseBenchOptions = (argv: ReadonlyArray<string>): E.Either<string, BenchOptions> => {
  const raw = { json: false, quick: false, slow: false, only: [] as string[], runs: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") raw.json = true;
    else if (arg === "--quick") raw.quick = true;
    else if (arg === "--slow") raw.slow = true;
    else if (arg === "--only" && i + 1 < argv.length) raw.only.push(argv[++i]!);
    else if (arg === "--runs" && i + 1 < argv.length) raw.runs = argv[++i]!;
    else return E.left(`unknown option ${arg}\n${usage}`);
  }
  return pipe(
    BenchOptions.decode({ ...raw, runs: raw.runs ?? (raw.quick ? 3 : 5) }),
    E.mapLeft((errors) => `${PathReporter.report(E.left(errors)).join("\n")}\n${usage}`),
  );
};
