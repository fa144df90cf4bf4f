/** @file Pytrees: flatten and unflatten are inverse (property), paths are unique and sorted, mapLeaves keeps structure. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flatten, mapLeaves, unflatten } from "../../src";

const isNumber = (x: unknown): x is number => typeof x === "number";

/** Trees of small integers in arrays and records with short lowercase keys. */
const { tree } = fc.letrec<{ tree: unknown }>((rec) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: -9, max: 9 }),
    fc.array(rec("tree"), { maxLength: 3 }),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), rec("tree"), { maxKeys: 3, noNullPrototype: true }),
  ),
}));

describe("pytree", () => {
  it("unflatten ∘ flatten is the identity", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const { leaves, def } = flatten(t, isNumber);
        expect(unflatten(def, leaves)).toEqual(t);
      }),
      { numRuns: 300 },
    );
  });

  it("flatten ∘ unflatten gives back the leaves for any leaves of the right count", () => {
    fc.assert(
      fc.property(tree, fc.array(fc.integer(), { minLength: 64, maxLength: 64 }), (t, pool) => {
        const { leaves, def } = flatten(t, isNumber);
        const fresh = pool.slice(0, leaves.length);
        fc.pre(fresh.length === leaves.length);
        expect(flatten(unflatten(def, fresh), isNumber).leaves).toEqual(fresh);
      }),
    );
  });

  it("gives every leaf a distinct path", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const { paths } = flatten(t, isNumber);
        expect(new Set(paths).size).toBe(paths.length);
      }),
    );
  });

  it("orders record keys and writes paths with slashes", () => {
    const { leaves, paths } = flatten({ b: [1, { z: 2, a: 3 }], a: 4 }, isNumber);
    expect(paths).toEqual(["a", "b/0", "b/1/a", "b/1/z"]);
    expect(leaves).toEqual([4, 1, 3, 2]);
  });

  it("maps leaves with their paths and keeps the structure", () => {
    expect(mapLeaves({ w: [1, 2], b: 3 }, isNumber, (x, path) => `${path}=${x * 10}`)).toEqual({ w: ["w/0=10", "w/1=20"], b: "b=30" });
  });

  it("refuses a leaf count that does not fit the tree", () => {
    const { def } = flatten([1, [2, 3]], isNumber);
    expect(() => unflatten(def, [1, 2])).toThrow("unflatten: ran out of leaves at 2");
    expect(() => unflatten(def, [1, 2, 3, 4])).toThrow("unflatten: 4 leaves for a tree of 3");
  });
});
