/**
 * @file The gpu.js backend's runtime contract in Node: kernels are cached by structural key (a second
 * preparation compiles nothing), missing lowerings and gpu.js compile failures are reported with the
 * op, the backend and the source line, `checkFinite` names the op, `auto` says what it picked, and
 * dtypes survive the float32 round trip.
 */

import { describe, expect, it } from "vitest";
import { argmax, erf, exp, fromData, jit, less, log, matmul, NonFiniteError, prepared, spec, trace } from "../../src";
import { gpujs, GpujsCompileError, gpujsLowering, LoweringError, unsupported } from "../../src/backends/gpujs";

const mlp = trace(({ x, w }) => exp(matmul(x, w)), { x: spec([4, 3]), w: spec([3, 2]) });
const mlpArgs = [
  fromData(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((v) => v / 10),
    [4, 3],
  ),
  fromData([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2]),
];

describe("gpujs runtime (Node)", () => {
  it("compiles nothing when the same graph is prepared again", async () => {
    const backend = gpujs({ mode: "webasm" });
    const first = await backend.prepare(mlp);
    const compiles = backend.stats.compiles;
    expect(compiles).toBeGreaterThan(0);
    const second = await backend.prepare(mlp);
    expect(backend.stats.compiles).toBe(compiles);
    expect(backend.stats.cacheHits).toBeGreaterThanOrEqual(compiles);
    const [a, b] = [await first(mlpArgs), await second(mlpArgs)];
    expect(Array.from(b[0]!.data)).toEqual(Array.from(a[0]!.data));
  });

  it("counts one launch per kernel per call", async () => {
    const backend = gpujs({ mode: "cpu" });
    const run = await backend.prepare(mlp);
    const before = backend.stats.launches;
    await run(mlpArgs);
    expect(backend.stats.launches - before).toBe(backend.compile(mlp).kernels.length);
  });

  it("fails at compile time naming the op and the backend when a lowering is missing", async () => {
    const lowering = { ...gpujsLowering, unary: { ...gpujsLowering.unary, erf: unsupported("not in this table") } };
    const g = trace(({ x }) => erf(x), { x: spec([3]) });
    await expect(gpujs({ mode: "cpu", lowering }).prepare(g)).rejects.toThrow(LoweringError);
    await expect(gpujs({ mode: "cpu", lowering }).prepare(g)).rejects.toThrow('gpujs-cpu has no lowering for "erf"');
  });

  it("reports a gpu.js compile failure with the generated source and the failing line", async () => {
    const lowering = { ...gpujsLowering, unary: { ...gpujsLowering.unary, exp: (x: string) => `Math.exp(${x}) +* 1` } };
    const run = await gpujs({ mode: "webasm", lowering }).prepare(trace(({ x }) => exp(x), { x: spec([3]) }));
    const error = await run([fromData([1, 2, 3], [3])]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GpujsCompileError);
    const e = error as GpujsCompileError;
    expect(e.line).toBe(4);
    expect(e.message).toContain("Math.exp(v0) +* 1");
    expect(e.message).toMatch(/> {3}4 \| /);
  });

  it("checkFinite names the op that produced the first non-finite value", async () => {
    const g = trace(({ x }) => exp(log(x)), { x: spec([3]) });
    const run = await gpujs({ mode: "cpu", checkFinite: true, fuse: false }).prepare(g);
    const error = await run([fromData([1, -1, 2], [3])]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as NonFiniteError).op).toBe("log");
    expect((error as NonFiniteError).index).toBe(1);
  });

  it("auto picks WebAssembly on worker threads in Node (no GL, no WebGPU) and says so", async () => {
    const backend = gpujs({ mode: "auto" });
    expect(backend.name).toBe("gpujs-async");
    const f = await jit(({ x }) => exp(x), { x: spec([2]) }, backend);
    expect(f.backend).toBe("gpujs-async");
    const { data } = await f({ x: fromData([0, 1], [2]) });
    expect(data[1]).toBeCloseTo(Math.E, 5);
  });

  it("names the mode when gpu.js cannot run it here", async () => {
    await expect(gpujs({ mode: "webgpu" }).prepare(mlp)).rejects.toThrow(/gpujs-webgpu: gpu.js cannot run mode "webgpu"/);
  });

  it("returns i32 and bool outputs in their dtypes, and inputs passed straight through", async () => {
    const g = trace(({ x, y }) => [argmax(x), less(x, y), y], { x: spec([2, 3]), y: spec([2, 3]) });
    const run = await prepared(g, gpujs({ mode: "webasm" }));
    const x = fromData([1, 5, 2, 7, 0, 3], [2, 3]);
    const y = fromData([2, 2, 2, 2, 2, 2], [2, 3]);
    const [am, lt, same] = (await run([x, y] as never)) as unknown as Array<{ data: ArrayLike<number>; dtype: string }>;
    expect(am!.dtype).toBe("i32");
    expect(am!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(am!.data)).toEqual([1, 0]);
    expect(lt!.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(lt!.data)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(Array.from(same!.data)).toEqual(Array.from(y.data));
  });
});
