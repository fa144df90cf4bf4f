/**
 * @file Which backend a run uses, by name: the WebAssembly SIMD backend (`wasm`, the fastest on a CPU),
 * the reference interpreter, or the gpu.js backend in one of its Node modes (`cpu`, `webasm`, `async`,
 * or `auto` for gpu.js's fastest mode here). A mode that cannot run here fails with gpu.js's reason when
 * the first graph is prepared.
 */

import * as E from "fp-ts/lib/Either.js";
import { gpujs, reference, wasm, type Backend } from "../backends/index.js";

/** The backend names a run accepts (`--backend`): `wasm`, `reference`, or a gpu.js Node mode (`cpu`, `webasm`, `async`, `auto`). */
export const backendNames = ["wasm", "reference", "cpu", "webasm", "async", "auto"] as const;
/** One of `backendNames`. */
export type BackendName = (typeof backendNames)[number];

/** True when `s` is one of `backendNames`. */
export const isBackendName = (s: string): s is BackendName => (backendNames as ReadonlyArray<string>).includes(s);

/**
 * The backend called `name`; `Left` lists the choices.
 * @example
 * chooseBackend("reference"); // Right(reference-f32)
 */
export const chooseBackend = (name: string): E.Either<string, Backend> => {
  if (!isBackendName(name)) return E.left(`unknown backend "${name}" (choose one of ${backendNames.join(", ")})`);
  return E.right(name === "wasm" ? wasm() : name === "reference" ? reference() : gpujs({ mode: name }));
};
