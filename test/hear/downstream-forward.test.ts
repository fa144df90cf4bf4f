/**
 * The downstream predictor's forward pass against PyTorch's semantics written out in float64 loops:
 * BatchNorm normalises by the batch mean and the biased variance in training mode and by the running
 * statistics in evaluation mode (eps 1e-5), dropout multiplies by the scaled keep mask before ReLU;
 * and the initialisation has the stated scales. DSL side in float64 too, so the bound is 1e-9.
 */
import { describe, expect, it } from "vitest";
import { fromData, lift, realize, type HostTensor, type Tensor } from "../../src";
import { downstreamEvalLogits, initDownstreamMlp, downstreamTrainLogits, type DownstreamMlp } from "../../src/hear";
import { bits, key } from "../../src/random";

const [b, d, h, c] = [6, 5, 7, 3];
/** Values in (−scale, scale), rounded to float32 as the tensors hold them. */
const values = (seed: number, n: number, scale = 1) => Array.from(bits(key(seed), n), (w) => Math.fround((w / 2 ** 32 - 0.5) * 2 * scale));
const host = (data: ArrayLike<number>, shape: number[]): HostTensor => fromData(data, shape);
const liftTree = (p: DownstreamMlp<HostTensor>): DownstreamMlp<Tensor> => ({
  hidden: { kernel: lift(p.hidden.kernel), bias: lift(p.hidden.bias) },
  norm: { scale: lift(p.norm.scale), bias: lift(p.norm.bias) },
  output: { kernel: lift(p.output.kernel), bias: lift(p.output.bias) },
});

/** PyTorch's forward in float64: Linear → BatchNorm1d → Dropout (mask) → ReLU → Linear. */
const torchForward = (
  p: DownstreamMlp<HostTensor>,
  x: number[],
  mode: { keep: number[] } | { mean: number[]; variance: number[] },
): number[] => {
  const pre = Array.from({ length: b * h }, (_, i) => {
    const [r, k] = [Math.floor(i / h), i % h];
    let s = p.hidden.bias.data[k]!;
    for (let j = 0; j < d; j++) s += x[r * d + j]! * p.hidden.kernel.data[j * h + k]!;
    return s;
  });
  const mu = Array.from({ length: h }, (_, k) =>
    "keep" in mode ? pre.filter((_, i) => i % h === k).reduce((a, v) => a + v, 0) / b : mode.mean[k]!,
  );
  const vr = Array.from({ length: h }, (_, k) =>
    "keep" in mode ? pre.filter((_, i) => i % h === k).reduce((a, v) => a + (v - mu[k]!) ** 2, 0) / b : mode.variance[k]!,
  );
  const act = pre.map((v, i) => {
    const k = i % h;
    const bn = ((v - mu[k]!) / Math.sqrt(vr[k]! + 1e-5)) * p.norm.scale.data[k]! + p.norm.bias.data[k]!;
    return Math.max(0, "keep" in mode ? bn * mode.keep[i]! : bn);
  });
  return Array.from({ length: b * c }, (_, i) => {
    const [r, o] = [Math.floor(i / c), i % c];
    let s = p.output.bias.data[o]!;
    for (let k = 0; k < h; k++) s += act[r * h + k]! * p.output.kernel.data[k * c + o]!;
    return s;
  });
};

describe("the downstream predictor's forward pass", () => {
  it("matches PyTorch's training and evaluation semantics", async () => {
    const init = await initDownstreamMlp(key(3), d, h, c);
    // Non-trivial BatchNorm affine parameters, so scale and shift are exercised too.
    const p: DownstreamMlp<HostTensor> = { ...init, norm: { scale: host(values(4, h, 2), [h]), bias: host(values(5, h), [h]) } };
    const x = values(6, b * d, 3);
    const keep = Array.from(bits(key(7), b * h), (w) => (w % 4 === 0 ? 0 : Math.fround(1 / 0.75)));
    const running = { mean: values(8, h), variance: values(9, h).map((v) => Math.fround(v + 1.5)) };
    const [train, evaluation] = await realize(
      [
        downstreamTrainLogits(liftTree(p), lift(host(x, [b, d])), lift(host(keep, [b, h]))),
        downstreamEvalLogits(
          liftTree(p),
          { mean: lift(host(running.mean, [h])), variance: lift(host(running.variance, [h])) },
          lift(host(x, [b, d])),
        ),
      ],
      { precision: "f64" },
    );
    const maxDiff = (a: ArrayLike<number>, e: number[]) => Math.max(...e.map((v, i) => Math.abs(a[i]! - v)));
    expect(maxDiff(train.data, torchForward(p, x, { keep }))).toBeLessThan(1e-9);
    expect(maxDiff(evaluation.data, torchForward(p, x, running))).toBeLessThan(1e-9);
  });

  // Sample std of 256·512 Xavier-normal draws is within 1% of the target (relative sd ≈ 0.2%).
  it("initialises with the stated scales", async () => {
    const p = await initDownstreamMlp(key(1), 256, 512, 64);
    const std = (t: HostTensor) => Math.sqrt(Array.from(t.data).reduce((a, v) => a + v * v, 0) / t.data.length);
    expect(std(p.hidden.kernel) / Math.sqrt(2 / (256 + 512))).toBeCloseTo(1, 1);
    expect(std(p.output.kernel) / (Math.SQRT2 * Math.sqrt(2 / (512 + 64)))).toBeCloseTo(1, 1);
    expect(Math.max(...Array.from(p.hidden.bias.data, Math.abs))).toBeLessThanOrEqual(1 / 16);
    expect(Math.max(...Array.from(p.output.bias.data, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(512));
    expect(Array.from(p.norm.scale.data).every((v) => v === 1) && Array.from(p.norm.bias.data).every((v) => v === 0)).toBe(true);
  });
});
