/**
 * @file Runs one fuzz category in this (child) process: `node --import tsx test/fuzz/run-category.ts
 * <category> <seed> [runs]`. Prints `case <i>` before each case (the parent's per-case time budget
 * watches these) and, at the end, one `result {json}` line: cases run, and the counterexample if any.
 */

import { targets } from "./targets";

const [name = "", seedText = "1", runsText] = process.argv.slice(2);
const target = targets[name];
if (target === undefined) {
  process.stdout.write(`result ${JSON.stringify({ error: `no fuzz category "${name}" (${Object.keys(targets).join(", ")})` })}\n`);
  process.exit(2);
}
let cases = 0;
const beat = () => {
  cases += 1;
  process.stdout.write(`case ${cases}\n`);
};
const numRuns = runsText === undefined ? target.runs : Number(runsText);
const details = await target.check(beat, { seed: Number(seedText), numRuns, endOnFailure: true });
process.stdout.write(
  `result ${JSON.stringify({
    category: target.name,
    runs: details.numRuns,
    cases,
    failed: details.failed,
    seed: details.seed,
    path: details.counterexamplePath,
    counterexample: details.counterexample,
    error: details.error,
  })}\n`,
);
