/**
 * @file Dependence read off autodiff: which output positions can see which input positions. For each
 * output position p, the VJP at a random cotangent supported on p alone gives ∂⟨c_p, y_p⟩/∂x; an input
 * position q is a dependence of p when that gradient is non-zero on q. A position is an index over a
 * tensor's leading axes (tokens of `[batch, tokens, features]` are its first two), and the trailing
 * axes are summed over as its features. In float64, a masked pair (−∞ before a softmax, a select, a
 * zero weight) gives a gradient of exactly 0, so "does not depend" needs no tolerance; a random
 * cotangent makes an accidental exact cancellation a measure-zero event.
 */

import { backprop } from "../autodiff/index.js";
import { input, type Tensor } from "../ir/index.js";
import { showShape, size, type Shape } from "../shape/index.js";
import { seededValues } from "./arbitraries.js";
import { dataOf, inputsFor, runF64, type Arg, type TensorsOfArgs } from "./evaluate.js";

/** How `dependence` groups elements into positions. */
export interface DependenceOptions {
  /** Leading axes of the output that index a position (default: all, one position per element). */
  readonly outputAxes?: number;
  /** Leading axes of each input that index a position: one count for all inputs or one per input (default: all). */
  readonly inputAxes?: number | ReadonlyArray<number>;
  /** Seed of the random cotangents (default 0). */
  readonly seed?: number;
  /** A gradient norm above this counts as a dependence (default 0: any non-zero gradient). */
  readonly threshold?: number;
}

/** Which output positions depend on which input positions, with the gradient norms that say so. */
export interface Dependence {
  /** Shape of the function's output. */
  readonly outputShape: Shape;
  /** The output's position axes (its leading `outputAxes` dims). */
  readonly outputPositions: Shape;
  /** Each input's shape. */
  readonly inputShapes: ReadonlyArray<Shape>;
  /** Each input's position axes. */
  readonly inputPositions: ReadonlyArray<Shape>;
  /** Per input, row-major [output position, input position]: the norm of the gradient over the input position's features. */
  readonly magnitude: ReadonlyArray<Float64Array>;
  /** Norms above this are dependences. */
  readonly threshold: number;
}

const positionAxes = (what: string, shape: Shape, axes: number | undefined): number => {
  const n = axes ?? shape.length;
  if (!Number.isInteger(n) || n < 0 || n > shape.length)
    throw new RangeError(`dependence: ${what} has shape ${showShape(shape)}; ${n} position axes is not in [0, ${shape.length}]`);
  return n;
};

/**
 * Which output positions of `f` depend on which positions of its inputs at `args`, from one VJP per
 * output position (float64, reference interpreter). Close over parameters and index inputs: every
 * argument must be f32.
 * @example
 * // y[i] = x[i] + x[i − 1]: position i sees i − 1 and i.
 * const dep = dependence((x) => add(x, padAll(sliceAll(x, [0], [3]), [1], [0])), [{ shape: [4], data: [1, 2, 3, 4] }]);
 * depends(dep, [2], [1]); // true
 */
export const dependence = <const A extends ReadonlyArray<Arg>>(
  f: (...xs: TensorsOfArgs<A>) => Tensor,
  args: A,
  options: DependenceOptions = {},
): Dependence => {
  args.forEach((a, i) => {
    if (a.dtype !== undefined && a.dtype !== "f32")
      throw new Error(`dependence: argument ${i} is ${a.dtype}; only f32 arguments have gradients (close over index inputs)`);
  });
  const xs = inputsFor(args);
  const y = (f as (...t: Tensor[]) => Tensor)(...(xs as Tensor[]));
  if (y.dtype !== "f32") throw new Error(`dependence: the function returns ${y.dtype}; only f32 outputs have gradients`);
  const outAxes = positionAxes("the output", y.shape, options.outputAxes);
  const inAxes = args.map((a, k) =>
    positionAxes(`input ${k}`, a.shape, typeof options.inputAxes === "number" ? options.inputAxes : options.inputAxes?.[k]),
  );
  const outPositions = y.shape.slice(0, outAxes);
  const outBlock = size(y.shape.slice(outAxes));
  const inPositions = args.map((a, k) => a.shape.slice(0, inAxes[k]));
  const inBlocks = args.map((a, k) => size(a.shape.slice(inAxes[k])));
  const c = input("cotangent", y.shape);
  const grads = backprop([y], [c], xs);
  const probe = seededValues(options.seed ?? 0)(size(y.shape));
  const base = args.map(dataOf);
  const nOut = size(outPositions);
  const magnitude = inPositions.map((p) => new Float64Array(nOut * size(p)));
  const ct = new Float64Array(size(y.shape));
  for (let p = 0; p < nOut; p++) {
    ct.fill(0);
    for (let e = p * outBlock; e < (p + 1) * outBlock; e++) ct[e] = probe[e]!;
    const g = runF64(grads, [...xs.map((x, k) => [x, base[k]!] as const), [c, ct] as const]);
    g.forEach((gk, k) => {
      const block = inBlocks[k]!;
      const nIn = size(inPositions[k]!);
      for (let q = 0; q < nIn; q++) {
        let s = 0;
        for (let e = q * block; e < (q + 1) * block; e++) s += gk[e]! * gk[e]!;
        magnitude[k]![p * nIn + q] = Math.sqrt(s);
      }
    });
  }
  return {
    outputShape: y.shape,
    outputPositions: outPositions,
    inputShapes: args.map((a) => a.shape),
    inputPositions: inPositions,
    magnitude,
    threshold: options.threshold ?? 0,
  };
};

const flatIndex = (what: string, index: number | ReadonlyArray<number>, shape: Shape): number => {
  if (typeof index === "number") return index;
  if (index.length !== shape.length || index.some((v, d) => !Number.isInteger(v) || v < 0 || v >= shape[d]!))
    throw new RangeError(`depends: ${what} [${index.join(", ")}] is not a position of ${showShape(shape)}`);
  return index.reduce((acc, v, d) => acc * shape[d]! + v, 0);
};

/**
 * Whether output position `output` depends on position `position` of input `which` (default 0);
 * positions are multi-indices over the position axes, or flat row-major indices.
 * @example
 * depends(dep, [0, 3], [0, 1]); // does token 3 of example 0 see token 1?
 */
export const depends = (
  dep: Dependence,
  output: number | ReadonlyArray<number>,
  position: number | ReadonlyArray<number>,
  which = 0,
): boolean => {
  const shape = dep.inputPositions[which];
  if (shape === undefined) throw new RangeError(`depends: no input ${which} (the function has ${dep.inputPositions.length})`);
  const o = flatIndex("output position", output, dep.outputPositions);
  const i = flatIndex("input position", position, shape);
  return dep.magnitude[which]![o * size(shape) + i]! > dep.threshold;
};

/**
 * The dependence of input `which` as a character map, one row per output position and one column per
 * input position: `#` depends, `.` does not.
 * @example
 * console.log(showDependence(dependence(causalAttention, [x])));
 */
export const showDependence = (dep: Dependence, which = 0): string => {
  const nIn = size(dep.inputPositions[which] ?? []);
  const nOut = size(dep.outputPositions);
  return Array.from({ length: nOut }, (_, o) =>
    Array.from({ length: nIn }, (_, i) => (dep.magnitude[which]![o * nIn + i]! > dep.threshold ? "#" : ".")).join(""),
  ).join("\n");
};
