/**
 * @file The peer: the same matmul and attention workloads in TensorFlow.js on its WebAssembly backend
 * (XNNPACK, SIMD; one thread in Node). The attention layers are written the way per-op libraries
 * (and the official MW-MAE code) run them: MW-MHA loops over heads, one window attention per head.
 * Gradients by `tf.valueAndGrads` of Σ y·cot over the parameters and the input, all read back.
 */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { build } from "esbuild";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { HostTensor } from "../../src";
import type { Job } from "../job";
import type { Workload } from "../schema";
import { attentionSize, matmulOperands, mhaData, mwmhaData, quickAttentionSize, windowsFor, type AttentionSize } from "./data";

/**
 * Registers tfjs's gradient functions. tfjs-core's Node bundle has none (the `@tensorflow/tfjs` umbrella
 * adds them from `dist/register_all_gradients.js`, an ES module Node cannot load: it imports directories),
 * so that module is bundled here. Its copy of tfjs-core internals shares the engine and the gradient
 * registry with ours: tfjs keeps both on a global namespace for exactly this case.
 */
const registerGradients = async (): Promise<void> => {
  const require = createRequire(import.meta.url);
  const out = await build({
    entryPoints: [require.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js")],
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
    logLevel: "error",
  });
  const module = { exports: {} };
  new Function("require", "module", "exports", out.outputFiles[0]!.text)(require, module, module.exports);
};

/** Selects tfjs's wasm backend, loading its .wasm files from node_modules; returns its name. */
export const initTfjs = async (): Promise<string> => {
  const pkg = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json");
  setWasmPaths(`${join(dirname(pkg), "dist")}/`);
  await registerGradients();
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
  await tf.ready();
  return "wasm";
};

/** A host tensor as a float32 tfjs tensor (a copy into tfjs's heap). */
export const fromHost = (t: HostTensor): tf.Tensor => tf.tensor(t.data as Float32Array, [...t.shape], "float32");

export const tfjsMatmulJob = (workload: Workload, n: number): Job => ({
  workload,
  impl: "tfjs",
  backend: "wasm",
  prepare: async () => {
    const { a, b } = matmulOperands(n);
    const [ta, tb] = [fromHost(a), fromHost(b)];
    return {
      call: async () => {
        const c = tf.matMul(ta, tb);
        await c.data();
        c.dispose();
      },
      flops: 2 * n ** 3,
    };
  },
});

/** Softmax attention of q, k, v `[..., n, e]` with an optional bias broadcast onto the scores. */
export const sdpa = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias?: tf.Tensor): tf.Tensor => {
  const e = q.shape[q.shape.length - 1]!;
  const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(e));
  return tf.matMul(tf.softmax(bias === undefined ? scores : tf.add(scores, bias)), v);
};

/** q, k, v `[B, H, N, hd]` from tokens, official fused-qkv layout ([3, heads, hd] per token). */
export const qkvHeads = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, heads: number): tf.Tensor[] => {
  const [batch, n, d] = x.shape as [number, number, number];
  const qkv = tf.add(tf.matMul(tf.reshape(x, [batch * n, d]), w), b);
  return tf.unstack(tf.transpose(tf.reshape(qkv, [batch, n, 3, heads, d / heads]), [2, 0, 3, 1, 4]));
};

/** Heads `[B, H, N, hd]` joined head-major and projected: `[B·N, H·hd]`. */
export const project = (o: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  const [batch, h, n, hd] = o.shape as [number, number, number, number];
  return tf.add(tf.matMul(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [batch * n, h * hd]), w), b);
};

const mha =
  (heads: number) =>
  ([x, wq, bq, wp, bp]: tf.Tensor[]): tf.Tensor => {
    const [q, k, v] = qkvHeads(x!, wq!, bq!, heads);
    return project(sdpa(q!, k!, v!), wp!, bp!);
  };

const oneHots = new Map<number, tf.Tensor>();

/**
 * One-hot rows of the relative position index i − j + w − 1, `[w·w, 2w − 1]`: the bias is this times
 * the table. (A gather would be the direct form, but its gradient needs UnsortedSegmentSum, which
 * tfjs's wasm backend lacks.) A constant of w, built once and kept (w = 125: 15.6 MB).
 */
const relativeOneHot = (w: number): tf.Tensor => {
  const known = oneHots.get(w);
  if (known !== undefined) return known;
  const index = Array.from({ length: w * w }, (_, ij) => Math.floor(ij / w) - (ij % w) + w - 1);
  const made = tf.keep(tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(index, "int32"), 2 * w - 1), "float32")));
  oneHots.set(w, made);
  return made;
};

/**
 * One attention call per head, as the official code: windows by reshape, bias gathered from the head's table.
 * Takes `[x, qkv kernel, qkv bias, proj kernel, proj bias, ...tables of the window heads]`; gives `[B·N, D]`.
 */
export const mwmhaLayer =
  (windows: ReadonlyArray<number>) =>
  ([x, wq, bq, wp, bp, ...tables]: tf.Tensor[]): tf.Tensor => {
    const [q, k, v] = qkvHeads(x!, wq!, bq!, windows.length);
    const [batch, , n, hd] = q!.shape as [number, number, number, number];
    let t = 0;
    const outs = windows.map((w, h) => {
      const [qh, kh, vh] = [q!, k!, v!].map((z) => tf.squeeze(tf.slice(z, [0, h, 0, 0], [batch, 1, n, hd]), [1])) as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      if (w === 0) return sdpa(qh, kh, vh);
      const split = (z: tf.Tensor) => tf.reshape(z, [batch, n / w, w, hd]);
      const bias = tf.reshape(tf.matMul(relativeOneHot(w), tables[t++]!), [w, w]);
      return tf.reshape(sdpa(split(qh), split(kh), split(vh), bias), [batch, n, hd]);
    });
    return project(tf.stack(outs, 1), wp!, bp!);
  };

type AttentionWorkload = "mha-fwd-bwd" | "mwmha-fwd-bwd";

/** The layer's primals (input, then parameters), its cotangent, and the loss Σ layer(primals)·cot. */
const attentionProblem = async (workload: AttentionWorkload, size: AttentionSize) => {
  const windows = windowsFor(size);
  const [cotHost, primalHosts, layer] =
    workload === "mha-fwd-bwd"
      ? await mhaData(size).then(
          ({ params: p, x, cot }) =>
            [cot, [x, p.Dense_0.kernel, p.Dense_0.bias, p.Dense_1.kernel, p.Dense_1.bias], mha(size.heads)] as const,
        )
      : await mwmhaData(size).then(({ params: p, x, cot }) => {
          const tables = windows.flatMap((w, h) => (w > 0 ? [p[`attn_heads_${h}`]!.relative_position_bias_table] : []));
          return [cot, [x, p.qkv.kernel, p.qkv.bias, p.proj.kernel, p.proj.bias, ...tables], mwmhaLayer(windows)] as const;
        });
  const cot = fromHost(cotHost);
  const primals = primalHosts.map(fromHost);
  const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(layer(xs), cot.shape), cot)) as tf.Scalar;
  return { primals, loss };
};

/** The loss value alone, to check that the peer computes what ours does. */
export const tfjsAttentionLoss = async (workload: AttentionWorkload, size: AttentionSize): Promise<number> => {
  const { primals, loss } = await attentionProblem(workload, size);
  const value = loss(...primals);
  const [v] = await value.data();
  tf.dispose([value, ...primals]);
  return v!;
};

const fwdBwdJob = (workload: AttentionWorkload, size: AttentionSize): Job => ({
  workload,
  impl: "tfjs",
  backend: "wasm",
  prepare: async () => {
    const { primals, loss } = await attentionProblem(workload, size);
    return {
      call: async () => {
        const { value, grads } = tf.valueAndGrads(loss)(primals);
        await Promise.all([value, ...grads].map((g) => g.data()));
        tf.dispose([value, ...grads]);
      },
    };
  },
});

export const tfjsAttentionJobs = (quick: boolean): Job[] => {
  const size: AttentionSize = quick ? quickAttentionSize : attentionSize;
  return [fwdBwdJob("mha-fwd-bwd", size), fwdBwdJob("mwmha-fwd-bwd", size)];
};
