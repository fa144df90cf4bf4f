/**
 * @file Our side of the workloads: each is traced once, prepared for a backend with `jit`, and timed
 * per call (host inputs in, host outputs out). Attention layers come from src/nn and are
 * differentiated with `valueAndGrad` of Σ y·cot, i.e. forward plus the full backward pass.
 */

import {
  attention,
  jit,
  matmul,
  mul,
  mwmha,
  sum,
  valueAndGrad,
  type Attention,
  type Backend,
  type MultiWindowAttention,
  type Tensor,
  withShape,
} from "../../src";
import { programStats } from "../backends";
import type { Job } from "../job";
import type { Workload } from "../schema";
import { attentionSize, matmulOperands, mhaData, mwmhaData, quickAttentionSize, windowsFor } from "./data";

export const ourMatmulJob = (workload: Workload, n: number, backend: Backend): Job => ({
  workload,
  impl: "mwmae-ts",
  backend: backend.name,
  prepare: async () => {
    const args = matmulOperands(n);
    const f = await jit(({ a, b }) => matmul(a, b), args, backend);
    return { call: () => f(args), flops: 2 * n ** 3, ...programStats(backend, f.graph) };
  },
});

/** Σ y·cot for a layer's output y: its gradient is the layer's VJP with cotangent `cot`. */
const dot = (y: Tensor, cot: Tensor): Tensor<readonly []> => withShape([] as const)(sum(mul(y, cot)));

export const ourAttentionJobs = (backend: Backend, quick: boolean): Job[] => {
  const size = quick ? quickAttentionSize : attentionSize;
  const mha: Job = {
    workload: "mha-fwd-bwd",
    impl: "mwmae-ts",
    backend: backend.name,
    prepare: async () => {
      const args = await mhaData(size);
      const layer = (p: { readonly params: Attention; readonly x: Tensor }, cot: Tensor) =>
        dot(attention(p.params, { heads: size.heads })(p.x as Tensor<readonly [number, number, number]>), cot);
      const f = await jit(({ params, x, cot }) => valueAndGrad(layer)({ params, x }, cot), args, backend);
      return { call: () => f(args), ...programStats(backend, f.graph) };
    },
  };
  const mw: Job = {
    workload: "mwmha-fwd-bwd",
    impl: "mwmae-ts",
    backend: backend.name,
    prepare: async () => {
      const args = await mwmhaData(size);
      const layer = (p: { readonly params: MultiWindowAttention; readonly x: Tensor }, cot: Tensor) =>
        dot(mwmha(p.params, { windows: windowsFor(size) })(p.x as Tensor<readonly [number, number, number]>), cot);
      const f = await jit(({ params, x, cot }) => valueAndGrad(layer)({ params, x }, cot), args, backend);
      return { call: () => f(args), ...programStats(backend, f.graph) };
    },
  };
  return [mha, mw];
};
