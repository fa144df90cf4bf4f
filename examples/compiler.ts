/**
 * @file The compiler and the gpu.js backend: a linear layer with bias and GELU compiled for gpu.js's
 * WebAssembly mode, checked against the reference backend, its kernels printed and the launch counters
 * read. Run: `npx tsx examples/compiler.ts`.
 */

import { add, compiler, fromData, gelu, gpujs, jit, matmul, reference, spec, type TensorsOf } from "mwmae-ts";

const specs = { x: spec([8, 16]), w: spec([16, 4]), b: spec([4]) };
const layer = ({ x, w, b }: TensorsOf<typeof specs>) => gelu(add(matmul(x, w), b));

const backend = gpujs({ mode: "webasm" }); // "cpu" | "webasm" | "async" | "webgl2" | "webgpu" | "headlessgl" | "auto"
const f = await jit(layer, specs, backend);
const args = {
  x: fromData(
    Array.from({ length: 128 }, (_, i) => Math.sin(i)),
    [8, 16],
  ),
  w: fromData(
    Array.from({ length: 64 }, (_, i) => Math.cos(i) / 4),
    [16, 4],
  ),
  b: fromData([0.1, -0.1, 0.2, 0], [4]),
};
const y = await f(args); // a HostTensor, read back once
const want = await (await jit(layer, specs, reference()))(args);
const err = Math.max(...Array.from(y.data, (v, i) => Math.abs(v - want.data[i]!)));

const program = backend.compile(f.graph); // passes, fusion, schedule, buffer plan
console.log(compiler.printKernels(program));
console.log(`max |gpujs-webasm - reference| = ${err.toExponential(1)}`);
console.log(`stats: ${backend.stats.compiles} compile(s), ${backend.stats.launches} launch(es)`);
if (!(err < 1e-5)) throw new Error("gpu.js and the reference backend disagree");
