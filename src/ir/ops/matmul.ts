/**
 * @file Batched matmul. The primitive takes equal batch dims; the constructor broadcasts them (and the
 * expand's VJP sums them back). `d(A·B) = dA·B + A·dB`, so `Ā = G·Bᵀ` and `B̄ = Aᵀ·G`.
 */

import { matMulShape, sameShape, ShapeError, type Checked, type MatMul, type Ok, type Shape } from "../../shape/index.js";
import { alloc, apply, input0, input1, sameDtype, type OpDef } from "../op-def.js";
import type { Tensor } from "../node.js";
import { broadcastTo, transpose } from "./movement.js";

export const matmulDef: OpDef<"matmul"> = {
  name: "matmul",
  shape: ([a, b]) => {
    const out = matMulShape(a!.shape, b!.shape);
    if (a!.shape.length !== b!.shape.length || !sameShape(a!.shape.slice(0, -2), b!.shape.slice(0, -2))) {
      throw new ShapeError("matmul", "primitive needs equal batch dims", [a!.shape, b!.shape]);
    }
    return out;
  },
  dtype: sameDtype("matmul", ["f32"]),
  vjp: (g, node) => [matmul(g, transpose(input1(node))), matmul(transpose(input0(node)), g)],
  evaluate: ([a, b], node, ctx) => {
    const [m, k] = input0(node).shape.slice(-2) as [number, number];
    const n = node.shape[node.shape.length - 1]!;
    const batch = a!.length / (m * k);
    const out = alloc(node.dtype, batch * m * n, ctx);
    for (let p = 0; p < batch; p++) {
      const ao = p * m * k;
      const bo = p * k * n;
      const oo = p * m * n;
      for (let i = 0; i < m; i++) {
        for (let l = 0; l < k; l++) {
          const av = a![ao + i * k + l]!;
          const row = bo + l * n;
          const orow = oo + i * n;
          for (let j = 0; j < n; j++) out[orow + j] = out[orow + j]! + av * b![row + j]!;
        }
      }
    }
    return out;
  },
};

/** `[..., m, k] @ [..., k, n] → [..., m, n]`; batch dims broadcast. */
export const matmul = <A extends Shape, B extends Shape>(a: Tensor<A>, b: Checked<MatMul<A, B>, Tensor<B>>): Tensor<Ok<MatMul<A, B>>> => {
  const y = b as Tensor;
  const out = matMulShape(a.shape, y.shape);
  const batch = out.slice(0, -2);
  const left = broadcastTo(a as Tensor, [...batch, ...a.shape.slice(-2)]);
  const right = broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  return apply(matmulDef, [left, right], {}) as never;
};
