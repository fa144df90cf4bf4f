/**
 * @file AdamW exactly as `optax.adamw`: `chain(scale_by_adam(b1, b2, eps, eps_root),
 * add_decayed_weights(weight_decay, mask), scale_by_learning_rate(lr))`. An optimiser is a pure
 * `(params, grads, state) → (params, state)` written with DSL ops, so the update traces into the same
 * graph as the gradient and compiles with it.
 *
 * State: `{ step, mu, nu }`, where `step` is an i32 scalar (steps taken so far; exact counting, cast to
 * f32 for the maths) and `mu`, `nu` are pytrees shaped like the parameters (first and second moments).
 * `adamwInit` gives the initial state as host tensors (zeros), what checkpoints store and compiled
 * steps take as inputs. Per step, with t = step + 1 and lr = schedule(step) (optax counts from 0):
 *   mu ← (1 − b1)·g + b1·mu,  nu ← (1 − b2)·g² + b2·nu
 *   u  = (mu / (1 − b1ᵗ)) / (√(nu / (1 − b2ᵗ) + eps_root) + eps) + wd·p   (wd·p only where the mask says)
 *   p  ← p − lr·u
 */

import { add, cast, div, isNode, mul, pow, sqrt, sub, type HostTensor, type Node, type Tensor } from "../ir/index.js";
import { ShapeError, sameShape, size } from "../shape/index.js";
import { flatten, isSpec, mapLeaves, unflatten, type MapLeaves, type Spec } from "../trace/index.js";
import { defaultDecayMask, type DecayMask } from "./mask.js";
import { asSchedule, type Schedule } from "./schedule.js";

/** AdamW's hyper-parameters; every default is DESIGN.md §2's (optax's own weight decay default is 1e-4). */
export interface AdamWConfig {
  /** A fixed rate or a schedule of the step (evaluated in the graph). */
  readonly learningRate: number | Schedule;
  /** Decay of the first-moment average; 0.9 by default. */
  readonly b1?: number;
  /** Decay of the second-moment average; 0.999 by default. */
  readonly b2?: number;
  /** Added to the root of the second moment in the denominator; 1e-8 by default. */
  readonly eps?: number;
  /** Added inside the square root (optax's `eps_root`); 0 by default. */
  readonly epsRoot?: number;
  /** Decoupled weight decay; 0.05 by default. */
  readonly weightDecay?: number;
  /** Which parameter paths decay; `defaultDecayMask` by default. */
  readonly mask?: DecayMask;
}

/** Optimiser state: steps taken, and the moments as pytrees shaped like the parameters. */
export interface AdamWState<T, Step = Tensor<readonly []>> {
  readonly step: Step;
  readonly mu: T;
  readonly nu: T;
}

/** The state on the host: host tensors everywhere. */
export type HostAdamWState<P> = AdamWState<MapLeaves<P, Spec, HostTensor>, HostTensor<readonly []>>;

/** One step's result. */
export interface AdamWStep<P> {
  readonly params: P;
  readonly state: AdamWState<P>;
  /** The learning rate this step used. */
  readonly lr: Tensor<readonly []>;
}

/**
 * An AdamW optimiser (optax `adamw`, decoupled weight decay): its resolved configuration, `init` for the state and `update` for one step as
 * graph operations.
 */
export interface AdamW {
  /** The configuration with every default filled in. */
  readonly config: Required<Omit<AdamWConfig, "learningRate">> & { readonly learningRate: Schedule };
  /** The initial state for `params` (any pytree of tensors, host tensors or specs): step 0, zero moments (as `adamwInit`). */
  readonly init: <P>(params: P) => HostAdamWState<P>;
  /**
   * One step, built as graph nodes (trace or jit it): new params, new state and the learning rate used. Throws `ShapeError` when `grads` or
   * the moments differ from `params` in structure or shape.
   */
  readonly update: <P>(params: P, grads: P, state: AdamWState<P>) => AdamWStep<P>;
}

/**
 * The initial state for `params` (any pytree of tensors, host tensors or specs): step 0, zero moments.
 * @example
 * const state = adamwInit(params); // { step: i32 0, mu: zeros like params, nu: zeros like params }
 */
export const adamwInit = <P>(params: P): HostAdamWState<P> => {
  const zeros = (): unknown =>
    mapLeaves(params, isSpec, (leaf): HostTensor => ({ shape: leaf.shape, dtype: "f32", data: new Float32Array(size(leaf.shape)) }));
  return { step: { shape: [] as const, dtype: "i32", data: new Int32Array(1) }, mu: zeros(), nu: zeros() } as HostAdamWState<P>;
};

/** Leaves and paths of a tree that must have `params`' structure and shapes; names the first mismatch. */
const leavesLike = (what: string, tree: unknown, paths: ReadonlyArray<string>, shapes: ReadonlyArray<Node>): Node[] => {
  const flat = flatten(tree, isNode);
  if (flat.paths.join("\n") !== paths.join("\n")) {
    const at = paths.findIndex((p, i) => flat.paths[i] !== p);
    throw new ShapeError(
      "adamw",
      `${what} differs from the parameters in structure: parameter "${paths[at] ?? "<end>"}" vs "${flat.paths[at] ?? "<end>"}"`,
    );
  }
  flat.leaves.forEach((leaf, i) => {
    if (!sameShape(leaf.shape, shapes[i]!.shape))
      throw new ShapeError("adamw", `${what} at "${paths[i]}" has the wrong shape`, [shapes[i]!.shape, leaf.shape]);
  });
  return flat.leaves;
};

/**
 * AdamW as optax.adamw, with DESIGN.md §2's defaults (β 0.9, 0.999, eps 1e-8, weight decay 0.05 on
 * the paths `mask` selects).
 * @example
 * const opt = adamw({ learningRate: warmupCosine({ baseLr: 1.5e-4, warmupSteps: 10, totalSteps: 100 }) });
 * const next = opt.update(params, valueAndGrad(loss)(params)[1], state); // { params, state, lr }
 */
export const adamw = (cfg: AdamWConfig): AdamW => {
  const config = {
    learningRate: asSchedule(cfg.learningRate),
    b1: cfg.b1 ?? 0.9,
    b2: cfg.b2 ?? 0.999,
    eps: cfg.eps ?? 1e-8,
    epsRoot: cfg.epsRoot ?? 0,
    weightDecay: cfg.weightDecay ?? 0.05,
    mask: cfg.mask ?? defaultDecayMask,
  };
  const { b1, b2, eps, epsRoot, weightDecay, mask } = config;
  const update = <P>(params: P, grads: P, state: AdamWState<P>): AdamWStep<P> => {
    const p = flatten(params, isNode);
    const g = leavesLike("the gradient", grads, p.paths, p.leaves);
    const mu = leavesLike("mu", state.mu, p.paths, p.leaves);
    const nu = leavesLike("nu", state.nu, p.paths, p.leaves);
    if (state.step.dtype !== "i32" || state.step.shape.length !== 0)
      throw new ShapeError("adamw", `step must be an i32 scalar, got ${state.step.dtype}`, [state.step.shape]);
    const step = cast(state.step, "f32");
    const t = add(step, 1);
    const lr = config.learningRate.tensor(step);
    const correction1 = sub(1, pow(b1, t)); // bias corrections of the zero-initialised moments
    const correction2 = sub(1, pow(b2, t));
    const out = p.leaves.map((x, i) => {
      const gi = g[i]!;
      const m = add(mul(gi, 1 - b1), mul(mu[i]!, b1));
      const v = add(mul(mul(gi, gi), 1 - b2), mul(nu[i]!, b2));
      const adam = div(div(m, correction1), add(sqrt(add(div(v, correction2), epsRoot)), eps));
      const u = weightDecay !== 0 && mask(p.paths[i]!) ? add(adam, mul(x, weightDecay)) : adam;
      return { p: sub(x, mul(u, lr)), m, v };
    });
    const rebuild = (k: "p" | "m" | "v"): P =>
      unflatten(
        p.def,
        out.map((o) => o[k]),
      ) as P;
    return { params: rebuild("p"), state: { step: add(state.step, 1), mu: rebuild("m"), nu: rebuild("v") }, lr };
  };
  return { config, init: adamwInit, update };
};

/**
 * The parameter paths `mask` decays, for logs and `inspect`.
 * @example
 * decayedPaths(params); // ["decoder_block_00/Mlp_0/Dense_0/kernel", …]
 */
export const decayedPaths = (params: unknown, mask: DecayMask = defaultDecayMask): string[] => flatten(params, isSpec).paths.filter(mask);
