/**
 * @file Integer index expressions of the kernel IR, kept in a normal form: an integer offset plus a sum
 * of coefficient × atom terms, where an atom is the thread's flat output index, a reduction loop
 * variable, a floor division or floor modulo of another index, a clamp, or a data-dependent value (a
 * gathered index). Every atom has a known range, and the smart constructors use the ranges to cancel
 * what movement ops introduce: `⌊(n·a + b)/n⌋ = a` and `(n·a + b) mod n = b` when 0 ≤ b < n, and
 * `n·⌊x/n⌋ + (x mod n) = x`. So a reshape that splits and re-merges axes costs no arithmetic, and an
 * elementwise kernel over contiguous buffers indexes them with the thread index itself. Atoms are
 * hash-consed (one object per structure), so what is cached per atom is computed once however often
 * substitution rebuilds an index; `indexSig` and `indexKeySig` are short signatures for caches and
 * code generators' scopes.
 */

import type { Expr } from "./kernel-ir.js";

/**
 * One indivisible term of an index expression: the thread index, a lane or loop variable, a floor division, modulo or clamp of another
 * index, or a value read from data. Each has a known range.
 */
export type Atom =
  /** The kernel's flat output index `t`, in [0, extent); a backend may re-express it (`substitute`). */
  | { readonly kind: "thread"; readonly extent: number }
  /** A backend's own thread coordinate (`this.thread.x` / `.y`), after `substitute`. */
  | { readonly kind: "lane"; readonly axis: "x" | "y"; readonly extent: number }
  /** Reduction loop variable `r<id>`, in [0, extent). */
  | { readonly kind: "loop"; readonly id: number; readonly extent: number }
  | { readonly kind: "div"; readonly x: Index; readonly by: number }
  | { readonly kind: "mod"; readonly x: Index; readonly by: number }
  /** `min(max(x, 0), hi)`: keeps a load in bounds where a select discards its value anyway. */
  | { readonly kind: "clamp"; readonly x: Index; readonly hi: number }
  /** An index read from data (gather); trusted to lie in [0, extent). */
  | { readonly kind: "value"; readonly x: Expr; readonly extent: number; readonly key: string };

/** One `coef · atom` term of an `Index`; `coef` is a non-zero integer. */
export interface Term {
  readonly coef: number;
  readonly atom: Atom;
}

/** `offset + Σ coef·atom`, terms sorted by atom key, no zero coefficients. */
export interface Index {
  readonly terms: ReadonlyArray<Term>;
  readonly offset: number;
}

const keys = new WeakMap<Atom, string>();

/** A structural key of an atom (equal keys = equal values). */
export const atomKey = (a: Atom): string => {
  const hit = keys.get(a);
  if (hit !== undefined) return hit;
  const k =
    a.kind === "thread"
      ? "t"
      : a.kind === "lane"
        ? `t${a.axis}`
        : a.kind === "loop"
          ? `r${a.id}`
          : a.kind === "value"
            ? `v(${a.key})`
            : a.kind === "clamp"
              ? `clamp(${indexKey(a.x)},${a.hi})`
              : `${a.kind}(${indexKey(a.x)},${a.by})`;
  keys.set(a, k);
  return k;
};

const indexKeys = new WeakMap<Index, string>();

/** A structural key of an index: equal keys mean equal expressions (used to share loads and cache kernels). */
export const indexKey = (x: Index): string => {
  const hit = indexKeys.get(x);
  if (hit !== undefined) return hit;
  let k = "";
  for (let i = 0; i < x.terms.length; i++) {
    const t = x.terms[i]!;
    k += `${i === 0 ? "" : "+"}${t.coef}*${atomKey(t.atom)}`;
  }
  k += `+${x.offset}`;
  indexKeys.set(x, k);
  return k;
};

let keySerials = new Map<string, number>();
let atomKeySerials = new WeakMap<Atom, number>();
/** Signatures of indices seen lately: a plain map (cheaper than a WeakMap), emptied when large (the values never change). */
const indexKeySigs = new Map<Index, string>();
const SIG_CACHE = 1 << 16;

/** A number per distinct `atomKey`. */
const atomKeySerial = (a: Atom): number => {
  const hit = atomKeySerials.get(a);
  if (hit !== undefined) return hit;
  const k = atomKey(a);
  let n = keySerials.get(k);
  if (n === undefined) {
    n = keySerials.size;
    keySerials.set(k, n);
  }
  atomKeySerials.set(a, n);
  return n;
};

/**
 * Forgets the numbers `indexKeySig` names atom keys by, once more than `limit` are known: signatures
 * made before must no longer be compared with later ones (call between kernels only).
 */
export const resetKeySigs = (limit: number): void => {
  if (keySerials.size <= limit) return;
  keySerials = new Map();
  atomKeySerials = new WeakMap();
  indexKeySigs.clear();
};

/**
 * A short form of `indexKey`: equal for exactly the indices whose keys are equal (atoms named by a
 * number per distinct atom key), so code generators key their scopes by it at a cost independent of
 * the atoms' nesting.
 */
export const indexKeySig = (x: Index): string => {
  const hit = indexKeySigs.get(x);
  if (hit !== undefined) return hit;
  let k = `${x.offset}`;
  for (const t of x.terms) k += `,${t.coef}*${atomKeySerial(t.atom)}`;
  if (indexKeySigs.size >= SIG_CACHE) indexKeySigs.clear();
  indexKeySigs.set(x, k);
  return k;
};

/** Whether `a` and `b` have the same terms (coefficients and atom keys), offsets aside: `a − b` is then a constant. */
export const sameTerms = (a: Index, b: Index): boolean => {
  if (a === b) return true;
  if (a.terms.length !== b.terms.length) return false;
  for (let i = 0; i < a.terms.length; i++) {
    const s = a.terms[i]!;
    const t = b.terms[i]!;
    if (s.coef !== t.coef || (s.atom !== t.atom && atomKeySerial(s.atom) !== atomKeySerial(t.atom))) return false;
  }
  return true;
};

/** Inclusive range of an atom. */
const atomRange = (a: Atom): readonly [number, number] => {
  switch (a.kind) {
    case "thread":
    case "lane":
    case "loop":
    case "value":
      return [0, a.extent - 1];
    case "clamp":
      return [0, a.hi];
    case "div": {
      const [lo, hi] = range(a.x);
      return [Math.floor(lo / a.by), Math.floor(hi / a.by)];
    }
    case "mod": {
      const [lo, hi] = range(a.x);
      return lo >= 0 && hi < a.by ? [lo, hi] : [0, a.by - 1];
    }
  }
};

/** Inclusive range [min, max] of an index. */
export const range = (x: Index): readonly [number, number] => {
  let lo = x.offset;
  let hi = x.offset;
  for (const { coef, atom } of x.terms) {
    const [a, b] = atomRange(atom);
    lo += coef * (coef > 0 ? a : b);
    hi += coef * (coef > 0 ? b : a);
  }
  return [lo, hi];
};

/** The constant index `n`. */
export const constIndex = (n: number): Index => ({ terms: [], offset: n });
/**
 * Atoms are hash-consed: `atomIndex` returns the one object of each structure (every field equal,
 * extents included; a gathered value atom stays as given), so what is cached per atom object (its key,
 * the quotient of a modulo) is computed once per structure, however often substitution rebuilds it.
 * `indexSig` is a short structural signature: it names nested atoms by their serial number.
 */
const serials = new WeakMap<Atom, number>();
const canonical = new Map<string, Atom>();
const indexSigs = new Map<Index, string>();

let nextSerial = 0;

/** The serial number of an atom: one per canonical atom, and one per (never merged) value atom object. */
const serial = (a: Atom): number => {
  const hit = serials.get(a);
  if (hit !== undefined) return hit;
  serials.set(a, nextSerial);
  return nextSerial++;
};

/**
 * A short structural signature of an index: equal signatures mean equal indices, every atom field
 * (extents too) included; a gathered value atom only equals itself. Cheap (nested atoms are named by
 * serial number), so it keys caches of index computations (`substitute.ts`).
 */
export const indexSig = (x: Index): string => {
  const hit = indexSigs.get(x);
  if (hit !== undefined) return hit;
  let k = `${x.offset}`;
  for (const t of x.terms) k += `,${t.coef}*${serial(t.atom)}`;
  if (indexSigs.size >= SIG_CACHE) indexSigs.clear();
  indexSigs.set(x, k);
  return k;
};

const intern = (a: Atom): Atom => {
  if (serials.has(a) || a.kind === "value") return a;
  const sig =
    a.kind === "thread"
      ? `t${a.extent}`
      : a.kind === "lane"
        ? `l${a.axis}${a.extent}`
        : a.kind === "loop"
          ? `r${a.id}<${a.extent}`
          : a.kind === "clamp"
            ? `c${a.hi}(${indexSig(a.x)}`
            : `${a.kind}${a.by}(${indexSig(a.x)}`;
  const hit = canonical.get(sig);
  if (hit !== undefined) return hit;
  // A pure cache: an atom made before a clear stays valid, it is only no longer shared.
  if (canonical.size >= 1 << 16) canonical.clear();
  serial(a);
  canonical.set(sig, a);
  return a;
};

/** The index `1 · atom`. */
export const atomIndex = (atom: Atom): Index => ({ terms: [{ coef: 1, atom: intern(atom) }], offset: 0 });
/** The kernel's flat output index `t`, in `[0, extent)`. */
export const threadIndex = (extent: number): Index => atomIndex({ kind: "thread", extent });
/** Reduction loop variable `r<id>`, in `[0, extent)`. */
export const loopIndex = (id: number, extent: number): Index => atomIndex({ kind: "loop", id, extent });
/** An index read from data (a gather's indices): expression `x`, trusted to lie in `[0, extent)`; `key` identifies it structurally. */
export const valueIndex = (x: Expr, extent: number, key: string): Index => atomIndex({ kind: "value", x, extent, key });

const within = (x: Index, n: number): boolean => {
  const [lo, hi] = range(x);
  return lo >= 0 && hi < n;
};

/** For a mod atom `x mod n`: the key of the atom q when ⌊x/n⌋ is exactly `1·q`, else null (memoised per atom). */
const quotients = new WeakMap<Atom, string | null>();
const quotientKey = (a: Extract<Atom, { kind: "mod" }>): string | null => {
  const hit = quotients.get(a);
  if (hit !== undefined) return hit;
  const q = div(a.x, a.by);
  const k = q.terms.length === 1 && q.offset === 0 && q.terms[0]!.coef === 1 ? atomKey(q.terms[0]!.atom) : null;
  quotients.set(a, k);
  return k;
};

/** Collects like terms, then applies `n·⌊x/n⌋·c + c·(x mod n) = c·x` until nothing changes. */
const normal = (terms: ReadonlyArray<Term>, offset: number): Index => {
  // Like terms collected in first-seen order (a term keeps the last atom object of its key).
  const keys: string[] = [];
  const coefs: number[] = [];
  const atoms: Atom[] = [];
  for (const t of terms) {
    const k = atomKey(t.atom);
    const at = keys.indexOf(k);
    if (at < 0) {
      keys.push(k);
      coefs.push(t.coef);
      atoms.push(t.atom);
    } else {
      coefs[at]! += t.coef;
      atoms[at] = t.atom;
    }
  }
  const live: number[] = [];
  for (let i = 0; i < keys.length; i++) if (coefs[i] !== 0) live.push(i);
  for (const i of live) {
    const atom = atoms[i]!;
    if (atom.kind !== "mod") continue;
    const qk = quotientKey(atom);
    if (qk === null) continue;
    const j = keys.indexOf(qk);
    if (j < 0 || coefs[j] === 0 || coefs[j] !== coefs[i]! * atom.by) continue;
    const rest = live.filter((l) => l !== i && l !== j).map((l) => ({ coef: coefs[l]!, atom: atoms[l]! }));
    return add({ terms: rest, offset }, scale(atom.x, coefs[i]!));
  }
  live.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  return { terms: live.map((l) => ({ coef: coefs[l]!, atom: atoms[l]! })), offset };
};

/** a + b, with like terms collected and `n·⌊x/n⌋ + (x mod n)` folded back to `x`. */
export const add = (a: Index, b: Index): Index =>
  b.terms.length === 0 ? addConst(a, b.offset) : normal(a.terms.length === 0 ? b.terms : [...a.terms, ...b.terms], a.offset + b.offset);

/** a + n for an integer constant n. */
export const addConst = (a: Index, n: number): Index => (n === 0 ? a : { terms: a.terms, offset: a.offset + n });

/** c · a for an integer constant c (0 gives the constant 0). */
export const scale = (a: Index, c: number): Index =>
  c === 0 ? constIndex(0) : c === 1 ? a : { terms: a.terms.map((t) => ({ coef: t.coef * c, atom: t.atom })), offset: a.offset * c };

/** Splits `x` into (multiples of n)/n and the rest: x = n·q + r. */
const split = (x: Index, n: number): { q: Index; r: Index } => {
  const qo = Math.floor(x.offset / n);
  const q: Term[] = [];
  const r: Term[] = [];
  for (const t of x.terms) (t.coef % n === 0 ? q : r).push(t.coef % n === 0 ? { coef: t.coef / n, atom: t.atom } : t);
  return { q: { terms: q, offset: qo }, r: { terms: r, offset: x.offset - qo * n } };
};

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

/**
 * Writes x = g·a + r with g a divisor of n (g > 1) and 0 ≤ r < g, when some g allows it: then
 * ⌊x/n⌋ = ⌊a/(n/g)⌋ and x mod n = g·(a mod n/g) + r. This is what a flat index split across a reshape
 * looks like (`4·⌊t/10⌋ + r0` with r0 < 4 over a dim of 160).
 */
const factor = (x: Index, n: number): { g: number; a: Index; r: Index } | undefined => {
  const candidates = [...new Set(x.terms.map((t) => gcd(t.coef, n)))].filter((g) => g > 1 && g < n).sort((a, b) => b - a);
  for (const g of candidates) {
    const big = x.terms.filter((t) => t.coef % g === 0);
    const r: Index = { terms: x.terms.filter((t) => t.coef % g !== 0), offset: ((x.offset % g) + g) % g };
    if (big.length === 0 || !within(r, g)) continue;
    const a = normal(
      big.map((t) => ({ coef: t.coef / g, atom: t.atom })),
      (x.offset - r.offset) / g,
    );
    return { g, a, r };
  }
  return undefined;
};

/** ⌊x / n⌋ for a positive integer n. */
export const div = (x: Index, n: number): Index => {
  if (n === 1) return x;
  const { q, r } = split(x, n);
  if (within(r, n)) return normal(q.terms, q.offset);
  const f = factor(r, n);
  if (f !== undefined) return add(normal(q.terms, q.offset), div(f.a, n / f.g));
  const only = r.terms.length === 1 && r.offset === 0 && r.terms[0]!.coef === 1 ? r.terms[0]!.atom : undefined;
  // ⌊⌊y/a⌋/n⌋ = ⌊y/(a·n)⌋
  const inner: Atom = only?.kind === "div" ? { kind: "div", x: only.x, by: only.by * n } : { kind: "div", x: r, by: n };
  return add(normal(q.terms, q.offset), atomIndex(inner));
};

/** x mod n (floor modulo, in [0, n)) for a positive integer n. */
export const mod = (x: Index, n: number): Index => {
  if (n === 1) return constIndex(0);
  const { r } = split(x, n);
  if (within(r, n)) return r;
  const f = factor(r, n);
  if (f !== undefined) return add(scale(mod(f.a, n / f.g), f.g), f.r);
  const only = r.terms.length === 1 && r.offset === 0 && r.terms[0]!.coef === 1 ? r.terms[0]!.atom : undefined;
  // (y mod a) mod n = y mod n when n divides a
  if (only?.kind === "mod" && only.by % n === 0) return mod(only.x, n);
  return atomIndex({ kind: "mod", x: r, by: n });
};

/** `x` clamped to [0, hi] unless its range already lies there. */
export const clamp = (x: Index, hi: number): Index => (within(x, hi + 1) ? x : atomIndex({ kind: "clamp", x, hi }));

/** Row-major multi-index of a flat index into `shape` (each coordinate simplified by its range). */
export const unravel = (flat: Index, shape: ReadonlyArray<number>): Index[] => {
  const out = new Array<Index>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = mod(div(flat, stride), shape[d]!);
    stride *= shape[d]!;
  }
  return out;
};

/** Flat row-major offset of a multi-index into `shape`. */
export const ravel = (index: ReadonlyArray<Index>, shape: ReadonlyArray<number>): Index => {
  let out = constIndex(0);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d]! !== 1) out = add(out, scale(index[d]!, stride));
    stride *= shape[d]!;
  }
  return out;
};

/** Every atom of an index, depth first (nested indices included). */
export const atomsOf = (x: Index, visit: (a: Atom) => void): void => {
  for (const { atom } of x.terms) {
    visit(atom);
    if (atom.kind === "div" || atom.kind === "mod" || atom.kind === "clamp") atomsOf(atom.x, visit);
  }
};

/** Readable form: `⌊t/64⌋·32 + r0`. */
export const showIndex = (x: Index, showValue: (e: Expr) => string): string => {
  const grouped = (y: Index): string =>
    y.terms.length === 1 && y.offset === 0 && y.terms[0]!.coef === 1 ? showIndex(y, showValue) : `(${showIndex(y, showValue)})`;
  const atom = (a: Atom): string => {
    switch (a.kind) {
      case "thread":
        return "t";
      case "lane":
        return `t${a.axis}`;
      case "loop":
        return `r${a.id}`;
      case "div":
        return `⌊${grouped(a.x)}/${a.by}⌋`;
      case "mod":
        return `${grouped(a.x)}%${a.by}`;
      case "clamp":
        return `clamp(${showIndex(a.x, showValue)},0,${a.hi})`;
      case "value":
        return `⟨${showValue(a.x)}⟩`;
    }
  };
  const factorOf = (a: Atom): string => (a.kind === "mod" ? `(${atom(a)})` : atom(a));
  const parts = x.terms.map((t) =>
    t.coef === 1 ? atom(t.atom) : t.coef === -1 ? `-${factorOf(t.atom)}` : `${t.coef}·${factorOf(t.atom)}`,
  );
  if (x.offset !== 0 || parts.length === 0) parts.push(String(x.offset));
  return parts.join(" + ").replace(/\+ -/g, "- ");
};
