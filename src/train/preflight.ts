/**
 * @file Before a run does anything slow or writes anything: does the model fit? Every parameter and,
 * on the compiled backends, every tensor of the training step must fit one buffer of the compiler's
 * buffer plan (`MAX_ELEMENTS`, the float32 index-arithmetic limit). A failure names the largest
 * tensor and suggests a batch size that fits, instead of a `BufferLimitError` (or a `RangeError` from
 * an allocation) half a minute into the run.
 */

import * as E from "fp-ts/lib/Either.js";
import { BufferLimitError, MAX_ELEMENTS, optimize, schedule } from "../compile/index.js";
import { paramShapes, treeFromFlat, type MwmaeConfig } from "../models/mwmae/index.js";
import { size } from "../shape/index.js";
import { spec } from "../trace/index.js";
import type { TrainConfig } from "./config.js";
import { traceStep } from "./step.js";

/** The first parameter with more elements than a buffer holds, as a sentence; undefined when all fit. */
export const oversizedParameter = (model: MwmaeConfig): string | undefined => {
  for (const [path, shape] of paramShapes(model)) {
    const n = size(shape);
    if (n > MAX_ELEMENTS)
      return `the model is too large: parameter ${path} [${shape.join(", ")}] has ${n} elements, more than the ${MAX_ELEMENTS} a buffer holds (use smaller widths or a smaller input)`;
  }
  return undefined;
};

/** The oversized tensor of the step at `batch`, or undefined when every tensor fits. */
const oversizedAt = (model: MwmaeConfig, train: TrainConfig, batch: number): BufferLimitError | undefined => {
  const params = treeFromFlat(Object.fromEntries(paramShapes(model).map(([path, shape]) => [path, spec(shape)])));
  try {
    schedule(optimize(traceStep(model, { ...train, batch }, params)));
    return undefined;
  } catch (e) {
    if (e instanceof BufferLimitError) return e;
    throw e;
  }
};

/**
 * Checks, without running anything, that `model` trains at `train.batch`: parameters always, and the
 * step's tensors when `compiled` (the wasm and gpu.js backends plan buffers; the reference interpreter
 * does not). `Left` names the largest tensor and the largest batch that fits.
 * @example
 * checkRunFits(preset({ kind: "mwmae", encoder: "base", patch: "4x16" }), { ...trainDefaults, batch: 64 }, true);
 * // Left("batch 64 is too large for this model: matmul f32[64,250,1152] has 18432000 elements … use --batch 58 or less")
 */
export const checkRunFits = (model: MwmaeConfig, train: TrainConfig, compiled: boolean): E.Either<string, void> => {
  const param = oversizedParameter(model);
  if (param !== undefined) return E.left(param);
  const values = train.batch * model.input.frames * model.input.mels;
  if (!compiled && values > MAX_ELEMENTS * 16)
    return E.left(`batch ${train.batch} is too large: one batch of crops has ${values} values (use a smaller --batch)`);
  if (!compiled) return E.right(undefined);
  const over = oversizedAt(model, train, train.batch);
  if (over === undefined) return E.right(undefined);
  const t = over.tensor;
  const what = t === undefined ? over.message : `${t.op} ${t.dtype}[${t.shape.join(",")}] has ${t.elements} elements`;
  // Tensors of the step grow with the batch: step down from the proportional guess to a batch that
  // fits, then bisect between it and the smallest that failed, for the largest that fits.
  let failed = train.batch;
  let fits = t === undefined ? train.batch - 1 : Math.min(train.batch - 1, Math.floor((train.batch * MAX_ELEMENTS) / t.elements));
  while (fits >= 1 && oversizedAt(model, train, fits) !== undefined) {
    failed = fits;
    fits = Math.floor(fits * 0.8);
  }
  while (fits >= 1 && failed - fits > 1) {
    const mid = Math.floor((fits + failed) / 2);
    if (oversizedAt(model, train, mid) === undefined) fits = mid;
    else failed = mid;
  }
  const advice =
    fits >= 1
      ? `use --batch ${fits} or less, or the reference backend`
      : "no batch fits: use smaller widths or a smaller input, or the reference backend";
  return E.left(
    `batch ${train.batch} is too large for this model on a compiled backend: ${what}, more than the ${MAX_ELEMENTS} a buffer holds; ${advice}`,
  );
};
