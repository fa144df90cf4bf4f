/**
 * @file The browser side of the kernel tests and the browser benchmark: installs `globalThis.kernels`
 * (run or time one hand-tuned matmul kernel on a gpu.js mode) and sets `pageReady`. Bundled by
 * `openPage`; data crosses `page.evaluate` as typed arrays.
 */

import { GPU } from "gpu.js";
import { buildMatmulKernel, type MatmulSpec } from "../../src/backends/gpujs/matmul-kernels";

/** The gpu.js modes a page can run. */
export type PageMode = "webgl2" | "webgpu" | "webasm" | "cpu";

export interface PageInfo {
  readonly webgl2: boolean;
  readonly webgpu: boolean;
  readonly renderer: string;
  readonly userAgent: string;
}

export interface MatmulRun {
  /** Row-major C [batch, m, n]. */
  readonly c: Float32Array;
  /** Milliseconds of the first call (compile included) and of each later call. */
  readonly firstMs: number;
  readonly timesMs: ReadonlyArray<number>;
  readonly layout: string;
  /** The gpu.js kernel class that ran (a mode can silently fall back to cpu), and why it fell back. */
  readonly kernelClass: string;
  readonly fallbackReason: string | null;
}

const gpus = new Map<PageMode, GPU>();
const gpuFor = (mode: PageMode): GPU => {
  const known = gpus.get(mode);
  if (known !== undefined) return known;
  const made = new GPU({ mode });
  gpus.set(mode, made);
  return made;
};

/** Most specific first: WebGL2Kernel extends WebGLKernel. The browser build hangs every class on `GPU`. */
const kernelClassNames = ["WebGPUKernel", "WebGL2Kernel", "WebGLKernel", "WebAssemblyKernel", "CPUKernel"] as const;
const classOf = (k: unknown): string => {
  const lib = GPU as unknown as Record<string, (abstract new () => unknown) | undefined>;
  return kernelClassNames.find((name) => lib[name] !== undefined && k instanceof lib[name]) ?? "unknown";
};

const rendererName = (): string => {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (gl === null) return "no webgl2";
  const ext = gl.getExtension("WEBGL_debug_renderer_info");
  return String(gl.getParameter(ext === null ? gl.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
};

export const kernels = {
  info: async (): Promise<PageInfo> => ({
    webgl2: GPU.isWebGL2Supported,
    webgpu: await GPU.isWebGPUAvailable(),
    renderer: rendererName(),
    userAgent: navigator.userAgent,
  }),
  /** Builds the kernel, calls it `1 + timed` times, and returns the last result with the timings. */
  matmul: async (mode: PageMode, spec: MatmulSpec, a: Float32Array, b: Float32Array, timed = 0): Promise<MatmulRun> => {
    const mm = buildMatmulKernel(gpuFor(mode), spec);
    const t0 = performance.now();
    let c = await mm.matmul(a, b);
    const firstMs = performance.now() - t0;
    const timesMs: number[] = [];
    for (let i = 0; i < timed; i++) {
      const s = performance.now();
      c = await mm.matmul(a, b);
      timesMs.push(performance.now() - s);
    }
    const inner = (mm.kernel as unknown as { kernel: { fallbackReason?: string | null } }).kernel;
    const run = { c, firstMs, timesMs, layout: mm.layout, kernelClass: classOf(inner), fallbackReason: inner.fallbackReason ?? null };
    mm.kernel.destroy();
    return run;
  },
  /**
   * (A·B)·B with both products device-resident `flat` kernels: the first result (a texture or GPU
   * buffer) is the second's `a` without a readback. B is n×n, A m×n.
   */
  chain: async (mode: PageMode, m: number, n: number, a: Float32Array, b: Float32Array): Promise<Float32Array> => {
    const spec = { m, k: n, n, variant: "flat", pipeline: true } as const;
    const [first, second] = [buildMatmulKernel(gpuFor(mode), spec), buildMatmulKernel(gpuFor(mode), spec)];
    const resident: unknown = await first.kernel(a, b);
    const c = await second.matmul(resident as Float32Array, b);
    first.kernel.destroy();
    second.kernel.destroy();
    return c;
  },
};

export type KernelsApi = typeof kernels;

Object.assign(globalThis, { kernels, pageReady: true });
