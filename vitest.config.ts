import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Type tests (`*.test-d.ts`) are checked by tsc and reported as tests too.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    reporters: ["default", "json"],
    outputFile: { json: ".ci/vitest.json" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
