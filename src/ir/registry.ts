/**
 * @file The registry: one `OpDef` per primitive. A missing or misspelt primitive is a compile error.
 */

import type { OpDef } from "./op-def.js";
import type { OpName } from "./op-names.js";
import { addDef, divDef, maximumDef, mulDef, powDef, subDef } from "./ops/binary.js";
import { castDef, stopGradientDef } from "./ops/cast.js";
import { equalDef, lessDef, selectDef } from "./ops/compare.js";
import { gatherDef, scatterAddDef } from "./ops/gather.js";
import { matmulDef } from "./ops/matmul.js";
import { concatDef, expandDef, padDef, permuteDef, reshapeDef, sliceDef } from "./ops/movement.js";
import { maxDef, sumDef } from "./ops/reduce.js";
import { constantDef, inputDef, iotaDef } from "./ops/source.js";
import { cosDef, erfDef, expDef, logDef, negDef, sinDef, sqrtDef, tanhDef } from "./ops/unary.js";

/** Every primitive's `OpDef`, keyed by op name; the `satisfies` clause makes a primitive without a definition a compile error. */
export const ops = {
  input: inputDef,
  constant: constantDef,
  iota: iotaDef,
  neg: negDef,
  exp: expDef,
  log: logDef,
  sin: sinDef,
  cos: cosDef,
  sqrt: sqrtDef,
  tanh: tanhDef,
  erf: erfDef,
  add: addDef,
  sub: subDef,
  mul: mulDef,
  div: divDef,
  pow: powDef,
  maximum: maximumDef,
  less: lessDef,
  equal: equalDef,
  select: selectDef,
  sum: sumDef,
  max: maxDef,
  reshape: reshapeDef,
  permute: permuteDef,
  expand: expandDef,
  slice: sliceDef,
  pad: padDef,
  concat: concatDef,
  gather: gatherDef,
  scatterAdd: scatterAddDef,
  matmul: matmulDef,
  cast: castDef,
  stopGradient: stopGradientDef,
} satisfies { readonly [K in OpName]: OpDef<K> };

/** The definition of a node's op. */
export const opDef = <K extends OpName>(name: K): OpDef<K> => ops[name] as unknown as OpDef<K>;

/** The names of all primitives (the keys of `ops`); the architecture test prints their count. */
export const primitiveNames = Object.keys(ops) as OpName[];
