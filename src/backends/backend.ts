/**
 * @file The one API every backend shares: prepare a closed graph once, run it many times, get a
 * Promise (GPU backends read back asynchronously, so the reference backend does too).
 */

import { isHostTensor, type HostTensor } from "../ir/index.js";
import { sameShape, ShapeError, size } from "../shape/index.js";
import { flatten, trace, unflatten, type Graph, type TensorsOf } from "../trace/index.js";

/** A prepared graph: flat inputs in the graph's input order, flat outputs in its output order. */
export type Runner = (inputs: ReadonlyArray<HostTensor>) => Promise<HostTensor[]>;

/** Something that runs closed graphs: the reference interpreter, gpu.js or WebAssembly. `jit` and `prepared` take one. */
export interface Backend {
  /** The backend as it reports itself (`reference-f32`, `gpujs-webasm`, …). */
  readonly name: string;
  /**
   * Compiles `graph` once (kernels, buffer plan) and resolves to a runner to call many times; rejects when the graph needs an op the
   * backend cannot lower.
   */
  readonly prepare: (graph: Graph) => Promise<Runner>;
}

/** Raised by `checkFinite`: names the first op whose output holds NaN or ±Inf. */
export class NonFiniteError extends Error {
  override readonly name = "NonFiniteError";
  constructor(
    readonly op: string,
    readonly variable: string,
    readonly shape: ReadonlyArray<number>,
    readonly index: number,
    readonly value: number,
  ) {
    super(`${op} produced ${value} at flat index ${index} of ${variable}:[${shape.join(",")}] (first non-finite value in the graph)`);
  }
}

/** Checks arguments against a graph's inputs: count, shape and dtype, naming the input. */
export const bindInputs = (graph: Graph, args: unknown): HostTensor[] => {
  const { leaves, paths } = flatten(args, isHostTensor);
  if (leaves.length !== graph.inputs.length) {
    throw new ShapeError("run", `${leaves.length} input tensors given, the graph takes ${graph.inputs.length}`);
  }
  graph.inputs.forEach((inp, i) => {
    const v = leaves[i]!;
    const name = inp.attrs.name;
    if (!sameShape(v.shape, inp.shape))
      throw new ShapeError("run", `input "${name}" (argument ${paths[i] || i}) has the wrong shape`, [inp.shape, v.shape]);
    if (v.dtype !== inp.dtype) throw new ShapeError("run", `input "${name}" is ${inp.dtype}, got ${v.dtype}`, [inp.shape]);
    if (v.data.length !== size(v.shape))
      throw new ShapeError("run", `input "${name}" holds ${v.data.length} values for ${size(v.shape)} elements`, [v.shape]);
  });
  return leaves;
};

/** The result type of a compiled function: its pytree with host tensors as leaves. */
export type HostOf<T> = T extends { readonly op: string; readonly shape: infer S extends ReadonlyArray<number> }
  ? HostTensor<S>
  : T extends ReadonlyArray<unknown>
    ? { readonly [I in keyof T]: HostOf<T[I]> }
    : T extends object
      ? { readonly [K in keyof T]: HostOf<T[K]> }
      : T;

/** A compiled function: call it with host tensors shaped like the traced specs. */
export interface Compiled<A, O> {
  (args: A): Promise<HostOf<O>>;
  /** The traced graph it runs. */
  readonly graph: Graph;
  /** The name of the backend it was prepared for. */
  readonly backend: string;
}

/**
 * Traces `f` on `args`' shapes and prepares it for `backend`: the JAX `jit`.
 * @example
 * const f = await jit(({ x }) => exp(x), { x: spec([3]) }, reference());
 * const { data } = await f({ x: fromData([0, 1, 2], [3]) });
 */
export const jit = async <A, O>(f: (args: TensorsOf<A>) => O, args: A, backend: Backend): Promise<Compiled<A, O>> =>
  prepared(trace(f, args), backend);

/** Prepares an already traced graph. */
export const prepared = async <A, O>(graph: Graph, backend: Backend): Promise<Compiled<A, O>> => {
  const runner = await backend.prepare(graph);
  const call = async (args: A) => unflatten(graph.outputTree, await runner(bindInputs(graph, args))) as HostOf<O>;
  return Object.assign(call, { graph, backend: backend.name });
};
