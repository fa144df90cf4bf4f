/**
 * @file Runtime errors say what went wrong: shape mistakes the types could not see (through `loose`)
 * throw `ShapeError` at trace time naming the op and the shapes; gradients of what has none throw
 * `NotDifferentiableError`; a gather index out of range at run time throws `RangeError` naming where.
 */
import { describe, expect, it } from "vitest";
import {
  add,
  argmax,
  cast,
  concat,
  constant,
  fromData,
  gather,
  grad,
  input,
  jit,
  loose,
  matmul,
  mul,
  NotDifferentiableError,
  permute,
  reference,
  reshape,
  scalar,
  ShapeError,
  slice,
  spec,
  squeeze,
  sum,
  trace,
  unsqueeze,
  valueAndGrad,
  vjp,
  type Tensor,
} from "../../src";

/** The ShapeError `f` throws (failing the test if it throws nothing or something else). */
const shapeErrorOf = (f: () => unknown): ShapeError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ShapeError) return e;
    throw e;
  }
  throw new Error("expected a ShapeError, nothing was thrown");
};

const a23 = loose(input("a", [2, 3] as const));
const x234 = loose(input("x", [2, 3, 4] as const));

describe("ShapeError at trace time", () => {
  it("reshape: names the element count, the target and both shapes", () => {
    const e = shapeErrorOf(() => reshape(a23, [4, 2]));
    expect(e.op).toBe("reshape");
    expect(e.shapes).toEqual([
      [2, 3],
      [4, 2],
    ]);
    expect(e.message).toBe("reshape: 6 elements cannot take shape [4, 2] (shapes [2, 3], [4, 2])");
  });

  it("matmul: names both inner dims and both shapes", () => {
    const e = shapeErrorOf(() => matmul(a23, loose(input("b", [4, 5] as const))));
    expect(e.message).toBe("matmul: inner dims 3 and 4 differ (shapes [2, 3], [4, 5])");
  });

  it("matmul: names the batch dims that do not broadcast", () => {
    const e = shapeErrorOf(() => matmul(x234, loose(input("b", [5, 4, 2] as const))));
    expect(e.message).toBe("matmul batch: dims 2 and 5 do not broadcast at axis 0 (shapes [2], [5])");
  });

  it("broadcast: names the op, the dims, the axis and both shapes", () => {
    const e = shapeErrorOf(() => add(x234, loose(input("b", [5, 4] as const))));
    expect(e.message).toBe("add: dims 3 and 5 do not broadcast at axis 1 (shapes [2, 3, 4], [5, 4])");
    expect(shapeErrorOf(() => mul(a23, loose(input("c", [2] as const)))).op).toBe("mul");
  });

  it("permute: refuses a list that is not a permutation, and one of the wrong length", () => {
    expect(shapeErrorOf(() => permute(x234, [0, 0, 1])).message).toBe("permute: [0, 0, 1] is not a permutation (shapes [2, 3, 4])");
    expect(shapeErrorOf(() => permute(x234, [1, 0])).message).toBe("permute: 2 axes given for rank 3 (shapes [2, 3, 4])");
  });

  it("slice: names the axis and the range that does not fit", () => {
    const e = shapeErrorOf(() => slice(x234, 1, 1, 5));
    expect(e.message).toBe("slice: axis 1: [1, 5) is not within [0, 3] (shapes [2, 3, 4])");
  });

  it("concat: names the axis and both shapes", () => {
    const e = shapeErrorOf(() => concat([x234, loose(input("y", [2, 5, 4] as const))], 0));
    expect(e.message).toBe("concat: shapes differ outside axis 0 (shapes [2, 3, 4], [2, 5, 4])");
  });

  it("gather: refuses float indices", () => {
    const idx = loose(input("i", [2, 3] as const)); // f32
    const e = shapeErrorOf(() => gather(a23, idx, 1));
    expect(e.message).toBe("gather: indices must be i32, got f32 (shapes [2, 3])");
  });

  it("axis out of range: names the op, the axis and the rank", () => {
    expect(shapeErrorOf(() => sum(x234, [3])).message).toBe("sum: axis 3 out of range for rank 3 (shapes [2, 3, 4])");
    expect(shapeErrorOf(() => sum(x234, [-4])).message).toBe("sum: axis -4 out of range for rank 3 (shapes [2, 3, 4])");
    expect(shapeErrorOf(() => squeeze(x234, 1)).message).toBe("squeeze: axis 1 has size 3, not 1 (shapes [2, 3, 4])");
    expect(shapeErrorOf(() => unsqueeze(x234, 4)).message).toBe("unsqueeze: axis 4 out of range for rank 3 (shapes [2, 3, 4])");
  });

  it("surfaces from inside a traced function", () => {
    const e = shapeErrorOf(() => trace(({ p, q }) => matmul(loose(p), loose(q)), { p: spec([2, 3]), q: spec([2, 3]) }));
    expect(e.message).toMatch(/^matmul: inner dims 3 and 2 differ/);
  });

  it("refuses a constant whose data does not fill its shape", () => {
    expect(shapeErrorOf(() => constant([1, 2, 3], [2, 2])).message).toBe("constant: 3 values for 4 elements (shapes [2, 2])");
  });
});

describe("NotDifferentiableError", () => {
  const f32 = input("x", [3] as const);
  const i32 = input("n", [3] as const, "i32");

  const thrown = (f: () => unknown): Error => {
    try {
      f();
    } catch (e) {
      if (e instanceof NotDifferentiableError) return e;
      throw e;
    }
    throw new Error("expected NotDifferentiableError");
  };

  it("names an i32 parameter by its path", () => {
    const loss = (p: { w: Tensor<readonly [3]>; n: Tensor<readonly [3]> }) => sum(mul(p.w, cast(p.n, "f32")));
    const e = thrown(() => grad(loss)({ w: f32, n: i32 }));
    expect(e.message).toBe('grad: parameter "n" is i32; only f32 inputs are differentiable');
  });

  it("refuses a function that returns i32", () => {
    const e = thrown(() => grad((x: Tensor<readonly [3]>) => cast(sum(x), "i32"))(f32));
    expect(e.message).toBe("grad: the function returns i32; only f32 outputs are differentiable");
  });

  it("refuses argmax, whose result is an index", () => {
    const e = thrown(() => grad((x: Tensor<readonly [3]>) => argmax(x))(f32));
    expect(e.message).toBe("grad: the function returns i32; only f32 outputs are differentiable");
  });

  it("refuses a non-scalar result and names its shape", () => {
    // The cast hides the shape from the type checker, as a dynamically shaped program would.
    const e = thrown(() => valueAndGrad((x: Tensor<readonly [3]>) => mul(x, 2) as unknown as Tensor<readonly []>)(f32));
    expect(e.message).toBe("grad: the function must return a scalar, got shape [3]");
  });

  it("refuses parameters that hold no tensors", () => {
    expect(thrown(() => grad((_: { readonly none: readonly [] }) => scalar(1))({ none: [] })).message).toBe(
      "grad: the parameters holds no tensors",
    );
  });

  it("refuses an i32 primal in vjp", () => {
    expect(thrown(() => vjp((n: Tensor) => cast(n, "f32"), i32)).message).toBe(
      'vjp: primal "0" is i32; only f32 inputs are differentiable',
    );
  });
});

describe("RangeError at run time", () => {
  it("gather: names the bad index, its position and the valid range", async () => {
    const f = await jit(({ x, i }) => gather(x, i, 1), { x: spec([2, 3] as const), i: spec([2, 2] as const, "i32") }, reference());
    const x = fromData([1, 2, 3, 4, 5, 6], [2, 3] as const);
    const good = await f({ x, i: fromData([2, 0, 1, 1], [2, 2] as const, "i32") });
    expect(Array.from(good.data)).toEqual([3, 1, 5, 5]);
    await expect(f({ x, i: fromData([0, 1, 2, 3], [2, 2] as const, "i32") })).rejects.toThrow(
      new RangeError("gather: index 3 at position [1, 1] is outside [0, 3) on axis 1"),
    );
    await expect(f({ x, i: fromData([0, -1, 2, 2], [2, 2] as const, "i32") })).rejects.toThrow(/index -1 at position \[0, 1\]/);
  });
});
