/**
 * @file Spec cases as one graph per backend: every primitive and composite spec contributes a few
 * drawn cases (forward outputs and, for differentiable ones, the VJP at a random cotangent), all as
 * outputs of a single graph, so each gpu.js mode compiles once for the whole table (webasm compiles
 * are slow). Each spec remembers which outputs are its own.
 */

import fc from "fast-check";
import { backprop, flatten, input, isNode, size, type Data, type Graph, type HostTensor, type Node, type Tensor } from "../../src";
import type { Spec } from "../support/spec";
import { seededValues } from "../../src/testing";

export interface SpecCases {
  readonly graph: Graph;
  readonly values: HostTensor[];
  /** Output positions of each spec, by name. */
  readonly outputsOf: ReadonlyMap<string, ReadonlyArray<number>>;
}

const host = (shape: ReadonlyArray<number>, data: Data, dtype: Node["dtype"] = "f32"): HostTensor => ({
  shape,
  dtype,
  data: dtype === "f32" ? Float32Array.from(data) : data,
});

const asList = (y: Tensor | ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => ("op" in y ? [y as Tensor] : (y as ReadonlyArray<Tensor>));

/** `cases` draws of every spec (seeded, so every run sees the same cases) in one graph. */
export const specCases = (specs: Readonly<Record<string, Spec>>, cases: number, seed: number): SpecCases => {
  const inputs: Node<"input">[] = [];
  const values: HostTensor[] = [];
  const outputs: Node[] = [];
  const outputsOf = new Map<string, number[]>();
  const draw = seededValues(seed);
  for (const [name, spec] of Object.entries(specs)) {
    const mine: number[] = [];
    const add = (n: Node): void => {
      mine.push(outputs.length);
      outputs.push(n);
    };
    for (const drawn of fc.sample(spec.draw, { seed, numRuns: cases })) {
      if (spec.kind === "values") {
        const c = spec.build(drawn);
        for (const [n, d] of c.bound ?? []) {
          inputs.push(n as Node<"input">);
          values.push(host(n.shape, d, n.dtype));
        }
        c.actual.forEach(add);
        continue;
      }
      const problem = spec.build(drawn);
      const xs = problem.args.map((a, i) => input(`${name}/x${i}`, a.shape));
      problem.args.forEach((a, i) => {
        inputs.push(xs[i] as Node<"input">);
        values.push(host(a.shape, Float64Array.from(a.data)));
      });
      const outs = asList(problem.f(xs));
      outs.forEach(add);
      const diff = outs.filter((o) => o.dtype === "f32");
      const cts = diff.map((o, k) => input(`${name}/c${k}`, o.shape));
      cts.forEach((c) => {
        inputs.push(c as Node<"input">);
        values.push(host(c.shape, draw(size(c.shape))));
      });
      backprop(diff, cts, xs).forEach(add);
    }
    outputsOf.set(name, mine);
  }
  const graph: Graph = { inputs, outputs, inputTree: flatten(inputs, isNode).def, outputTree: flatten(outputs, isNode).def };
  return { graph, values, outputsOf };
};

/** Largest violation of |got − want| ≤ atol + rtol·|want| (NaN must meet NaN), with where it happened. */
export const worstError = (
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
): { excess: number; at: number; got: number; want: number } => {
  let worst = { excess: 0, at: -1, got: 0, want: 0 };
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) return { excess: Infinity, at: i, got: g, want: w };
      continue;
    }
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (excess > worst.excess) worst = { excess, at: i, got: g, want: w };
  }
  return worst;
};
