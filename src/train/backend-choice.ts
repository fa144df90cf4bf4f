/**
 * @file Which backend a run uses, by name: the WebAssembly SIMD backend (`wasm`, the fastest on a CPU,
 * on every core unless told otherwise), the reference interpreter, or the gpu.js backend in one of its Node modes (`cpu`, `webasm`, `async`,
 * or `auto` for gpu.js's fastest mode here). A mode that cannot run here fails with gpu.js's reason when
 * the first graph is prepared. The wasm backend keeps its generated code on disk (`diskCodeStore`), so
 * a second run of the same model generates none.
 */

import * as E from "fp-ts/lib/Either.js";
import { gpujs, reference, wasm, type Backend, type WasmBackend } from "../backends/index.js";
import { diskCodeStore } from "../io/node.js";

/** The backend names a run accepts (`--backend`): `wasm`, `reference`, or a gpu.js Node mode (`cpu`, `webasm`, `async`, `auto`). */
export const backendNames = ["wasm", "reference", "cpu", "webasm", "async", "auto"] as const;
/** One of `backendNames`. */
export type BackendName = (typeof backendNames)[number];

/** True when `s` is one of `backendNames`. */
export const isBackendName = (s: string): s is BackendName => (backendNames as ReadonlyArray<string>).includes(s);

/** Options of `chooseBackend`. */
export interface BackendChoiceOptions {
  /** Folder of the wasm backend's code cache (default `defaultCodeCacheDir()`: `$MWMAE_CACHE_DIR`, …). */
  readonly cacheDir?: string;
  /** Told when the code cache cannot be written (the run goes on without it), or when threads are unavailable. */
  readonly onNote?: (line: string) => void;
  /** Threads of the wasm backend (default `"all"`: every core). */
  readonly threads?: number | "all";
  /** Arithmetic of the reference backend (default f32). */
  readonly precision?: "f32" | "f64";
}

/**
 * The backend called `name`; `Left` lists the choices. `wasm` caches its generated code on disk.
 * @example
 * chooseBackend("reference"); // Right(reference-f32)
 */
export const chooseBackend = (name: string, options: BackendChoiceOptions = {}): E.Either<string, Backend> => {
  if (!isBackendName(name)) return E.left(`unknown backend "${name}" (choose one of ${backendNames.join(", ")})`);
  if (name === "wasm") {
    const store = diskCodeStore({ ...(options.cacheDir === undefined ? {} : { dir: options.cacheDir }), onError: options.onNote });
    const threads = options.threads ?? "all";
    return E.right(wasm({ store, threads, ...(options.onNote === undefined ? {} : { onNote: options.onNote }) }));
  }
  return E.right(name === "reference" ? reference({ precision: options.precision ?? "f32" }) : gpujs({ mode: name }));
};

/**
 * What a wasm backend did about code over its life, as one line for a run's summary (undefined for other backends): programs whose code
 * was generated, programs loaded from the code cache, and entries found bad and rebuilt.
 * @example
 * codeCacheNote(backend); // "wasm code: 0 program(s) generated, 2 from the cache (…/mwmae-ts/wasm)"
 */
export const codeCacheNote = (backend: Backend): string | undefined => {
  const stats = (backend as Partial<WasmBackend>).stats;
  if (stats === undefined || !("generated" in stats)) return undefined;
  const rebuilt =
    stats.rejected.length > 0 ? `; rebuilt ${stats.rejected.length} bad entr${stats.rejected.length === 1 ? "y" : "ies"}` : "";
  return `wasm code: ${stats.generated} program(s) generated in ${(stats.generateMs / 1000).toFixed(2)} s, ${stats.storeHits} from the cache${rebuilt}`;
};
