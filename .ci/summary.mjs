// Prints "N passed, N failed" from vitest's JSON report; a missing report (tsc failed, vitest crashed)
// or a run with no tests counts as a failure.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".ci/vitest.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  console.error(`no vitest report at ${file}: the type check or vitest itself failed before reporting`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
