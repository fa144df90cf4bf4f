/**
 * @file `jit` and the reference backend: one traced graph run in float32 and in float64, and
 * `checkFinite` naming the first op that produced a NaN or an infinity.
 * Run: `npx tsx examples/backends.ts`.
 */

import { add, fromData, jit, log, NonFiniteError, reference, spec, sub, sum, type TensorsOf } from "mwmae-ts";

// (x + big) − big: exact in float64, but float32 rounds after every op, as a GPU would.
const specs = { x: spec([3]), big: spec([]) };
const cancel = ({ x, big }: TensorsOf<typeof specs>) => sub(add(x, big), big); // x: Tensor<readonly [3]>
const args = { x: fromData([1, 2, 3], [3]), big: fromData([1e8], []) };

for (const precision of ["f32", "f64"] as const) {
  const f = await jit(cancel, specs, reference({ precision }));
  const out = await f(args);
  console.log(`${f.backend}: (x + 1e8) - 1e8 = [${Array.from(out.data).join(", ")}]`);
}

// checkFinite stops at the first op whose output holds NaN or ±Inf, and says which.
const logSum = await jit(({ x }) => sum(log(x)), { x: spec([3]) }, reference({ checkFinite: true }));
try {
  await logSum({ x: fromData([1, 0, 2], [3]) });
  throw new Error("expected a NonFiniteError");
} catch (e) {
  if (!(e instanceof NonFiniteError)) throw e;
  console.log(`checkFinite: ${e.message}`);
}
