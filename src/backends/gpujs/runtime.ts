/**
 * @file Running a compiled program on gpu.js: one gpu.js kernel per IR kernel, built once and cached
 * by structural key (mode, source, sizes), so preparing the same graph twice compiles nothing. Values
 * stay where the mode keeps them between kernels (textures or GPU buffers in pipeline mode on GL and
 * WebGPU, plain Float32Arrays on cpu and WebAssembly) and are read back once, at the end. A buffer is
 * released after its last reader (textures are deleted), as the buffer plan says.
 */

import type { DType, HostTensor, Data, Node } from "../../ir/index.js";
import { NonFiniteError } from "../backend.js";
import type { Kernel, Program } from "../../compile/index.js";
import { kernelSource } from "./codegen.js";
import { GpujsCompileError } from "./errors.js";
import { layoutOf } from "./layout.js";
import type { Lowering } from "./lowering.js";

/** The part of a gpu.js `GPU` instance this backend uses. */
export interface GpuLike {
  /** Builds a kernel from its source and gpu.js settings (`output`, `returnType`, …); the returned function launches it. */
  createKernel(source: string, settings: Record<string, unknown>): (...args: unknown[]) => unknown;
}

/** A device value: a host array, or a texture / buffer result that reads back with `toArray()`. */
type Value = Float32Array | { toArray(): unknown; delete?: () => void };

/** Kernel counters of one gpu.js backend instance, cumulative over every graph it prepared. */
export interface KernelStats {
  /** gpu.js kernels built (each one compiled by gpu.js on its first call). */
  compiles: number;
  /** Kernel builds answered from the cache. */
  cacheHits: number;
  /** Kernel launches (calls) so far. */
  launches: number;
  /** With `profile`: milliseconds per kernel name (launch to result, readback excluded), summed. */
  readonly kernelMs: Record<string, number>;
}

interface Built {
  readonly call: (...args: unknown[]) => unknown;
  readonly source: string;
  readonly unpack: (raw: unknown) => Float32Array;
  ready: boolean;
}

export interface RuntimeConfig {
  readonly gpu: GpuLike;
  /** The resolved gpu.js mode. */
  readonly mode: string;
  /** The backend's name, for errors. */
  readonly backend: string;
  readonly pipeline: boolean;
  readonly lowering: Lowering | undefined;
  readonly checkFinite: boolean;
  readonly profile: boolean;
  readonly cache: Map<string, Built>;
  readonly stats: KernelStats;
}

const isPromise = (x: unknown): x is Promise<unknown> =>
  typeof x === "object" && x !== null && typeof (x as Promise<unknown>).then === "function";

const toFloat32 = (d: Data): Float32Array => (d instanceof Float32Array ? d : Float32Array.from(d));

const fromFloat32 = (d: Float32Array, dtype: DType): Data =>
  dtype === "f32" ? d : dtype === "i32" ? Int32Array.from(d) : Uint8Array.from(d);

const readBack = async (v: Value): Promise<Float32Array> => {
  if (v instanceof Float32Array) return v;
  const out = v.toArray();
  const arr = isPromise(out) ? await out : out;
  return arr instanceof Float32Array ? arr : Float32Array.from(arr as ArrayLike<number>);
};

/** Builds (or finds) the gpu.js kernel for one IR kernel. */
const build = (cfg: RuntimeConfig, program: Program, kernel: Kernel): Built => {
  const out = program.buffers[kernel.output]!;
  const layout = layoutOf(kernel, out.shape, !cfg.pipeline);
  const src = kernelSource(kernel, cfg.backend, layout.exprs, cfg.lowering);
  const sizes = kernel.inputs.map((b) => program.buffers[b]!.size).join(",");
  const key = `${cfg.mode}|${layout.output.join("x")}|${sizes}|${src.source}`;
  const hit = cfg.cache.get(key);
  if (hit !== undefined) {
    cfg.stats.cacheHits++;
    return hit;
  }
  const argumentTypes = Object.fromEntries(kernel.inputs.map((_, i) => [`a${i}`, "Array"]));
  let call: Built["call"];
  try {
    call = cfg.gpu.createKernel(src.source, {
      output: layout.output,
      returnType: layout.kind === "rows4" ? "Array(4)" : "Float",
      precision: "single",
      argumentTypes,
      loopMaxIterations: src.maxLoop + 1,
      pipeline: cfg.pipeline,
      immutable: cfg.pipeline,
      tactic: "precision",
    });
  } catch (e) {
    throw new GpujsCompileError(kernel.name, cfg.backend, src.source, e);
  }
  cfg.stats.compiles++;
  const built: Built = { call, source: src.source, unpack: layout.unpack, ready: false };
  cfg.cache.set(key, built);
  return built;
};

/** Calls a kernel; its first call is where gpu.js compiles, so failures there carry the source. */
const launch = async (cfg: RuntimeConfig, kernel: Kernel, built: Built, args: ReadonlyArray<Value>): Promise<Value> => {
  cfg.stats.launches++;
  try {
    const r = built.call(...args);
    const v = isPromise(r) ? await r : r;
    built.ready = true;
    return v instanceof Float32Array || typeof (v as { toArray?: unknown }).toArray === "function" ? (v as Value) : built.unpack(v);
  } catch (e) {
    if (built.ready) throw e;
    throw new GpujsCompileError(kernel.name, cfg.backend, built.source, e);
  }
};

const firstNonFinite = (d: Float32Array): number => d.findIndex((v) => !Number.isFinite(v));

/** A prepared program: builds every kernel now, returns the function that runs them. */
export const prepareProgram = (cfg: RuntimeConfig, program: Program): ((values: ReadonlyArray<HostTensor>) => Promise<HostTensor[]>) => {
  // gpu.js cannot run an empty output; such a kernel yields an empty array without a launch.
  const built = program.kernels.map((k) => (program.buffers[k.output]!.size === 0 ? undefined : build(cfg, program, k)));
  const constants = new Map(
    program.buffers.filter((b) => b.role === "constant").map((b) => [b.id, toFloat32((b.node as Node<"constant">).attrs.data)]),
  );
  const keep = new Set(program.outputs);
  return async (values) => {
    const live = new Map<number, Value>(constants);
    for (const b of program.buffers) if (b.role === "input") live.set(b.id, toFloat32(values[b.inputIndex!]!.data));
    for (let i = 0; i < program.kernels.length; i++) {
      const k = program.kernels[i]!;
      const out = program.buffers[k.output]!;
      const b = built[i];
      const started = cfg.profile ? performance.now() : 0;
      const v =
        b === undefined
          ? new Float32Array(0)
          : await launch(
              cfg,
              k,
              b,
              k.inputs.map((id) => live.get(id)!),
            );
      if (cfg.profile) cfg.stats.kernelMs[k.name] = (cfg.stats.kernelMs[k.name] ?? 0) + performance.now() - started;
      live.set(k.output, v);
      if (cfg.checkFinite && out.dtype === "f32") {
        const data = await readBack(v);
        const at = firstNonFinite(data);
        if (at >= 0) throw new NonFiniteError(k.root.op, `kernel ${k.name} (fused: ${k.ops.join(", ")})`, out.shape, at, data[at]!);
      }
      // Release what no later kernel reads.
      for (const b of k.inputs) {
        if (program.plan.lastUse.get(b) === i && !keep.has(b) && program.buffers[b]!.role === "intermediate") {
          const dead = live.get(b);
          if (dead !== undefined && !(dead instanceof Float32Array)) dead.delete?.();
          live.delete(b);
        }
      }
    }
    return Promise.all(
      program.outputs.map(async (id) => {
        const b = program.buffers[id]!;
        const data = b.role === "input" ? values[b.inputIndex!]!.data : fromFloat32(await readBack(live.get(id)!), b.dtype);
        return { shape: b.shape, dtype: b.dtype, data };
      }),
    );
  };
};
