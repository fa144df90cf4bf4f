// Prints "N passed, N failed" from vitest's JSON report, as the last line. A failed test counts once;
// a test file that failed with no failing test in it (an import error, a crash in a hook) counts as one
// failure; a test command that exited non-zero although the report shows no failure (unhandled errors,
// type errors outside the type tests) counts as one more. A missing report (the type check or vitest
// itself failed before reporting) or a run with no tests is a failure too.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

const [file = ".ci/vitest.json", status = "0"] = process.argv.slice(2);
const finish = (passed, failed, notes) => {
  for (const note of notes) console.log(note);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
};

if (!existsSync(file)) finish(0, 1, [`no vitest report at ${file}: the type check or vitest itself failed before reporting`]);
const report = JSON.parse(readFileSync(file, "utf8"));
const results = (report.testResults ?? []).map((r) => ({ ...r, name: relative(process.cwd(), r.name) }));
const failedTests = results.flatMap((r) =>
  r.assertionResults.filter((a) => a.status === "failed").map((a) => `FAIL ${r.name} > ${a.fullName}`),
);
const brokenFiles = results
  .filter((r) => r.status === "failed" && !r.assertionResults.some((a) => a.status === "failed"))
  .map((r) => `FAIL ${r.name}: ${(r.message ?? "").split("\n")[0]}`);
const notes = [...failedTests, ...brokenFiles];
let failed = (report.numFailedTests ?? 0) + brokenFiles.length;
if (failed === 0 && status !== "0") {
  notes.push(`the test command exited with status ${status} although no test failed (see the unhandled errors above)`);
  failed = 1;
}
finish(report.numPassedTests ?? 0, failed, notes);
