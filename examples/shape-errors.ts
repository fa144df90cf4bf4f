/**
 * @file The two kinds of shape error. A mistake the types can see is a compile error at the call site
 * (kept here as a `@ts-expect-error` line, so this file still type-checks and `npm test` fails if the
 * checker ever stops rejecting it); a mistake that depends on a dynamic dim throws `ShapeError` at
 * trace time, naming the op and the shapes. Run: `npx tsx examples/shape-errors.ts`.
 */

import { add, input, linear, matmul, ShapeError, spec, sum, trace, type Tensor } from "mwmae-ts";

const tokens = input("tokens", [8, 250, 384]);
const wOut = input("wOut", [384, 64]);
const wBad = input("wBad", [383, 64]);

const out: Tensor<readonly [8, 250, 64]> = matmul(tokens, wOut);
console.log(`matmul(tokens, wOut): [${out.shape.join(", ")}]`);

// Compile time: each call below is rejected at the offending argument with the rule's message
// (docs/tensor-dsl.md quotes what tsc prints). The runtime twin of each rule rejects it too, so
// calling one throws the same message as a ShapeError.
const bias = input("bias", [383]);
const rejected = {
  // @ts-expect-error matmul: inner dims 384 and 383 differ ([8, 250, 384] @ [383, 64])
  "matmul(tokens, wBad)": () => matmul(tokens, wBad),
  // @ts-expect-error broadcast: dims 384 and 383 do not broadcast
  "add(tokens, bias)": () => add(tokens, bias),
  // @ts-expect-error reduce: axis 3 out of range for rank 3
  "sum(tokens, [3])": () => sum(tokens, [3]),
  // @ts-expect-error Type '384' is not assignable to type '383' (linear's last dim is a constraint)
  "linear(tokens, wBad)": () => linear(tokens, wBad),
};
for (const [call, f] of Object.entries(rejected)) {
  try {
    f();
    throw new Error(`${call} was expected to throw`);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    console.log(`${call} is a compile error, and at trace time: ${e.message}`);
  }
}

// Trace time: a width read from a config is only a `number`, so the types let it through and the
// runtime twin of the rule checks it when the graph is built.
const config = JSON.parse('{ "width": 383 }') as { width: number };
const project = ({ x, w }: { x: Tensor<readonly [8, 250, 384]>; w: Tensor<readonly [number, 64]> }) => matmul(x, w);
try {
  trace(project, { x: spec([8, 250, 384]), w: spec([config.width, 64]) });
  throw new Error("expected a ShapeError");
} catch (e) {
  if (!(e instanceof ShapeError)) throw e;
  console.log(`trace time: ${e.name}: ${e.message}`);
  console.log(`  op: ${e.op}; shapes: ${JSON.stringify(e.shapes)}`);
}
