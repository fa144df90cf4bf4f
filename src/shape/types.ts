/**
 * @file Type-level shape rules. A shape is a readonly tuple of dims; a dim is a numeric literal where
 * it is known and `number` where it is dynamic. Every rule opens with its dynamic branch (unknown rank
 * gives `Shape`, a `number` dim matches anything) and each has a runtime twin in `rules.ts` that checks
 * what the types could not. A failing rule evaluates to `ShapeError<"message">`, which `Checked` turns
 * into the type of the offending parameter, so the compiler reports the message at the call site.
 */

/** One axis length: a numeric literal where it is known statically, `number` where it is only known at trace time. */
export type Dim = number;
/** A tensor shape: a readonly tuple of dims, outermost first (row-major). `Shape` itself is the fully dynamic shape of unknown rank. */
export type Shape = readonly Dim[];

import type { ShapeError } from "./error.js";
export type { ShapeError };

/** `T` when the rule `R` holds, else the rule's message (so the argument fails to type-check). */
export type Checked<R, T> = R extends ShapeError<infer Msg> ? Msg : T;

/** Keeps the shape when the rule holds; a ShapeError never reaches an output type. */
export type Ok<R> = Extract<R, Shape>;

type IsDynamic<N> = number extends N ? true : false;
type DynamicRank<S extends Shape> = number extends S["length"] ? true : false;

/** "[8, 250, ?]": a shape for messages, `?` for a dynamic dim. */
export type ShowShape<S extends Shape> = DynamicRank<S> extends true ? "[...]" : `[${JoinDims<S>}]`;
type JoinDims<S extends Shape> = S extends readonly [infer H extends number, ...infer R extends Shape]
  ? R["length"] extends 0
    ? ShowDim<H>
    : `${ShowDim<H>}, ${JoinDims<R>}`
  : "";
type ShowDim<N extends number> = IsDynamic<N> extends true ? "?" : `${N}`;

/** Two dims that may be equal: literals must match, a dynamic dim is checked at trace time. */
type DimsAgree<A extends number, B extends number> =
  IsDynamic<A> extends true ? true : IsDynamic<B> extends true ? true : [A] extends [B] ? true : false;

type FirstError<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? H extends ShapeError<string>
    ? H
    : FirstError<R>
  : never;
/** A tuple of dims, or the first error among them. */
type Collect<T extends readonly unknown[]> = [FirstError<T>] extends [never] ? Readonly<T> : FirstError<T>;

// ---------------------------------------------------------------- broadcasting

type BroadcastDim<A extends number, B extends number, Op extends string> = A extends 1
  ? B
  : B extends 1
    ? A
    : IsDynamic<A> extends true
      ? B
      : IsDynamic<B> extends true
        ? A
        : [A] extends [B]
          ? A
          : ShapeError<`${Op}: dims ${A} and ${B} do not broadcast`>;
type BroadcastRev<A extends Shape, B extends Shape, Op extends string> = A extends readonly [
  ...infer AR extends Shape,
  infer a extends number,
]
  ? B extends readonly [...infer BR extends Shape, infer b extends number]
    ? [...BroadcastRev<AR, BR, Op>, BroadcastDim<a, b, Op>]
    : [...A]
  : [...B];

/** NumPy broadcasting, right-aligned. */
export type Broadcast<A extends Shape, B extends Shape, Op extends string = "broadcast"> =
  DynamicRank<A> extends true ? Shape : DynamicRank<B> extends true ? Shape : Collect<BroadcastRev<A, B, Op>>;

/** `S` can be expanded to `T` (broadcast of S and T is T). */
export type Expand<S extends Shape, T extends Shape> =
  Broadcast<S, T, "expand"> extends infer R
    ? R extends ShapeError<string>
      ? R
      : S["length"] extends T["length"]
        ? T
        : DynamicRank<S> extends true
          ? T
          : ShapeError<`expand: rank ${S["length"]} to rank ${T["length"]}; reshape first`>
    : never;

// ---------------------------------------------------------------- matmul

/** Batched matmul `[..., m, k] @ [..., k, n] → [..., m, n]`, batch dims broadcast. */
export type MatMul<A extends Shape, B extends Shape> =
  DynamicRank<A> extends true
    ? Shape
    : DynamicRank<B> extends true
      ? Shape
      : A extends readonly [...infer BA extends Shape, infer M extends number, infer KA extends number]
        ? B extends readonly [...infer BB extends Shape, infer KB extends number, infer N extends number]
          ? DimsAgree<KA, KB> extends false
            ? ShapeError<`matmul: inner dims ${KA} and ${KB} differ (${ShowShape<A>} @ ${ShowShape<B>})`>
            : Broadcast<BA, BB, "matmul batch"> extends infer BO
              ? BO extends ShapeError<string>
                ? BO
                : BO extends Shape
                  ? readonly [...BO, M, N]
                  : never
              : never
          : ShapeError<`matmul: right operand ${ShowShape<B>} needs rank >= 2`>
        : ShapeError<`matmul: left operand ${ShowShape<A>} needs rank >= 2`>;

// ---------------------------------------------------------------- axes

type Tuple<N extends number, Acc extends unknown[] = []> = Acc["length"] extends N ? Acc : Tuple<N, [...Acc, 0]>;
/** `T.length − B`, or −1 when B is larger. */
type Minus<T extends unknown[], B extends number, Acc extends unknown[] = []> = Acc["length"] extends B
  ? T["length"]
  : T extends [unknown, ...infer R]
    ? Minus<R, B, [...Acc, 0]>
    : -1;

/** A literal axis, negative counting from the end, as a non-negative index; or an error. */
export type NormAxis<S extends Shape, A extends number, Op extends string> =
  IsDynamic<A> extends true
    ? number
    : `${A}` extends `-${infer P extends number}`
      ? Minus<Tuple<S["length"]>, P> extends infer I extends number
        ? I extends -1
          ? ShapeError<`${Op}: axis ${A} out of range for rank ${S["length"]}`>
          : I
        : never
      : `${A}` extends keyof Tuple<S["length"]>
        ? A
        : ShapeError<`${Op}: axis ${A} out of range for rank ${S["length"]}`>;

type NormAxes<S extends Shape, Axes extends readonly number[], Op extends string> = {
  [I in keyof Axes]: NormAxis<S, Axes[I], Op>;
};

type KeepDims<S extends Shape, Ax extends number> = {
  -readonly [I in keyof S]: I extends `${Ax}` ? 1 : S[I];
};
type DropDims<S extends Shape, Ax extends number, I extends unknown[] = []> = S extends readonly [
  infer H extends number,
  ...infer R extends Shape,
]
  ? I["length"] extends Ax
    ? DropDims<R, Ax, [...I, 0]>
    : [H, ...DropDims<R, Ax, [...I, 0]>]
  : [];

/** Reduction over `Axes` (negative allowed), keeping them as 1s when `Keep` is true. */
export type Reduce<S extends Shape, Axes extends readonly number[], Keep extends boolean = false> =
  DynamicRank<S> extends true
    ? Shape
    : NormAxes<S, Axes, "reduce"> extends infer N extends readonly unknown[]
      ? FirstError<[...N]> extends never
        ? number extends N[number]
          ? Keep extends true
            ? { readonly [I in keyof S]: number }
            : Shape
          : Keep extends true
            ? Readonly<KeepDims<S, Extract<N[number], number>>>
            : Readonly<DropDims<S, Extract<N[number], number>>>
        : FirstError<[...N]>
      : never;

/** `out[i] = S[P[i]]`; `P` must name every axis once. */
export type Permute<S extends Shape, P extends readonly number[]> =
  DynamicRank<S> extends true
    ? Shape
    : P["length"] extends S["length"]
      ? Collect<{ -readonly [I in keyof P]: PermuteDim<S, P[I]> }>
      : ShapeError<`permute: ${P["length"]} axes given for rank ${S["length"]} ${ShowShape<S>}`>;
type PermuteDim<S extends Shape, A> = A extends number
  ? NormAxis<S, A, "permute"> extends infer N
    ? N extends ShapeError<string>
      ? N
      : N extends keyof S
        ? S[N]
        : number
    : never
  : never;

/** Swap of the last two axes. */
export type Transpose<S extends Shape> =
  DynamicRank<S> extends true
    ? Shape
    : S extends readonly [...infer B extends Shape, infer M extends number, infer N extends number]
      ? readonly [...B, N, M]
      : ShapeError<`transpose: needs rank >= 2, got ${ShowShape<S>}`>;

/** `S` with dim `A` removed; it must be 1. */
export type Squeeze<S extends Shape, A extends number> =
  DynamicRank<S> extends true
    ? Shape
    : NormAxis<S, A, "squeeze"> extends infer N
      ? N extends ShapeError<string>
        ? N
        : N extends number
          ? S[N] extends 1
            ? Readonly<DropDims<S, N>>
            : IsDynamic<S[N]> extends true
              ? Readonly<DropDims<S, N>>
              : ShapeError<`squeeze: axis ${A} of ${ShowShape<S>} has size ${S[N]}, not 1`>
          : never
      : never;

type InsertAt<S extends Shape, A extends number, I extends unknown[] = []> = I["length"] extends A
  ? [1, ...S]
  : S extends readonly [infer H extends number, ...infer R extends Shape]
    ? [H, ...InsertAt<R, A, [...I, 0]>]
    : [];

/** `S` with a new axis of size 1 at `A` (0..rank). */
export type Unsqueeze<S extends Shape, A extends number> =
  DynamicRank<S> extends true
    ? Shape
    : IsDynamic<A> extends true
      ? Shape
      : `${A}` extends keyof [...S, 0]
        ? Readonly<InsertAt<S, A>>
        : ShapeError<`unsqueeze: axis ${A} out of range for rank ${S["length"]}`>;

/** Reshape target: `-1` is inferred at trace time and becomes dynamic here. */
export type Reshape<T extends Shape> = { readonly [I in keyof T]: T[I] extends -1 ? number : T[I] };

/** `S` with dim `A` replaced by a dynamic dim (slice, pad, concat change it by arithmetic). */
export type Resize<S extends Shape, A extends number, Op extends string> =
  DynamicRank<S> extends true
    ? Shape
    : NormAxis<S, A, Op> extends infer N
      ? N extends ShapeError<string>
        ? N
        : { readonly [I in keyof S]: I extends `${Extract<N, number>}` ? number : S[I] }
      : never;

type SameExceptAt<A extends Shape, B extends Shape, Ax extends number, I extends unknown[] = []> = A extends readonly [
  infer HA extends number,
  ...infer RA extends Shape,
]
  ? B extends readonly [infer HB extends number, ...infer RB extends Shape]
    ? I["length"] extends Ax
      ? SameExceptAt<RA, RB, Ax, [...I, 0]>
      : DimsAgree<HA, HB> extends true
        ? SameExceptAt<RA, RB, Ax, [...I, 0]>
        : ShapeError<`concat: dim ${I["length"]} differs (${HA} vs ${HB}) outside axis ${Ax}`>
    : ShapeError<"concat: ranks differ">
  : B extends readonly []
    ? true
    : ShapeError<"concat: ranks differ">;

/** Concatenation of shapes along `A`: other dims agree, the axis becomes dynamic. */
export type Concat<Ss extends readonly Shape[], A extends number> = Ss extends readonly [
  infer F extends Shape,
  ...infer R extends readonly Shape[],
]
  ? DynamicRank<F> extends true
    ? Shape
    : NormAxis<F, A, "concat"> extends infer N
      ? N extends ShapeError<string>
        ? N
        : ConcatRest<F, R, Extract<N, number>> extends infer E
          ? E extends ShapeError<string>
            ? E
            : Resize<F, Extract<N, number>, "concat">
          : never
      : never
  : Shape;
type ConcatRest<F extends Shape, R extends readonly Shape[], A extends number> = R extends readonly [
  infer H extends Shape,
  ...infer T extends readonly Shape[],
]
  ? DynamicRank<H> extends true
    ? ConcatRest<F, T, A>
    : SameExceptAt<F, H, A> extends infer E
      ? E extends ShapeError<string>
        ? E
        : ConcatRest<F, T, A>
      : never
  : true;

/**
 * A shape without its last dim: `DropLast<readonly [8, 250, 384]>` is `[8, 250]` (spread it into the
 * result: `readonly [...DropLast<S>, O]`); a shape whose rank is not known gives `number[]`.
 */
export type DropLast<S extends Shape> = S extends readonly [...infer H extends number[], number] ? H : number[];

/** The last dim of a shape: `LastDim<readonly [2, 3]>` is `3`; `number` when it is not known. */
export type LastDim<S extends Shape> = S extends readonly [...number[], infer L extends number] ? L : number;

/** Every axis of a shape as a tuple of literals: `AllAxes<readonly [2, 3]>` is `readonly [0, 1]` (a reduction's default axes). */
export type AllAxes<S extends Shape> = { readonly [I in keyof S]: I extends `${infer N extends number}` ? N : never };
