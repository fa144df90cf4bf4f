/**
 * @file Hand-tuned gpu.js matmul kernels (docs/gpujs-notes.md, "Dense matmul throughput"): `naive`
 * (one output cell per thread), `flat` (naive with a flat output, for device-resident pipelines),
 * `rows4` (4 output rows per thread, so one lane-varying load of B feeds 4 multiply-adds) and `rows4u4`
 * (rows4 with the inner loop unrolled by 4: 4 B loads feed 16 multiply-adds, the fastest on webasm).
 * Kernels are generated as source text with every size and stride a literal, so loop bounds are exact
 * (no `loopMaxIterations` cut) and the same text runs on cpu, webasm, async, webgl2 and webgpu.
 * Operands are flat row-major arrays (or flat pipeline textures) addressed through strides, so batch
 * broadcasting and transposed operands cost nothing extra.
 */

import type { GPU, IKernelRunShortcut, KernelOutput, Texture } from "gpu.js";

/**
 * The kernel formulations, slowest to fastest on webasm. `flat` is `naive` with a flat row-major
 * output (`[batch·m·n]`, thread x = (b·m + i)·n + j), so a device-resident result feeds kernels that
 * index flat buffers directly.
 */
export type MatmulVariant = "naive" | "flat" | "rows4" | "rows4u4";
export const matmulVariants: ReadonlyArray<MatmulVariant> = ["naive", "flat", "rows4", "rows4u4"];

/** Element strides of an operand: [batch, outer, inner] for A, [batch, inner, outer] for B. */
export type Strides = readonly [number, number, number];

export interface MatmulSpec {
  /** C[b] = A[b] (m×k) @ B[b] (k×n), for b < batch (default 1). */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly batch?: number;
  /** A[b, i, p] is at b·s0 + i·s1 + p·s2; default row-major [m·k, k, 1]; s0 = 0 broadcasts A over the batch. */
  readonly aStrides?: Strides;
  /** B[b, p, j] is at b·s0 + p·s1 + j·s2; default row-major [k·n, n, 1]; [0, 1, k] reads a transposed k×n. */
  readonly bStrides?: Strides;
  readonly variant: MatmulVariant;
  /** Keep the result on the device (a texture on webgl2, a buffer on webgpu); plain arrays elsewhere. */
  readonly pipeline?: boolean;
}

/**
 * How the raw kernel output is laid out:
 * - `flat`: one Float32Array, C row-major;
 * - `rows`: gpu.js 2D `out[y][x]`, y = b·m + i, x = j (row-major once the rows are concatenated);
 * - `rows4`: gpu.js 2D, `out[y][x]` a 4-vector C[b, 4g + q, j] for q < 4, y = b·⌈m/4⌉ + g (rows past m
 *   are padding).
 */
export type MatmulLayout = "flat" | "rows" | "rows4";

export interface MatmulKernel {
  readonly spec: Required<Omit<MatmulSpec, "pipeline">>;
  readonly layout: MatmulLayout;
  /** gpu.js output size: [x] for `flat`, [x, y] otherwise. */
  readonly output: ReadonlyArray<number>;
  /** The generated kernel source, for error messages and inspection. */
  readonly source: string;
  /** The gpu.js kernel; call it as `kernel(a, b)`: a value on cpu/webasm, a Promise on async/webgpu. */
  readonly kernel: IKernelRunShortcut;
  /** Floating-point operations of one call (2·batch·m·k·n). */
  readonly flops: number;
  /**
   * Row-major C [batch, m, n] from a raw host output (a pipeline result's awaited `toArray()`); writes
   * into `into` when given. This is the one host copy the layout costs.
   */
  readonly toRowMajor: (out: KernelOutput, into?: Float32Array) => Float32Array;
  /** Runs, awaits, reads back and flattens: the convenient path for tests and benchmarks. */
  readonly matmul: (a: Float32Array | Texture, b: Float32Array | Texture) => Promise<Float32Array>;
}

const rowsPerThread = (variant: MatmulVariant): number => (variant === "naive" || variant === "flat" ? 1 : 4);

/** Source lines that set `bi` (batch index) and `r` (first output row) from the thread's y; +0.5 keeps float division exact on GL. */
const rowPrologue = (groups: number, batch: number, rows: number): string =>
  batch === 1
    ? `const bi = 0; const r = this.thread.y * ${rows};`
    : `const bi = Math.floor((this.thread.y + 0.5) / ${groups}); const r = (this.thread.y - bi * ${groups}) * ${rows};`;

/** `flat`: row, column and batch from the flat thread index. */
const flatPrologue = (s: MatmulKernel["spec"]): string =>
  [
    "const t = this.thread.x;",
    `const row = Math.floor((t + 0.5) / ${s.n}); const j = t - row * ${s.n};`,
    s.batch === 1 ? "const bi = 0; const r = row;" : `const bi = Math.floor((row + 0.5) / ${s.m}); const r = row - bi * ${s.m};`,
  ].join("\n  ");

const naiveSource = (s: MatmulKernel["spec"], flat: boolean): string => {
  const [ab, ai, ak] = s.aStrides;
  const [bb, bk, bj] = s.bStrides;
  return `function (a, b) {
  ${flat ? flatPrologue(s) : `${rowPrologue(s.m, s.batch, 1)} const j = this.thread.x;`}
  const ao = bi * ${ab} + r * ${ai};
  const bo = bi * ${bb} + j * ${bj};
  let sum = 0;
  for (let p = 0; p < ${s.k}; p++) {
    sum += a[ao + p * ${ak}] * b[bo + p * ${bk}];
  }
  return sum;
}`;
};

/** rows4 and rows4u4: 4 accumulators; `unroll` B loads per loop trip, then a scalar tail. */
const rows4Source = (s: MatmulKernel["spec"], unroll: 1 | 4): string => {
  const [ab, ai, ak] = s.aStrides;
  const [bb, bk, bj] = s.bStrides;
  const q = [0, 1, 2, 3];
  // Rows past m (when m % 4 ≠ 0) re-read row m−1: in bounds, and dropped by toRowMajor.
  const rowOffsets = q.map((d) => `const a${d} = bi * ${ab} + Math.min(r + ${d}, ${s.m - 1}) * ${ai};`).join("\n  ");
  const step = (p: string): string =>
    [`{ const bv = b[bo + (${p}) * ${bk}];`, ...q.map((d) => `s${d} += a[a${d} + (${p}) * ${ak}] * bv;`), "}"].join(" ");
  const main = Math.floor(s.k / unroll) * unroll;
  const body = Array.from({ length: unroll }, (_, u) => step(u === 0 ? "p" : `p + ${u}`)).join("\n    ");
  const tail = main < s.k ? `for (let p = ${main}; p < ${s.k}; p++) {\n    ${step("p")}\n  }` : "";
  return `function (a, b) {
  ${rowPrologue(Math.ceil(s.m / 4), s.batch, 4)}
  ${rowOffsets}
  const bo = bi * ${bb} + this.thread.x * ${bj};
  let s0 = 0; let s1 = 0; let s2 = 0; let s3 = 0;
  for (let p = 0; p < ${main}; p += ${unroll}) {
    ${body}
  }
  ${tail}
  return [s0, s1, s2, s3];
}`;
};

/** A pipeline result: a GL texture (`toArray()` returns the array) or a WebGPU buffer (returns a Promise). */
const isDeviceResult = (x: unknown): x is { toArray: () => unknown } =>
  typeof x === "object" && x !== null && typeof (x as { toArray?: unknown }).toArray === "function" && !ArrayBuffer.isView(x);

/**
 * Builds one matmul kernel for fixed sizes on `gpu` (any mode). Throws on sizes that are not positive
 * integers; gpu.js compiles lazily, on the first call.
 * @example
 * const mm = buildMatmulKernel(new GPU({ mode: "webasm" }), { m: 64, k: 32, n: 16, variant: "rows4u4" });
 * const c = await mm.matmul(aRowMajor, bRowMajor); // Float32Array, 64×16 row-major
 */
export const buildMatmulKernel = (gpu: GPU, options: MatmulSpec): MatmulKernel => {
  const { m, k, n, variant } = options;
  const batch = options.batch ?? 1;
  for (const [name, v] of [
    ["m", m],
    ["k", k],
    ["n", n],
    ["batch", batch],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`buildMatmulKernel: ${name} must be a positive integer, got ${v}`);
  }
  const spec = {
    m,
    k,
    n,
    batch,
    variant,
    aStrides: options.aStrides ?? [m * k, k, 1],
    bStrides: options.bStrides ?? [k * n, n, 1],
  } as const;
  const rows = rowsPerThread(variant);
  const layout: MatmulLayout = variant === "flat" ? "flat" : rows === 1 ? "rows" : "rows4";
  const output = layout === "flat" ? [batch * m * n] : [n, batch * Math.ceil(m / rows)];
  const source = rows === 1 ? naiveSource(spec, layout === "flat") : rows4Source(spec, variant === "rows4u4" ? 4 : 1);
  const kernel = gpu.createKernel(source, {
    output: [...output],
    returnType: rows === 1 ? "Float" : "Array(4)",
    // Bounds are literals already; this guards against gpu.js treating any of them as dynamic.
    loopMaxIterations: k + 1,
    precision: "single",
    pipeline: options.pipeline === true,
    immutable: options.pipeline === true,
    argumentTypes: { a: "Array", b: "Array" },
  } as Parameters<GPU["createKernel"]>[1]);
  const toRowMajor = (out: KernelOutput, into: Float32Array = new Float32Array(batch * m * n)): Float32Array => {
    if (layout === "flat") {
      into.set(out as unknown as ArrayLike<number>);
      return into;
    }
    const grid = out as unknown as ArrayLike<ArrayLike<number | ArrayLike<number>>>;
    if (layout === "rows") {
      for (let y = 0; y < output[1]!; y++) into.set(grid[y] as ArrayLike<number>, y * n);
      return into;
    }
    const groups = Math.ceil(m / 4);
    for (let y = 0; y < output[1]!; y++) {
      const bi = Math.floor(y / groups);
      const r0 = (y - bi * groups) * 4;
      const row = grid[y]!;
      for (let q = 0; q < 4 && r0 + q < m; q++) {
        const base = (bi * m + r0 + q) * n;
        for (let j = 0; j < n; j++) into[base + j] = (row[j] as ArrayLike<number>)[q]!;
      }
    }
    return into;
  };
  const matmul = async (a: Float32Array | Texture, b: Float32Array | Texture): Promise<Float32Array> => {
    const out: unknown = await kernel(a, b);
    if (!isDeviceResult(out)) return toRowMajor(out as KernelOutput);
    const host = toRowMajor((await out.toArray()) as KernelOutput);
    (out as { delete?: () => void }).delete?.(); // a pipeline result owns device memory until deleted
    return host;
  };
  return { spec, layout, output, source, kernel, flops: 2 * batch * m * k * n, toRowMajor, matmul };
};
