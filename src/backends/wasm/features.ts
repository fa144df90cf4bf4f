/**
 * @file WebAssembly feature detection: whether the engine compiles 128-bit SIMD (every current engine; not
 * Safari before 16.4) and the relaxed-SIMD proposal's instructions (Chromium 114+ natively; Node 20 behind
 * `--experimental-wasm-relaxed-simd`). Browser-safe.
 */

import { buildModule, vop } from "./module.js";
import { RELAXED_MADD } from "./simd-math.js";

/**
 * Whether this engine validates a module of one function running `code` (which leaves one v128) and dropping the result: asked once,
 * at the first call, then remembered for the process.
 */
const validates = (code: () => ReadonlyArray<number>): (() => boolean) => {
  let known: boolean | undefined;
  return () => {
    if (known === undefined) {
      try {
        known =
          typeof WebAssembly === "object" &&
          WebAssembly.validate(buildModule(1, false, [], [{ name: "probe", locals: [], code: [...code(), 0x1a] }]));
      } catch {
        known = false;
      }
    }
    return known;
  };
};

/** Whether this engine validates relaxed-SIMD code (`f32x4.relaxed_madd`); computed once per process. */
export const relaxedSimd = validates(() => [...vop.const4(1), ...vop.const4(2), ...vop.const4(3), ...RELAXED_MADD]);

/** Whether this engine validates WebAssembly SIMD (128-bit) code: Node ≥ 16.4 and every current browser do; computed once per process. */
export const wasmSimd = validates(() => vop.const4(0));

/**
 * A Node built-in module by name (`node:os`, `node:v8`, …) through `process.getBuiltinModule` (Node ≥ 20.16), or undefined where
 * there is none (browsers, older Node): never an import, so bundles for the browser stay free of Node.
 */
export const nodeBuiltin = <T>(name: string): T | undefined => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
};

let optimizing = false;

/**
 * Node: asks V8 to compile WebAssembly with its optimising compiler (TurboFan) from the start, for the whole process, once: V8's flag
 * `--no-liftoff`. A kernel is one long loop called a few times; under V8's default tiering its first calls run baseline (Liftoff) code,
 * 3× slower here, and tier-up only takes effect at a later call, so a command that runs each kernel once (an embedding) ran 3× slower.
 * Returns whether the flag was set (false in browsers, where the engine decides).
 */
export const optimizeWasmEagerly = (): boolean => {
  if (!optimizing) {
    const v8 = nodeBuiltin<{ setFlagsFromString: (flags: string) => void }>("node:v8");
    if (v8 === undefined) return false;
    v8.setFlagsFromString("--no-liftoff");
    optimizing = true;
  }
  return optimizing;
};
