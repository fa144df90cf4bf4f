/**
 * @file Two implementations of the same function must agree: the same pytree of outputs, the same
 * shapes and dtypes, and every element within |a − b| ≤ atol + rtol·max(|a|, |b|) (NaN matches NaN,
 * ±∞ match only themselves). `assertEquivalent` runs both on the reference interpreter (synchronous,
 * float64 by default); `assertEquivalentOn` runs each on a backend of its own (asynchronous).
 */

import { jit, type Backend } from "../backends/index.js";
import { fromData, isHostTensor, isNode, type Data, type Node, type Tensor } from "../ir/index.js";
import { sameShape, showShape } from "../shape/index.js";
import { flatten, spec } from "../trace/index.js";
import { dataOf, inputsFor, multiIndex, num, runF32, runF64, showIndex, showShapes, type Arg, type TensorsOfArgs } from "./evaluate.js";

/** Tolerances of an equivalence check and the names its message uses. */
export interface EquivalenceOptions {
  /** Relative tolerance (default 1e-10 in float64, 1e-4 in float32 and on backends). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-12 in float64, 1e-5 in float32 and on backends). */
  readonly atol?: number;
  /** What the message calls the two implementations (default `f` and `g`). */
  readonly names?: readonly [string, string];
}

/** Options of `assertEquivalent`: tolerances and the interpreter's precision. */
export interface ReferenceEquivalenceOptions extends EquivalenceOptions {
  /** Float precision of the reference interpreter (default "f64"). */
  readonly precision?: "f32" | "f64";
}

/** Options of `assertEquivalentOn`: tolerances and the backend of each implementation. */
export interface BackendEquivalenceOptions extends EquivalenceOptions {
  /** The backend `f` runs on and the one `g` runs on (the same one twice compares implementations only). */
  readonly backends: readonly [Backend, Backend];
}

/** A function's outputs: a tensor or any pytree of them. */
type Outputs = Tensor | ReadonlyArray<unknown> | { readonly [key: string]: unknown };
/** An implementation with its argument types forgotten. */
type Implementation = (...xs: Tensor[]) => Outputs;

interface Side {
  readonly leaves: ReadonlyArray<{ readonly shape: ReadonlyArray<number>; readonly dtype: string; readonly data: ArrayLike<number> }>;
  readonly paths: ReadonlyArray<string>;
}

const within = (a: number, b: number, rtol: number, atol: number): boolean =>
  Number.isNaN(a) || Number.isNaN(b)
    ? Number.isNaN(a) && Number.isNaN(b)
    : !Number.isFinite(a) || !Number.isFinite(b)
      ? a === b
      : Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));

const describeSide = (s: Side): string => s.leaves.map((l, i) => `${s.paths[i] || "output"} ${showShape(l.shape)} ${l.dtype}`).join(", ");

/** Compares two sides and throws the readable message on the first structural or the worst numeric difference. */
const compare = (
  f: Side,
  g: Side,
  args: ReadonlyArray<Arg>,
  where: string,
  options: EquivalenceOptions,
  defaults: { readonly rtol: number; readonly atol: number },
): void => {
  const [nf, ng] = options.names ?? ["f", "g"];
  const rtol = options.rtol ?? defaults.rtol;
  const atol = options.atol ?? defaults.atol;
  const head = `assertEquivalent: ${nf} and ${ng} differ`;
  if (f.leaves.length !== g.leaves.length || f.paths.some((p, i) => p !== g.paths[i]))
    throw new Error(`${head} in their outputs: ${nf} gives ${describeSide(f)}; ${ng} gives ${describeSide(g)}`);
  f.leaves.forEach((a, k) => {
    const b = g.leaves[k]!;
    const name = f.paths[k] ? `output "${f.paths[k]}"` : "the output";
    if (!sameShape(a.shape, b.shape) || a.dtype !== b.dtype)
      throw new Error(`${head} in ${name}: ${nf} gives ${showShape(a.shape)} ${a.dtype}, ${ng} gives ${showShape(b.shape)} ${b.dtype}`);
    let worst = -1;
    let worstExcess = -1;
    let bad = 0;
    for (let i = 0; i < a.data.length; i++) {
      const [x, y] = [a.data[i]!, b.data[i]!];
      if (within(x, y, rtol, atol)) continue;
      bad++;
      const excess = Number.isFinite(x - y) ? Math.abs(x - y) - rtol * Math.max(Math.abs(x), Math.abs(y)) : Number.POSITIVE_INFINITY;
      if (excess > worstExcess) [worst, worstExcess] = [i, excess];
    }
    if (bad === 0) return;
    const [x, y] = [a.data[worst]!, b.data[worst]!];
    throw new Error(
      [
        `${head} at ${name} ${showIndex(multiIndex(worst, a.shape))} (flat ${worst}): ${nf} gives ${num(x)}, ${ng} gives ${num(y)}`,
        `  |diff| ${num(Math.abs(x - y))} > tolerance ${num(atol + rtol * Math.max(Math.abs(x), Math.abs(y)))} = atol ${num(atol)} + rtol ${num(rtol)} × ${num(Math.max(Math.abs(x), Math.abs(y)))}`,
        `  ${bad} of ${a.data.length} elements out of tolerance; output shape ${showShape(a.shape)}, inputs ${showShapes(args.map((s) => s.shape))}; ${where}`,
      ].join("\n"),
    );
  });
};

const sideOf = (out: unknown, values: (nodes: ReadonlyArray<Node>) => ReadonlyArray<Data>): Side => {
  const { leaves, paths } = flatten(out, isNode);
  const data = values(leaves);
  return { leaves: leaves.map((l, i) => ({ shape: l.shape, dtype: l.dtype, data: data[i]! })), paths };
};

/**
 * Throws unless `f` and `g` compute the same outputs at `args` on the reference interpreter (float64
 * unless `precision` says "f32"): the same pytree, shapes and dtypes, and every element within the
 * tolerance (defaults: rtol 1e-10, atol 1e-12 in float64). The message names the worst element, both
 * values, the tolerance and the shapes.
 * @example
 * assertEquivalent((x) => softmax(x), (x) => div(exp(x), sumKeep(exp(x), [-1])), [{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }]);
 */
export const assertEquivalent = <const A extends ReadonlyArray<Arg>>(
  f: (...xs: TensorsOfArgs<A>) => Outputs,
  g: (...xs: TensorsOfArgs<A>) => Outputs,
  args: A,
  options: ReferenceEquivalenceOptions = {},
): void => {
  const precision = options.precision ?? "f64";
  const xs = inputsFor(args);
  const bound = xs.map((x, i) => [x, dataOf(args[i]!)] as const);
  const run = (nodes: ReadonlyArray<Node>) => (precision === "f64" ? runF64(nodes, bound) : runF32(nodes, bound));
  const call = (h: Implementation) => sideOf(h(...(xs as Tensor[])), run);
  const defaults = precision === "f64" ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 1e-5 };
  compare(
    call(f as Implementation),
    call(g as Implementation),
    args,
    `reference interpreter, ${precision === "f64" ? "float64" : "float32"}`,
    options,
    defaults,
  );
};

/**
 * Like `assertEquivalent`, but `f` runs (traced and prepared) on `backends[0]` and `g` on
 * `backends[1]`: a backend against the reference, or two implementations on one GPU backend.
 * Defaults: rtol 1e-4, atol 1e-5 (float32 arithmetic).
 * @example
 * await assertEquivalentOn((x) => gelu(x), (x) => gelu(x), [x], { backends: [wasm(), reference({ precision: "f64" })] });
 */
export const assertEquivalentOn = async <const A extends ReadonlyArray<Arg>>(
  f: (...xs: TensorsOfArgs<A>) => Outputs,
  g: (...xs: TensorsOfArgs<A>) => Outputs,
  args: A,
  options: BackendEquivalenceOptions,
): Promise<void> => {
  const specs = args.map((a) => spec(a.shape, a.dtype ?? "f32"));
  const hosts = args.map((a) => fromData(a.data, a.shape, a.dtype ?? "f32"));
  const side = async (h: Implementation, backend: Backend): Promise<Side> => {
    const compiled = await jit((xs: ReadonlyArray<Tensor>) => h(...xs), specs, backend);
    const { leaves, paths } = flatten(await compiled(hosts), isHostTensor);
    return { leaves, paths };
  };
  const [bf, bg] = options.backends;
  const [sf, sg] = [await side(f as Implementation, bf), await side(g as Implementation, bg)];
  compare(sf, sg, args, `${bf.name} against ${bg.name}`, options, { rtol: 1e-4, atol: 1e-5 });
};
