/**
 * @file CI smoke test of `npm run bench`: a quick run prints one JSON object that decodes as a
 * `BenchReport` and holds the rows it promises; and the TensorFlow.js attention layers compute what
 * ours do, so the ratios compare equal work. No timing is asserted.
 */

import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeBenchReport } from "../bench/schema";
import { parseBenchOptions } from "../bench/options";
import { fastBackends, ourBackends } from "../bench/backends";
import { formatTable } from "../bench/table";
import { jit, mul, mwmha, attention, reference, sum, withShape, type Tensor } from "../src";
import { mhaData, mwmhaData, quickAttentionSize, windowsFor } from "../bench/workloads/data";
import { initTfjs, tfjsAttentionLoss } from "../bench/workloads/tfjs";

const run = promisify(execFile);

describe("npm run bench", () => {
  it("prints one BenchReport for --quick --json --only matmul-256, with tfjs, reference and a hand kernel", async () => {
    const { stdout } = await run("npx", ["tsx", "bench/main.ts", "--quick", "--json", "--only", "matmul-256"], { timeout: 60_000 });
    const report = decodeBenchReport(JSON.parse(stdout));
    if (E.isLeft(report)) throw new Error(report.left.join("\n"));
    const rows = report.right.results;
    expect(new Set(rows.map((r) => r.workload))).toEqual(new Set(["matmul-256"]));
    expect(rows.map((r) => `${r.impl} ${r.backend}`)).toEqual(
      expect.arrayContaining(["tfjs wasm", "mwmae-ts reference-f32", "mwmae-ts gpujs-webasm/rows4u4"]),
    );
    for (const r of rows) expect(r.gflops).toBeGreaterThan(0);
    expect(report.right.machine.cores).toBeGreaterThan(0);
  });

  it("rejects a report whose median lies outside [min, max], naming the row", () => {
    const row = { workload: "matmul-256", impl: "tfjs", backend: "wasm", medianMs: 5, minMs: 6, maxMs: 7 };
    const bad = decodeBenchReport({ machine: { cpu: "x", cores: 1, node: "v20", platform: "linux" }, results: [row] });
    expect(bad).toEqual(E.left(["matmul-256/tfjs/wasm: min ≤ median ≤ max fails"]));
  });

  it("times the wasm backend on one thread and, on a multi-core machine, on every core, both among the fast backends", async () => {
    const names = (await ourBackends()).map((b) => b.name);
    const all = availableParallelism() > 1 ? [`wasm-simd-x${availableParallelism()}`] : [];
    expect(names.filter((n) => n.startsWith("wasm"))).toEqual(["wasm-simd", ...all]);
    expect(fastBackends).toEqual(expect.arrayContaining(["wasm-simd", ...all]));
  });

  it("decodes a train-step row's memoryBytes and prints it as memory MB", () => {
    const row = { workload: "train-step-tiny", impl: "tfjs", backend: "wasm", medianMs: 5, minMs: 4, maxMs: 6, memoryBytes: 3 * 2 ** 20 };
    const report = decodeBenchReport({ machine: { cpu: "x", cores: 1, node: "v20", platform: "linux" }, results: [row] });
    if (E.isLeft(report)) throw new Error(report.left.join("\n"));
    const [head, , body] = formatTable(report.right, "t").split("\n").slice(2);
    expect(head).toContain("memory MB");
    expect(body).toMatch(/\| +3\.0 \|/);
    expect(E.isLeft(decodeBenchReport({ machine: report.right.machine, results: [{ ...row, memoryBytes: -1 }] }))).toBe(true);
  });

  it("rejects an unknown workload in --only, listing the valid ones", () => {
    const parsed = parseBenchOptions(["--only", "matmul-3"]);
    expect(E.isLeft(parsed) && parsed.left).toContain("workloads: matmul-256, matmul-512");
  });
});

describe("the TensorFlow.js attention workloads", () => {
  // Ours in float64; tfjs in float32 over sums of ~10³ terms: 1e-4 relative is float32 rounding, not a bug.
  it.each(["mha-fwd-bwd", "mwmha-fwd-bwd"] as const)("%s: the loss Σ layer(x)·cot equals ours", async (workload) => {
    await initTfjs();
    const size = quickAttentionSize;
    const layer = (params: never, x: Tensor) =>
      workload === "mha-fwd-bwd"
        ? attention(params, { heads: size.heads })(x as never)
        : mwmha(params, { windows: windowsFor(size) })(x as never);
    const data = workload === "mha-fwd-bwd" ? await mhaData(size) : await mwmhaData(size);
    const f = await jit(
      ({ params, x, cot }) => withShape([] as const)(sum(mul(layer(params as never, x), cot))),
      data,
      reference({ precision: "f64" }),
    );
    const ours = (await f(data)).data[0]!;
    expect(Math.abs((await tfjsAttentionLoss(workload, size)) - ours)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ours)));
  });
});
