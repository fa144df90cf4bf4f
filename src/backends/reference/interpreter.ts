/**
 * @file The reference backend: a plain interpreter over typed arrays, node by node in topological
 * order, calling each primitive's own `evaluate`. It is the oracle every other backend is tested
 * against and the easiest code to read. Float work runs in float32 (rounded after every op, like a
 * GPU) or float64 (for gradient checks).
 */

import { isNode, opDef, type Data, type EvalContext, type HostTensor, type Node } from "../../ir/index.js";
import { flatten, topo, unflatten, useCounts, type Graph } from "../../trace/index.js";
import { NonFiniteError, type Backend, type HostOf, type Runner } from "../backend.js";

/** Options of `reference(options)`: float precision and the finite check. */
export interface ReferenceOptions {
  /** Float precision of every f32 value: "f32" (default) or "f64". */
  readonly precision?: "f32" | "f64";
  /** Stop at the first op whose output holds NaN or ±Inf and name it. */
  readonly checkFinite?: boolean;
}

const firstNonFinite = (d: Data): number => {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
};

/** Runs `outputs` with `bound` values for the input nodes; frees each buffer after its last use. */
export const interpret = (outputs: ReadonlyArray<Node>, bound: ReadonlyMap<Node, Data>, options: ReferenceOptions = {}): Data[] => {
  const ctx: EvalContext = { floats: options.precision === "f64" ? (n) => new Float64Array(n) : (n) => new Float32Array(n) };
  const order = topo(outputs);
  const uses = useCounts(order, outputs);
  const values = new Map<Node, Data>();
  order.forEach((node, step) => {
    const given = bound.get(node);
    if (node.op === "input" && given === undefined)
      throw new Error(`input "${(node as Node<"input">).attrs.name}" was not bound to a value`);
    const def = opDef(node.op) as unknown as { evaluate: (i: ReadonlyArray<Data>, n: Node, c: EvalContext) => Data };
    const out =
      given ??
      def.evaluate(
        node.inputs.map((i) => values.get(i)!),
        node,
        ctx,
      );
    if (options.checkFinite === true && node.dtype === "f32") {
      const at = firstNonFinite(out);
      if (at >= 0) throw new NonFiniteError(node.op, `node ${step} (${node.op})`, node.shape, at, out[at]!);
    }
    values.set(node, out);
    for (const i of node.inputs) {
      const left = uses.get(i)! - 1;
      uses.set(i, left);
      if (left === 0) values.delete(i);
    }
  });
  return outputs.map((o) => values.get(o)!);
};

const castIn = (t: HostTensor, precision: "f32" | "f64"): Data =>
  t.dtype !== "f32"
    ? t.data
    : precision === "f64"
      ? Float64Array.from(t.data)
      : t.data instanceof Float32Array
        ? t.data
        : Float32Array.from(t.data);

/** The reference backend, as a `Backend`. */
export const reference = (options: ReferenceOptions = {}): Backend => {
  const precision = options.precision ?? "f32";
  return {
    name: `reference-${precision}`,
    prepare:
      async (graph: Graph): Promise<Runner> =>
      async (inputs) => {
        const bound = new Map<Node, Data>(graph.inputs.map((n, i) => [n, castIn(inputs[i]!, precision)]));
        const out = interpret(graph.outputs, bound, options);
        return graph.outputs.map((o, i) => ({ shape: o.shape, dtype: o.dtype, data: out[i]! }));
      },
  };
};

/**
 * Evaluates a pytree of tensors that depend on no inputs (constants only), eagerly, on the reference
 * backend: handy in examples and tests.
 */
export const realize = async <T>(tree: T, options: ReferenceOptions = {}): Promise<HostOf<T>> => {
  const { leaves, def } = flatten(tree, isNode);
  const free = topo(leaves).filter((n) => n.op === "input");
  if (free.length > 0) {
    throw new Error(
      `realize: the value depends on inputs (${free.map((n) => (n as Node<"input">).attrs.name).join(", ")}); trace and run it instead`,
    );
  }
  const out = interpret(leaves, new Map(), options);
  return unflatten(
    def,
    leaves.map((l, i): HostTensor => ({ shape: l.shape, dtype: l.dtype, data: out[i]! })),
  ) as HostOf<T>;
};
