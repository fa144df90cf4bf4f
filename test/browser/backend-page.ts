/**
 * @file The browser side of the backend tests: installs `globalThis.backend` (trace a primitive case,
 * prepare it for the gpu.js backend on a browser mode, run it on the case's seeded inputs) and sets
 * `pageReady`. The reference side runs in Node on the same seeded inputs.
 */

import { GPU } from "gpu.js";
import { jit } from "../../src/backends/backend";
import { gpujs, type GpuClass, type GpujsBackend } from "../../src/backends/gpujs";
import { valueAndGrad } from "../../src/autodiff";
import { isHostTensor, mul, sum, withShape, type HostTensor, type Tensor } from "../../src/ir";
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
    const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((at, k) => (at[k] ??= {}) as Record<string, unknown>, root);
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
const runMwmha = async (mode: BrowserMode, windows: ReadonlyArray<number>, weights: Record<string, HostTensor>, x: HostTensor, r: HostTensor): Promise<LayerRun> => {
  const backend = backendFor(mode);
  const args = { p: nest(weights) as unknown as MultiWindowAttention, x, r };
  const f = await jit(
    (a: { readonly p: MultiWindowAttention; readonly x: Tensor; readonly r: Tensor }) => {
      const layer = (q: { readonly p: MultiWindowAttention; readonly x: Tensor }) => mwmha(q.p, { windows })(q.x as Tensor<readonly [number, number, number]>);
      const [objective, grads] = valueAndGrad((q: { readonly p: MultiWindowAttention; readonly x: Tensor }) => withShape([] as const)(sum(mul(layer(q), a.r))))({ p: a.p, x: a.x });
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

export type BackendApi = typeof backendApi & { readonly runMwmha: typeof runMwmha };

Object.assign(globalThis, { backend: { ...backendApi, runMwmha }, pageReady: true });
