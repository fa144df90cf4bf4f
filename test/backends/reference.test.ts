/**
 * @file The reference backend as the oracle: float32 rounds after every op while float64 does not,
 * `checkFinite` blames the first op that makes a NaN or ±Inf, `jit` checks its inputs by name, every
 * call is a Promise, and long chains run (their intermediate buffers are freed as they go).
 */
import { describe, expect, it } from "vitest";
import {
  add,
  div,
  exp,
  fromData,
  input,
  jit,
  lift,
  log,
  matmul,
  mul,
  NonFiniteError,
  realize,
  reference,
  ShapeError,
  spec,
  sqrt,
  sum,
  trace,
  type Tensor,
} from "../../src";

describe("reference precision", () => {
  it("rounds to float32 after every op in f32 and keeps float64 in f64", async () => {
    const f = ({ x }: { x: Tensor<readonly [1]> }) => add(x, 1e-8);
    const x = { x: fromData([1], [1] as const) };
    const f32 = await (await jit(f, { x: spec([1] as const) }, reference()))(x);
    const f64 = await (await jit(f, { x: spec([1] as const) }, reference({ precision: "f64" })))(x);
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(f32.data[0]).toBe(1); // 1 + 1e-8 rounds back to 1 in float32 (ulp 1.19e-7)
    expect(f64.data[0]).toBe(1 + 1e-8);
  });

  it("accumulates rounding along a chain only in f32", async () => {
    // 1000 additions of 1e-8 to 1: each rounds away in float32, all survive in float64.
    const chain = ({ x }: { x: Tensor<readonly [1]> }) => {
      let y: Tensor<readonly [1]> = x;
      for (let i = 0; i < 1000; i++) y = add(y, 1e-8);
      return y;
    };
    const x = { x: fromData([1], [1] as const) };
    const f32 = await (await jit(chain, { x: spec([1] as const) }, reference()))(x);
    const f64 = await (await jit(chain, { x: spec([1] as const) }, reference({ precision: "f64" })))(x);
    expect(f32.data[0]).toBe(1);
    expect(f64.data[0]).toBeCloseTo(1 + 1e-5, 12);
  });

  it("names itself by its precision", () => {
    expect(reference().name).toBe("reference-f32");
    expect(reference({ precision: "f64" }).name).toBe("reference-f64");
  });

  it("keeps integers exact in both precisions", async () => {
    const big = 2 ** 24 + 1; // not representable in float32
    const f = await jit(({ n }) => add(n, 0), { n: spec([1] as const, "i32") }, reference());
    expect(Array.from((await f({ n: fromData([big], [1] as const, "i32") })).data)).toEqual([big]);
  });
});

describe("checkFinite", () => {
  // log of a negative inside a bigger graph: exp, mul, sum and sqrt after it would all carry the NaN on.
  const graphOf = (x: Tensor<readonly [4]>, w: Tensor<readonly [4]>) => sqrt(sum(mul(exp(log(x)), w)));
  const args = { x: fromData([1, 2, -3, 4], [4] as const), w: fromData([1, 1, 1, 1], [4] as const) };
  const specs = { x: spec([4] as const), w: spec([4] as const) };

  it("names the first op that produces a NaN, not a later one", async () => {
    const f = await jit(({ x, w }) => graphOf(x, w), specs, reference({ checkFinite: true }));
    const err = await f(args).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect(e.op).toBe("log");
    expect(e.index).toBe(2);
    expect(e.shape).toEqual([4]);
    expect(e.value).toBeNaN();
    expect(e.message).toMatch(/^log produced NaN at flat index 2 of /);
  });

  it("names the op that produces an infinity", async () => {
    const f = await jit(({ x }) => sum(mul(div(1, x), 2)), { x: spec([3] as const) }, reference({ checkFinite: true }));
    await expect(f({ x: fromData([1, 0, 2], [3] as const) })).rejects.toThrow(/^div produced Infinity at flat index 1/);
  });

  it("lets NaNs through when off (the default)", async () => {
    const f = await jit(({ x, w }) => graphOf(x, w), specs, reference());
    expect((await f(args)).data[0]).toBeNaN();
  });

  it("stays quiet on finite graphs", async () => {
    const f = await jit(({ x, w }) => graphOf(x, w), specs, reference({ checkFinite: true }));
    const ok = await f({ ...args, x: fromData([1, 2, 3, 4], [4] as const) });
    expect(ok.data[0]).toBeCloseTo(Math.sqrt(10), 5);
  });
});

describe("jit input binding", () => {
  const specs = { x: spec([2, 3] as const), w: spec([3, 2] as const) };
  const mm = () => jit(({ x, w }) => matmul(x, w), specs, reference());
  const x = fromData([1, 2, 3, 4, 5, 6], [2, 3] as const);
  const w = fromData([1, 0, 0, 1, 1, 1], [3, 2] as const);

  it("runs with the right inputs", async () => {
    expect(Array.from((await (await mm())({ x, w })).data)).toEqual([4, 5, 10, 11]);
  });

  it("names an input of the wrong shape, with both shapes", async () => {
    const f = await mm();
    await expect(f({ x: fromData([1, 2, 3, 4, 5, 6], [3, 2] as const), w } as never)).rejects.toThrow(
      new ShapeError("run", 'input "x" (argument x) has the wrong shape', [
        [2, 3],
        [3, 2],
      ]),
    );
  });

  it("names an input of the wrong dtype", async () => {
    const f = await mm();
    await expect(f({ x, w: fromData([1, 0, 0, 1, 1, 1], [3, 2] as const, "i32") })).rejects.toThrow('run: input "w" is f32, got i32');
  });

  it("counts the inputs when one is missing", async () => {
    const f = await mm();
    await expect(f({ x } as never)).rejects.toThrow("run: 1 input tensors given, the graph takes 2");
  });

  it("names an input whose data does not fill its shape", async () => {
    const f = await mm();
    const short = { shape: [3, 2] as const, dtype: "f32" as const, data: new Float32Array(5) };
    await expect(f({ x, w: short })).rejects.toThrow('run: input "w" holds 5 values for 6 elements');
  });
});

describe("asynchronous API", () => {
  it("returns Promises from prepare, the runner and compiled calls", async () => {
    const graph = trace(({ x }) => exp(x), { x: spec([2] as const) });
    const prepared = reference().prepare(graph);
    expect(prepared).toBeInstanceOf(Promise);
    const runner = await prepared;
    const out = runner([fromData([0, 1], [2] as const)]);
    expect(out).toBeInstanceOf(Promise);
    expect(Array.from((await out)[0]!.data)).toEqual([1, Math.fround(Math.E)]);
    const f = await jit(({ x }) => exp(x), { x: spec([2] as const) }, reference());
    expect(f({ x: fromData([0, 1], [2] as const) })).toBeInstanceOf(Promise);
  });

  it("realize evaluates constant graphs and refuses ones with inputs", async () => {
    const c = lift(fromData([1, 2], [2] as const));
    expect(Array.from((await realize({ doubled: mul(c, 2) })).doubled.data)).toEqual([2, 4]);
    await expect(realize(mul(input("c", [2] as const), 2))).rejects.toThrow(
      "realize: the value depends on inputs (c); trace and run it instead",
    );
  });
});

describe("long chains", () => {
  it("runs a 20 000-node chain to the right value", async () => {
    // Deep enough that a recursive walk would overflow the stack; each intermediate is used once and freed.
    const n = 20_000;
    const f = await jit(
      ({ x }) => {
        let y: Tensor<readonly [64]> = x;
        for (let i = 0; i < n; i++) y = add(y, 1);
        return y;
      },
      { x: spec([64] as const) },
      reference(),
    );
    const out = await f({
      x: fromData(
        Array.from({ length: 64 }, (_, i) => i),
        [64] as const,
      ),
    });
    expect(Array.from(out.data)).toEqual(Array.from({ length: 64 }, (_, i) => i + n));
  });

  it("keeps a value alive for every later use", async () => {
    // x is used at the start and at the end of a long chain: freeing it early would lose it.
    const f = await jit(
      ({ x }) => {
        let y: Tensor<readonly [3]> = x;
        for (let i = 0; i < 500; i++) y = mul(y, 1);
        return [add(y, x), x] as const;
      },
      { x: spec([3] as const) },
      reference(),
    );
    const [sumOut, same] = await f({ x: fromData([1, 2, 3], [3] as const) });
    expect(Array.from(sumOut.data)).toEqual([2, 4, 6]);
    expect(Array.from(same.data)).toEqual([1, 2, 3]);
  });
});
