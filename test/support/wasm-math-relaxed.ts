/**
 * @file Run by test/backends/wasm-math.test.ts in a child `node --experimental-wasm-relaxed-simd`: the
 * relaxed-SIMD math functions' errors and a GELU and softmax through `wasmRelaxedLowering` and through the
 * default `wasm()` (which picks that table by itself), as JSON on stdout.
 */

import { fromData, geluExact, gelu, jit, matmul, reference, softmax, spec, trace, type Tensor } from "../../src";
import { wasm } from "../../src/backends/wasm";
import { relaxedSimd } from "../../src/backends/wasm/features";
import { wasmRelaxedLowering } from "../../src/backends/wasm/lowering";
import { erfCode, expCode, relaxedIsa, tanhCode } from "../../src/backends/wasm/simd-math";
import { erfScalar } from "../../src/ir/ops/unary";
import { mathErrors, mathMap, mathSample } from "./wasm-math-harness";

const main = async (): Promise<void> => {
  const detected = relaxedSimd();
  const xs = mathSample(-Infinity, Infinity, 1 << 12);
  const subnormal = (_: number, want: number): boolean => Math.abs(want) < 2 ** -126;
  const errors = {
    exp: mathErrors(xs, mathMap(relaxedIsa, expCode)(xs), Math.exp, subnormal),
    tanh: mathErrors(xs, mathMap(relaxedIsa, tanhCode)(xs), Math.tanh),
    erf: mathErrors(xs, mathMap(relaxedIsa, erfCode)(xs), erfScalar),
  };
  const data = new Float32Array(4 * 37 * 61).map((_, i) => Math.sin(i * 0.37) * 6);
  const x = fromData(data, [4, 37, 61]);
  const w = fromData(
    new Float32Array(61 * 40).map((_, i) => Math.cos(i * 0.11)),
    [61, 40],
  );
  const f = ({ x, w }: { x: Tensor; w: Tensor }) => [softmax(x), gelu(x), geluExact(x), matmul(x, w)];
  const got = await (await jit(f, { x, w }, wasm({ threads: 1, lowering: wasmRelaxedLowering })))({ x, w });
  // The default backend picks the relaxed table by itself here, on every core.
  const auto = wasm();
  const fromAuto = await (await jit(f, { x, w }, auto))({ x, w });
  await auto.close();
  const want = await (await jit(f, { x, w }, reference({ precision: "f64" })))({ x, w });
  const worst = [...got, ...fromAuto].map((g, j) => {
    const k = j % got.length;
    let w = 0;
    const [a, b] = [g.data as Float32Array, want[k]!.data as Float64Array | Float32Array];
    for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / (1e-5 + 1e-4 * Math.abs(b[i]!)));
    return w;
  });
  // The matmul's micro-kernel accumulates with relaxed_madd (0xfd 0x85 0x02): count them in its module.
  const mm = await wasm({ threads: 1 }).prepare(
    trace(({ a, b }: { a: Tensor; b: Tensor }) => matmul(a, b), { a: spec([64, 64]), b: spec([64, 64]) }),
  );
  let madds = 0;
  for (let i = 0; i + 2 < mm.bytes.length; i++) if (mm.bytes[i] === 0xfd && mm.bytes[i + 1] === 0x85 && mm.bytes[i + 2] === 0x02) madds++;
  process.stdout.write(JSON.stringify({ detected, errors, worst, name: auto.name, madds }));
};

await main();
