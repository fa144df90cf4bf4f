/**
 * @file `ShapeError`: one name for both failures of a shape rule. At compile time a rule evaluates to
 * the type `ShapeError<"message">`; at trace time its runtime twin throws `new ShapeError(...)` with
 * the op, the shapes and the axis.
 */

export class ShapeError<Msg extends string = string> extends Error {
  /** Brand that type-level rules match on; the message itself. */
  declare readonly __shapeError: Msg;
  override readonly name = "ShapeError";
  constructor(
    readonly op: string,
    readonly detail: string,
    readonly shapes: ReadonlyArray<ReadonlyArray<number>> = [],
  ) {
    super(`${op}: ${detail}${shapes.length > 0 ? ` (shapes ${shapes.map(showShape).join(", ")})` : ""}`);
  }
}

/** `[8, 250, 64]`. */
export const showShape = (s: ReadonlyArray<number>): string => `[${s.join(", ")}]`;
