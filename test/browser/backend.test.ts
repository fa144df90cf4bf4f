/**
 * @file The gpu.js backend on WebGL2 and WebGPU in headless Chromium (SwiftShader): every primitive's
 * forward pass and VJP against the reference backend (float64, in Node) on the same seeded inputs, and
 * the MW-MHA layer and tiny MW-MAE goldens (outputs and all gradients). One browser for the file.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flatten, isHostTensor, jit, reference, type HostTensor } from "../../src";
import { caseInputs, primitiveCases, primitiveNames, vjpCase, type PrimitiveName } from "../support/primitive-cases";
import * as t from "io-ts";
import { ArrayRecord, GoldenArray, hostOf, hostRecord, maxAbs, maxAbsDiff, readGolden } from "../support/golden";
import type { BackendApi, CaseKind, CaseRun, LayerRun, ModelRun } from "./backend-page";
import { openPage, type BrowserPage } from "./harness";

let browser: BrowserPage;
beforeAll(async () => {
  browser = await openPage(new URL("./backend-page.ts", import.meta.url).pathname);
});
afterAll(async () => browser?.close());

/** The page's API; only for use inside `page.evaluate` callbacks, which run in the page. */
type Page = { readonly backend: BackendApi };

/**
 * float32 results against float64: a few ulp (~1e-7 relative) for arithmetic, more for GPU
 * transcendentals, which WebGL and WGSL do not round correctly (and erf is a polynomial on every
 * backend). 1e-5 relative with a 1e-5 absolute floor covers them; a wrong index is off by O(1).
 * sin and cos get WGSL's stated bound, absolute error 2⁻¹¹ on [−π, π] (GLSL ES states none);
 * SwiftShader's are ~1.7e-4 off.
 */
const rtol = 1e-5;
const atolOf = (name: PrimitiveName): number => (name === "sin" || name === "cos" ? 2 ** -11 : 1e-5);

const worstExcess = (name: PrimitiveName, want: ArrayLike<number>, got: ArrayLike<number>): number => {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) - (atolOf(name) + rtol * Math.abs(want[i]!));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
};

/** The same case on the float64 reference backend, in Node. */
const referenceRun = async (name: PrimitiveName, kind: CaseKind): Promise<HostTensor[]> => {
  const c = primitiveCases[name];
  const traced = kind === "forward" ? c : vjpCase(c)!;
  const f = await jit(traced.f as (x: unknown) => unknown, traced.inputs, reference({ precision: "f64" }));
  return flatten(await f(caseInputs(c) as never), isHostTensor).leaves;
};

const differentiable = primitiveNames.filter((n) => vjpCase(primitiveCases[n]) !== null);

describe.each(["webgl2", "webgpu"] as const)("gpu.js backend on %s", (mode) => {
  const cases = [
    ...primitiveNames.map((name) => ({ name, kind: "forward" as const })),
    ...differentiable.map((name) => ({ name, kind: "vjp" as const })),
  ];
  it.each(cases)("$name $kind matches the float64 reference", async ({ name, kind }) => {
    const want = await referenceRun(name, kind);
    const got: CaseRun = await browser.page.evaluate(([m, n, k]) => (globalThis as unknown as Page).backend.runPrimitive(m, n, k), [
      mode,
      name,
      kind,
    ] as const);
    expect(got.outputs.map((o) => o.shape)).toEqual(want.map((w) => [...w.shape]));
    const excess = Math.max(...want.map((w, i) => worstExcess(name, w.data, got.outputs[i]!.data)));
    expect(excess, `page errors: ${browser.errors.join("; ")}`).toBeLessThanOrEqual(0);
  });
});

const Golden = t.type({
  config: t.type({ window_sizes: t.array(t.number) }),
  weights: ArrayRecord,
  input: GoldenArray,
  R: GoldenArray,
  output: GoldenArray,
  objective: t.number,
  grad_input: GoldenArray,
  grad_weights: ArrayRecord,
});

/**
 * The MW-MHA golden (test/nn/mwmha.golden.test.ts explains the file): our float32 CPU runs match it to
 * 2e-6 of each array's largest magnitude; GPU exp and division are not correctly rounded, so 1e-5 of
 * it here (a wrong window or head is off by O(1)).
 */
describe.each(["webgl2", "webgpu"] as const)("MW-MHA layer golden on %s", (mode) => {
  it("matches the output, the objective and every gradient", async () => {
    const golden = readGolden("mwmha_layer.json", Golden);
    const run: LayerRun = await browser.page.evaluate(
      ([m, w, weights, x, r]) => (globalThis as unknown as Page).backend.runMwmha(m, w, weights, x, r),
      [mode, golden.config.window_sizes, hostRecord(golden.weights), hostOf(golden.input), hostOf(golden.R)] as const,
    );
    const relErr = (want: ArrayLike<number>, got: ArrayLike<number>) => maxAbsDiff(want, got) / maxAbs(want);
    const errors = {
      output: relErr(golden.output.data, run.output),
      objective: Math.abs(run.objective - golden.objective) / Math.abs(golden.objective),
      x: relErr(golden.grad_input.data, run.grads.x!),
      ...Object.fromEntries(Object.entries(golden.grad_weights).map(([k, g]) => [k, relErr(g.data, run.grads[k] ?? [])])),
    };
    for (const [what, err] of Object.entries(errors)) expect(err, what).toBeLessThan(1e-5);
    expect(run.launches).toBeGreaterThan(0);
  });
});

const Tiny = t.type({
  config: t.unknown,
  weights: ArrayRecord,
  input: GoldenArray,
  noise: GoldenArray,
  pred: GoldenArray,
  pred_f32: GoldenArray,
  loss: t.number,
  loss_f32: t.number,
  grads: ArrayRecord,
  grads_f32: ArrayRecord,
});

/**
 * The tiny MW-MAE golden (test/models/mwmae/tiny-mwmae.golden.test.ts explains the file). Bounds are
 * 4× the file's own float32-vs-float64 difference, as in the Node test: an independent float32
 * rounding order lands about as far again (measured here: 1.4× on the prediction, 2.1× on gradients,
 * on both WebGL2 and WebGPU).
 */
describe.each(["webgl2", "webgpu"] as const)("tiny MW-MAE golden on %s", (mode) => {
  it("matches the loss, the prediction and every parameter gradient", async () => {
    const g = readGolden("tiny_mwmae.json", Tiny);
    const run: ModelRun = await browser.page.evaluate(
      ([m, c, w, x, n]) => (globalThis as unknown as Page).backend.runMwmae(m, c, w, x, n),
      [mode, g.config, hostRecord(g.weights), hostOf(g.input), hostOf(g.noise)] as const,
    );
    const gradError = (grads: Readonly<Record<string, ArrayLike<number>>>) =>
      Math.max(...Object.entries(g.grads).map(([path, a]) => maxAbsDiff(grads[path] ?? [], a.data) / Math.max(maxAbs(a.data), 1e-3)));
    const f32Grads = Object.fromEntries(Object.entries(g.grads_f32).map(([k, v]) => [k, v.data]));
    expect(Object.keys(run.grads).sort()).toEqual(Object.keys(g.grads).sort());
    expect(Math.abs(run.loss - g.loss)).toBeLessThan(4 * Math.abs(g.loss - g.loss_f32) + 1e-6);
    expect(maxAbsDiff(run.pred, g.pred.data)).toBeLessThan(4 * maxAbsDiff(g.pred.data, g.pred_f32.data) + 1e-6);
    expect(gradError(run.grads)).toBeLessThan(4 * gradError(f32Grads) + 1e-6);
  });
});
