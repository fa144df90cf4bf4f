/**
 * @file The human-readable report: one row per result, grouped by workload, with our speed relative
 * to TensorFlow.js's on the same workload (tfjs median / ours: above 1 means we are faster).
 */

import type { BenchReport, BenchResult } from "./schema";

const fixed = (x: number | undefined, digits: number): string => (x === undefined ? "" : x.toFixed(digits));

/** tfjs's median for the row's workload divided by the row's median; absent for tfjs rows. */
export const speedVsTfjs = (report: BenchReport, r: BenchResult): number | undefined => {
  if (r.impl === "tfjs") return undefined;
  const peer = report.results.find((p) => p.impl === "tfjs" && p.workload === r.workload);
  return peer === undefined ? undefined : peer.medianMs / r.medianMs;
};

export const formatTable = (report: BenchReport, title: string): string => {
  const header = [
    "workload",
    "impl",
    "backend",
    "median ms",
    "min ms",
    "max ms",
    "GFLOP/s",
    "audio s/s",
    "launches",
    "compile ms",
    "first recon. ms",
    "peak MB",
    "memory MB",
    "speed vs tfjs",
  ];
  const rows = report.results.map((r) => [
    r.workload,
    r.impl,
    r.backend,
    fixed(r.medianMs, 1),
    fixed(r.minMs, 1),
    fixed(r.maxMs, 1),
    fixed(r.gflops, 2),
    fixed(r.audioSecondsPerSecond, 3),
    fixed(r.launches, 0),
    fixed(r.compileMs, 0),
    fixed(r.firstReconstructionMs, 0),
    fixed(r.peakBytes === undefined ? undefined : r.peakBytes / 2 ** 20, 1),
    fixed(r.memoryBytes === undefined ? undefined : r.memoryBytes / 2 ** 20, 1),
    fixed(speedVsTfjs(report, r), 3),
  ]);
  // Columns no row fills (audio s/s outside embed-tiny, tfjs ratios in the browser) are left out.
  const keep = header.map((_, i) => i < 6 || rows.some((row) => row[i] !== ""));
  const pick = (cells: ReadonlyArray<string>) => cells.filter((_, i) => keep[i]);
  const [head, body] = [pick(header), rows.map(pick)];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i < 3 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  const m = report.machine;
  return [`${title}: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}`, "", line(head), rule, ...body.map(line)].join("\n");
};
