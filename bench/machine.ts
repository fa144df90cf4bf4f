/** @file The machine a report was measured on: CPU model, core count, Node version, platform. */

import { arch, cpus, platform } from "node:os";
import type { BenchReport } from "./schema";

export const machine = (): BenchReport["machine"] => ({
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  node: process.version,
  platform: `${platform()} ${arch()}`,
});
