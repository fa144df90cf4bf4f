/**
 * @file The wasm backend on 2 threads (a worker and the calling thread, one shared memory): kernels
 * with enough work split their outer tile loop, each part with its own packing scratch. Large enough
 * kernels (blocked and packed A·B with a fused elementwise epilogue, lanes over the reduction for A·Bᵀ
 * and a softmax) agree with the float64 reference, call after call, as on one thread. Tolerance as in
 * wasm-kernels.test.ts: |got − want| ≤ 1e-5·(1 + k) + 1e-5·|want| for k-term float32 sums.
 */

import { describe, expect, it } from "vitest";
import {
  add,
  exp,
  fromData,
  initMwmha,
  jit,
  key,
  matmul,
  mul,
  mwmha,
  realize,
  reference,
  softmax,
  spec,
  sum,
  trace,
  transpose,
  valueAndGrad,
  withShape,
  windowSizesAuto,
  type HostTensor,
  type MultiWindowAttention,
  type Tensor,
} from "../../src";
import { threadSupport, wasm } from "../../src/backends/wasm";
import { uniform } from "../support/matmul-cases";
import { worstError } from "./gpujs-node-support";

const host = (shape: ReadonlyArray<number>, seed: number): HostTensor =>
  fromData(
    uniform(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

describe("wasm on 2 threads", () => {
  it("splits large kernels and agrees with the reference", async () => {
    const graph = trace(
      ({ a, b, c }: { a: Tensor; b: Tensor; c: Tensor }) => {
        const ab = matmul(a, b) as Tensor;
        return [ab, softmax(matmul(a, transpose(c)) as Tensor), exp(mul(add(ab, 1), 0.25) as Tensor)];
      },
      { a: spec([96, 72]), b: spec([72, 136]), c: spec([100, 72]) } as never,
    );
    const values = [host([96, 72], 1), host([72, 136], 2), host([100, 72], 3)];
    const want = await (await reference({ precision: "f64" }).prepare(graph))(values);
    const backend = wasm({ threads: 2 });
    const run = await backend.prepare(graph);
    try {
      expect(backend.name).toBe("wasm-simd-x2");
      for (let call = 0; call < 2; call++) {
        const got = await run(values);
        want.forEach((w, i) => {
          const e = worstError(got[i]!.data, w.data, 1e-5, 1e-5 * 73);
          expect(e.excess, `call ${call}, output ${i}: got ${e.got}, want ${e.want} at ${e.at}`).toBeLessThanOrEqual(0);
        });
      }
    } finally {
      await run.close();
      await backend.close();
    }
  });

  it("is bit-identical to one thread: MW-MHA forward and backward, every output", async () => {
    const [batch, tokens, width, heads] = [2, 50, 64, 4];
    const windows = windowSizesAuto(tokens, heads);
    const args = {
      params: await realize(initMwmha(key(0), { dim: width, windows })),
      x: host([batch, tokens, width], 3),
      cot: host([batch, tokens, width], 4),
    };
    const layer = (p: { readonly params: MultiWindowAttention; readonly x: Tensor }, cot: Tensor) =>
      withShape([] as const)(sum(mul(mwmha(p.params, { windows })(p.x as Tensor<readonly [number, number, number]>), cot)));
    const one = wasm({ threads: 1 });
    const two = wasm({ threads: 2 });
    try {
      const f1 = await jit(({ params, x, cot }) => valueAndGrad(layer)({ params, x }, cot), args, one);
      const f2 = await jit(({ params, x, cot }) => valueAndGrad(layer)({ params, x }, cot), args, two);
      const bits = (v: unknown): Uint32Array[] => {
        const out: Uint32Array[] = [];
        const walk = (u: unknown): void => {
          if (u instanceof Float32Array) out.push(new Uint32Array(u.buffer, u.byteOffset, u.length));
          else if (typeof u === "object" && u !== null) for (const k of Object.keys(u).sort()) walk((u as Record<string, unknown>)[k]);
        };
        walk(v);
        return out;
      };
      const [a, b] = [bits(await f1(args)), bits(await f2(args))];
      expect(a.length).toBeGreaterThan(5);
      expect(b.length).toBe(a.length);
      a.forEach((x, i) =>
        expect(
          Buffer.from(b[i]!.buffer, b[i]!.byteOffset, b[i]!.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength)),
          `output ${i}`,
        ).toBe(true),
      );
      expect(two.stats.splitLaunches).toBeGreaterThan(0);
      expect(one.stats.splitLaunches).toBe(0);
    } finally {
      await two.close();
    }
  });

  it("shares one pool between programs, and starts a new one after close", async () => {
    const graph = (n: number) =>
      trace(({ a, b }: { a: Tensor; b: Tensor }) => matmul(a, b) as Tensor, { a: spec([n, n]), b: spec([n, n]) } as never);
    const values = (n: number) => [host([n, n], n), host([n, n], n + 1)];
    const backend = wasm({ threads: 2 });
    const agrees = async (run: (v: ReadonlyArray<HostTensor>) => Promise<HostTensor[]>, n: number): Promise<void> => {
      const want = await (await reference({ precision: "f64" }).prepare(graph(n)))(values(n));
      const e = worstError((await run(values(n)))[0]!.data, want[0]!.data, 1e-5, 1e-5 * (n + 1));
      expect(e.excess, `n ${n}: got ${e.got}, want ${e.want} at ${e.at}`).toBeLessThanOrEqual(0);
    };
    const r1 = await backend.prepare(graph(96));
    const r2 = await backend.prepare(graph(128));
    await agrees(r1, 96);
    await agrees(r2, 128);
    await r1.close(); // dropped from the workers; r2 still runs on them
    await agrees(r2, 128);
    await backend.close();
    await agrees(await backend.prepare(graph(112)), 112); // a fresh pool
    expect(backend.stats.splitLaunches).toBe(4);
    await backend.close();
  });

  it("defaults to every core where threads exist", () => {
    const support = threadSupport();
    const backend = wasm();
    expect(support.ok).toBe(true);
    expect(backend.threads).toBe(support.ok ? support.cores : 1);
    expect(wasm({ threads: 1 }).name).toBe("wasm-simd");
  });

  it("runs on one thread where there are no worker threads, and says so once", async () => {
    const proc = process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined; // as in a browser, or Node before 20.16
    try {
      const support = threadSupport();
      expect(support).toMatchObject({ ok: false, why: expect.stringContaining("worker_threads") });
      const notes: string[] = [];
      const first = wasm({ threads: 2, onNote: (line) => notes.push(line) });
      const second = wasm({ onNote: (line) => notes.push(line) });
      expect([first.threads, second.threads, first.name]).toEqual([1, 1, "wasm-simd"]);
      expect(notes).toEqual([`wasm: running on one thread (2 asked for): ${support.ok ? "" : support.why}`]);
      const graph = trace(({ a }: { a: Tensor }) => matmul(a, a) as Tensor, { a: spec([128, 128]) } as never);
      const run = await first.prepare(graph);
      const a = host([128, 128], 9);
      const want = await (await reference({ precision: "f64" }).prepare(graph))([a]);
      const e = worstError((await run([a]))[0]!.data, want[0]!.data, 1e-5, 1e-5 * 129);
      expect(e.excess).toBeLessThanOrEqual(0);
      expect(first.stats.splitLaunches).toBe(0);
    } finally {
      proc.getBuiltinModule = saved;
    }
  });
});
