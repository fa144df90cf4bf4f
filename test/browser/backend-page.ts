/**
 * @file The browser side of the backend tests and benchmark: installs `globalThis.backend` (run, on
 * the gpu.js backend in a browser mode, a primitive case or its VJP, or the MW-MHA layer or MW-MAE loss
 * forward and backward; time a compiled matmul) next to `globalThis.kernels`, and sets `pageReady`.
 * The reference side runs in Node on the same inputs.
 */

import { GPU } from "gpu.js";
import "./kernels-page"; // the hand-tuned kernels' API too, so the browser benchmark needs one page
import { jit } from "../../src/backends/backend";
import { gpujs, type GpuClass, type GpujsBackend } from "../../src/backends/gpujs";
import { valueAndGrad } from "../../src/autodiff";
import { fromData, isHostTensor, matmul, mul, sum, withShape, type HostTensor, type Tensor } from "../../src/ir";
import * as E from "fp-ts/lib/Either.js";
import { decodeOfficialConfig, forwardMae, loadParams, pretrainLoss, type MwmaeParams } from "../../src/models/mwmae";
import { mwmha, type MultiWindowAttention } from "../../src/nn";
import { flatten } from "../../src/trace";
import { caseInputs, primitiveCases, vjpCase, type PrimitiveName } from "../support/primitive-cases";

export type BrowserMode = "webgl2" | "webgpu";

/** A case's forward pass, or its VJP (gradients of Σ f(x)·cot with respect to its f32 inputs). */
export type CaseKind = "forward" | "vjp";

export interface CaseRun {
  /** Output leaves in pytree order (gradients by sorted input name). */
  readonly outputs: ReadonlyArray<{ readonly shape: ReadonlyArray<number>; readonly data: Float64Array }>;
  /** Kernel launches of this run (the backend's counter before and after). */
  readonly launches: number;
}

const backends = new Map<BrowserMode, GpujsBackend>();
const backendFor = (mode: BrowserMode): GpujsBackend => {
  const known = backends.get(mode) ?? gpujs({ mode, GPU: GPU as unknown as GpuClass });
  backends.set(mode, known);
  return known;
};

export const backendApi = {
  runPrimitive: async (mode: BrowserMode, name: PrimitiveName, kind: CaseKind): Promise<CaseRun> => {
    const c = primitiveCases[name];
    const traced = kind === "forward" ? c : vjpCase(c);
    if (traced === null) throw new Error(`${name} has no f32 input to differentiate`);
    const backend = backendFor(mode);
    const f = await jit(traced.f as (x: unknown) => unknown, traced.inputs, backend);
    const before = backend.stats.launches;
    const out: unknown = await f(caseInputs(c) as never);
    const { leaves } = flatten(out, isHostTensor);
    const outputs = leaves.map((t: HostTensor) => ({ shape: [...t.shape], data: Float64Array.from(t.data) }));
    return { outputs, launches: backend.stats.launches - before };
  },
};

/** "a/b" paths to a nested record: the official parameter names to the layer's parameter tree. */
const nest = (flat: Readonly<Record<string, HostTensor>>): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const keys = path.split("/");
    const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((at, k) => {
      at[k] ??= {};
      return at[k] as Record<string, unknown>;
    }, root);
    parent[keys[keys.length - 1]!] = value;
  }
  return root;
};

export interface LayerRun {
  /** The layer's output, the objective Σ output·r, and its gradients (input and weights by official path). */
  readonly output: Float64Array;
  readonly objective: number;
  readonly grads: Readonly<Record<string, Float64Array>>;
  readonly launches: number;
}

/** One MW-MHA layer forward and backward on `mode`, for weights given by their official names. */
const runMwmha = async (
  mode: BrowserMode,
  windows: ReadonlyArray<number>,
  weights: Record<string, HostTensor>,
  x: HostTensor,
  r: HostTensor,
): Promise<LayerRun> => {
  const backend = backendFor(mode);
  const args = { p: nest(weights) as unknown as MultiWindowAttention, x, r };
  const f = await jit(
    (a: { readonly p: MultiWindowAttention; readonly x: Tensor; readonly r: Tensor }) => {
      const layer = (q: { readonly p: MultiWindowAttention; readonly x: Tensor }) =>
        mwmha(q.p, { windows })(q.x as Tensor<readonly [number, number, number]>);
      const [objective, grads] = valueAndGrad((q: { readonly p: MultiWindowAttention; readonly x: Tensor }) =>
        withShape([] as const)(sum(mul(layer(q), a.r))),
      )({ p: a.p, x: a.x });
      return { output: layer(a), objective, grads };
    },
    args as never,
    backend,
  );
  const before = backend.stats.launches;
  const out = (await f(args as never)) as unknown as { output: HostTensor; objective: HostTensor; grads: unknown };
  const { leaves, paths } = flatten(out.grads, isHostTensor);
  return {
    output: Float64Array.from(out.output.data),
    objective: out.objective.data[0]!,
    grads: Object.fromEntries(leaves.map((t, i) => [paths[i]!.replace(/^p\//, ""), Float64Array.from(t.data)])),
    launches: backend.stats.launches - before,
  };
};

export interface ModelRun {
  readonly loss: number;
  readonly pred: Float64Array;
  /** Loss gradient of every parameter, by `params/<official path>`. */
  readonly grads: Readonly<Record<string, Float64Array>>;
  readonly launches: number;
}

/** The MW-MAE pre-training loss, prediction and every parameter gradient, for an official config and weights. */
const runMwmae = async (
  mode: BrowserMode,
  config: unknown,
  weights: Record<string, HostTensor>,
  x: HostTensor,
  noise: HostTensor,
): Promise<ModelRun> => {
  const cfg = E.getOrElseW((e: unknown) => {
    throw new Error(`config: ${JSON.stringify(e)}`);
  })(decodeOfficialConfig("golden")(config));
  const params = E.getOrElseW((e: { message: string }) => {
    throw new Error(e.message);
  })(loadParams(cfg, weights));
  const backend = backendFor(mode);
  const args = { params, x, noise };
  const f = await jit(
    (a: { readonly params: MwmaeParams; readonly x: Tensor; readonly noise: Tensor }) => {
      const xs = a.x as Tensor<readonly [number, number, number]>;
      const ns = a.noise as Tensor<readonly [number, number]>;
      const [loss, grads] = valueAndGrad(pretrainLoss(cfg))(a.params, xs, ns);
      return { loss, grads, pred: forwardMae(a.params, cfg)(xs, ns).pred };
    },
    args as never,
    backend,
  );
  const before = backend.stats.launches;
  const out = (await f(args as never)) as unknown as { loss: HostTensor; pred: HostTensor; grads: unknown };
  const { leaves, paths } = flatten(out.grads, isHostTensor);
  return {
    loss: out.loss.data[0]!,
    pred: Float64Array.from(out.pred.data),
    grads: Object.fromEntries(leaves.map((t, i) => [`params/${paths[i]!}`, Float64Array.from(t.data)])),
    launches: backend.stats.launches - before,
  };
};

export interface GraphTiming {
  /** Preparing plus the first call, and each timed call after it, in ms. */
  readonly firstMs: number;
  readonly timesMs: ReadonlyArray<number>;
  readonly launches: number;
  readonly peakBytes: number;
}

/** Times an n×n matmul compiled by the backend: jit, one warm-up call, then `runs` timed calls. */
const timeMatmul = async (mode: BrowserMode, n: number, a: Float32Array, b: Float32Array, runs: number): Promise<GraphTiming> => {
  const backend = backendFor(mode);
  const args = { a: fromData(a, [n, n]), b: fromData(b, [n, n]) };
  const t0 = performance.now();
  const f = await jit(({ a: x, b: y }) => matmul(x, y), args, backend);
  await f(args);
  const firstMs = performance.now() - t0;
  const timesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await f(args);
    timesMs.push(performance.now() - s);
  }
  const program = backend.compile(f.graph);
  return { firstMs, timesMs, launches: program.kernels.length, peakBytes: program.plan.peakBytes };
};

export type BackendApi = typeof backendApi & {
  readonly runMwmha: typeof runMwmha;
  readonly runMwmae: typeof runMwmae;
  readonly timeMatmul: typeof timeMatmul;
};

Object.assign(globalThis, { backend: { ...backendApi, runMwmha, runMwmae, timeMatmul }, pageReady: true });
