/**
 * @file The gradient check has power: every differentiable primitive's VJP, scaled by 1.001, is
 * rejected. A check that passed these mutants would be vacuous (a tolerance too loose, a tangent that
 * misses an input, outputs that are never compared). Each mutant is installed in the registry for one
 * test and restored after it.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mul, ops, reshape, type Node } from "../../src";
import { primitiveSpecs } from "../support/primitive-specs";
import { vjpProperty, type VjpSpec } from "../support/spec";

type Rule = (g: Node, node: Node) => ReadonlyArray<Node | null>;
const rules = ops as unknown as Record<string, { vjp: Rule }>;

/** Runs `body` with `name`'s VJP replaced by `mutant(original)`, restoring it afterwards. */
const withMutant = (name: string, mutant: (original: Rule) => Rule, body: () => void): void => {
  const def = rules[name]!;
  const original = def.vjp;
  def.vjp = mutant(original);
  try {
    body();
  } finally {
    def.vjp = original;
  }
};

/** Asserts that the dot-product property fails, and by a value mismatch (not, say, a shape error). */
const expectRejected = (spec: VjpSpec): void => {
  const run = fc.check(vjpProperty(spec), { numRuns: 100 });
  expect(run.failed).toBe(true);
  expect(String(run.errorInstance)).toMatch(/⟨c, fd⟩/);
};

const differentiable = Object.entries(primitiveSpecs).flatMap(([name, spec]) => (spec.kind === "vjp" ? [[name, spec] as const] : []));

describe("the dot-product check", () => {
  it.each(differentiable)("rejects a %s VJP that is off by 0.1%%", (name, spec) =>
    withMutant(
      name,
      (vjp) => (g, node) => vjp(g, node).map((x) => (x === null ? null : mul(x, 1.001))),
      () => expectRejected(spec as VjpSpec),
    ),
  );

  it("rejects a permute VJP that reshapes the cotangent instead of permuting it back", () =>
    withMutant(
      "permute",
      () => (g, node) => [reshape(g, node.inputs[0]!.shape)], // right shape, wrong element order
      () => expectRejected(primitiveSpecs.permute as VjpSpec),
    ));
});
