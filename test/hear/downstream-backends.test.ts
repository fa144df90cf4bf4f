/**
 * `mwmae evaluate` trains on the WebAssembly backend by default; it must agree with the reference
 * interpreter. Whole training runs cannot be compared value by value: the hidden layer's bias sits
 * before BatchNorm, so its true gradient is 0 and what each backend computes is float32 rounding
 * noise (~1e-7), which Adam's first steps scale to ±lr on either side (PyTorch does the same). So the
 * comparison is per step, against the float64 interpreter: the loss, the logits and every gradient
 * agree within 1e-6 of the largest value in the tensor (float32's own error here is ~3e-7); and whole
 * runs on separable data both reach the protocol's result.
 */
import { describe, expect, it } from "vitest";
import { valueAndGrad } from "../../src/autodiff";
import { jit, reference, wasm } from "../../src/backends";
import { downstreamTrainLogits, initDownstreamMlp, trainDownstream, type DownstreamMlp, type TargetSet } from "../../src/hear";
import { logSoftmax, mean, mul, neg, sum, type HostTensor, type Tensor } from "../../src/ir";
import { bits, key } from "../../src/random";

const set = (seed: number, n: number, d: number, classes: number, gap = 1): TargetSet => {
  const u = bits(key(seed), n * d);
  const x = Float32Array.from({ length: n * d }, (_, j) => u[j]! / 2 ** 32 - 0.5 + (j % d === Math.floor(j / d) % classes ? gap : 0));
  const t = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) t[i * classes + (i % classes)] = 1;
  return { x: { shape: [n, d], dtype: "f32", data: x }, targets: { shape: [n, classes], dtype: "f32", data: t } };
};

const maxAbs = (t: HostTensor) => Array.from(t.data).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: HostTensor, b: HostTensor) => Array.from(a.data).reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);

describe("the downstream MLP on wasm and on the reference interpreter", () => {
  it("computes one training step's loss, logits and gradients alike (float64 as the oracle)", async () => {
    const { x, targets: y } = set(1, 96, 12, 3);
    const p = await initDownstreamMlp(key(3), 12, 24, 3);
    const u = bits(key(4), 96 * 24);
    const keep: HostTensor = { shape: [96, 24], dtype: "f32", data: Float32Array.from(u, (w) => (w / 2 ** 32 >= 0.1 ? 1 / 0.9 : 0)) };
    const step = ({ p, x, y, keep }: { p: DownstreamMlp<Tensor>; x: Tensor; y: Tensor; keep: Tensor }) => {
      const loss = (q: DownstreamMlp<Tensor>) =>
        neg(mean(sum(mul(y, logSoftmax(downstreamTrainLogits(q, x, keep))), [-1] as never) as Tensor)) as Tensor<readonly []>;
      const [value, grads] = valueAndGrad(loss)(p);
      return { value, grads, logits: downstreamTrainLogits(p, x, keep) };
    };
    type Out = { value: HostTensor; logits: HostTensor; grads: DownstreamMlp<HostTensor> };
    const run = async (backend: Parameters<typeof jit>[2]) =>
      (await (
        await jit(step as never, { p, x, y, keep } as never, backend)
      )({ p, x, y, keep } as never)) as unknown as Out;
    const oracle = await run(reference({ precision: "f64" }));
    const fast = await run(wasm());
    const pairs: Array<[string, HostTensor, HostTensor]> = [
      ["loss", fast.value, oracle.value],
      ["logits", fast.logits, oracle.logits],
      ["hidden.kernel", fast.grads.hidden.kernel, oracle.grads.hidden.kernel],
      ["norm.scale", fast.grads.norm.scale, oracle.grads.norm.scale],
      ["norm.bias", fast.grads.norm.bias, oracle.grads.norm.bias],
      ["output.kernel", fast.grads.output.kernel, oracle.grads.output.kernel],
      ["output.bias", fast.grads.output.bias, oracle.grads.output.bias],
    ];
    for (const [name, a, b] of pairs) expect(maxDiff(a, b), name).toBeLessThan(1e-6 * Math.max(1, maxAbs(b)));
    // The pre-BatchNorm bias: the true gradient is 0; both give rounding noise only.
    expect(maxAbs(fast.grads.hidden.bias)).toBeLessThan(1e-6);
  });

  it("reaches the same result on separable data", async () => {
    const data = { train: set(1, 96, 12, 3, 4), valid: set(2, 30, 12, 3, 4), test: set(3, 30, 12, 3, 4) };
    const opts = { prediction: "multiclass", seed: 5, hidden: 24, learningRate: 1e-2, batchSize: 32, maxEpochs: 15, patience: 5 } as const;
    const a = await trainDownstream(data, 0.1, { ...opts, backend: reference({ precision: "f32" }) });
    const b = await trainDownstream(data, 0.1, { ...opts, backend: wasm() });
    expect(a.testScore).toBe(1);
    expect(b.testScore).toBe(1);
  });
});
