/**
 * @file WebAssembly feature detection: whether the engine compiles 128-bit SIMD (every current engine; not
 * Safari before 16.4) and the relaxed-SIMD proposal's instructions (Chromium 114+ natively; Node 20 behind
 * `--experimental-wasm-relaxed-simd`). Browser-safe.
 */

import { buildModule, vop } from "./module.js";
import { RELAXED_MADD } from "./simd-math.js";

/** A module of one function computing `f32x4.relaxed_madd` of three constants and dropping it. */
const probe = (): Uint8Array<ArrayBuffer> => {
  const code = [...vop.const4(1), ...vop.const4(2), ...vop.const4(3), ...RELAXED_MADD, 0x1a];
  return buildModule(1, false, [], [{ name: "probe", locals: [], code }]);
};

let known: boolean | undefined;

/** Whether this engine validates relaxed-SIMD code (`f32x4.relaxed_madd`); computed once per process. */
export const relaxedSimd = (): boolean => {
  if (known === undefined) {
    try {
      known = typeof WebAssembly === "object" && WebAssembly.validate(probe());
    } catch {
      known = false;
    }
  }
  return known;
};

/** A module of one function pushing a `v128.const` and dropping it. */
const simdProbe = (): Uint8Array<ArrayBuffer> => buildModule(1, false, [], [{ name: "probe", locals: [], code: [...vop.const4(0), 0x1a] }]);

let simd: boolean | undefined;

/** Whether this engine validates WebAssembly SIMD (128-bit) code: Node ≥ 16.4 and every current browser do; computed once per process. */
export const wasmSimd = (): boolean => {
  if (simd === undefined) {
    try {
      simd = typeof WebAssembly === "object" && WebAssembly.validate(simdProbe());
    } catch {
      simd = false;
    }
  }
  return simd;
};
