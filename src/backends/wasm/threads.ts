/**
 * @file Worker threads for the wasm backend (Node): each worker instantiates the program's module on
 * the same shared memory and waits on a control block; a launch splits a kernel's outer tile loop into
 * parts, the calling thread runs part 0 and waits for the workers' parts. Signalling is
 * `Atomics.wait/notify` on a SharedArrayBuffer (tens of microseconds), so only kernels with enough work
 * are split. Workers are unreferenced (they never keep Node alive) and end with `close()`.
 */

import { mathImports } from "./lowering.js";

/** Control block (Int32 slots): launch sequence number (−1: stop), kernel, parts, finished parts, failures. */
const SEQ = 0;
const KERNEL = 1;
const PARTS = 2;
const DONE = 3;
const FAILED = 4;

// Plain JavaScript run by each worker (`eval`), so it needs no module resolution.
const workerSource = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, part, scratch, math } = workerData;
const imports = Object.fromEntries(Object.entries(math).map(([name, src]) => [name, (0, eval)(src)]));
let fns;
try { fns = new WebAssembly.Instance(module, { env: { memory }, math: imports }).exports; } catch (e) { fns = undefined; }
const ctrl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  if (seen < 0) break;
  const parts = ctrl[${PARTS}];
  if (part < parts) {
    // A failure (a trap, or no instance) is counted, never left unanswered: the caller is waiting.
    try { fns["k" + ctrl[${KERNEL}]](part, parts, part * scratch); } catch (e) { Atomics.add(ctrl, ${FAILED}, 1); }
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
}
`;

/** The part of `node:worker_threads`' `Worker` used here, typed locally so the core needs no Node types. */
type NodeWorkerClass = new (
  source: string,
  options: { eval: true; workerData: unknown },
) => { unref(): void; terminate(): Promise<number> };

export interface Pool {
  /** Runs kernel `k` in `parts` parts (part 0 on the calling thread through `own`); throws if a worker's part failed. */
  readonly run: (k: number, parts: number, own: () => void) => void;
  /** Stops the workers. */
  readonly close: () => Promise<void>;
}

/** Starts `threads − 1` workers on `module` and the shared `memory`; part p uses scratch at p·`scratch` bytes. */
export const startPool = async (
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  threads: number,
  scratch: number,
): Promise<Pool> => {
  // A computed specifier: browser bundles (esbuild) must not try to resolve this Node-only module.
  const workerThreads = "node:worker_threads";
  const { Worker } = (await import(workerThreads)) as { Worker: NodeWorkerClass };
  const control = new SharedArrayBuffer(8 * 4);
  const ctrl = new Int32Array(control);
  const math = Object.fromEntries(
    Object.entries(mathImports).map(([name, { fn }]) => [name, name === "erf" ? `(${fn.toString()})` : `Math.${name}`]),
  );
  const workers = Array.from({ length: threads - 1 }, (_, i) => {
    const w = new Worker(workerSource, { eval: true, workerData: { module, memory, control, part: i + 1, scratch, math } });
    w.unref();
    return w;
  });
  return {
    run: (k, parts, own) => {
      ctrl[KERNEL] = k;
      ctrl[PARTS] = parts;
      Atomics.store(ctrl, DONE, 0);
      Atomics.store(ctrl, FAILED, 0);
      Atomics.add(ctrl, SEQ, 1);
      Atomics.notify(ctrl, SEQ);
      try {
        own();
      } finally {
        // Wait for the workers even when our part failed: the next launch reuses the control block.
        for (let done = Atomics.load(ctrl, DONE); done < parts - 1; done = Atomics.load(ctrl, DONE)) Atomics.wait(ctrl, DONE, done);
      }
      if (Atomics.load(ctrl, FAILED) > 0) throw new Error(`wasm: a worker thread failed in kernel k${k}`);
    },
    close: async () => {
      Atomics.store(ctrl, SEQ, -1);
      Atomics.notify(ctrl, SEQ);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
};
