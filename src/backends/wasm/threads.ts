/**
 * @file Worker threads for the wasm backend (Node). One pool per backend instance: `threads − 1`
 * workers started at the first program that needs them, shared by every program the backend prepares.
 * A program is registered once (its module and shared memory are posted to each worker, which
 * instantiates it); a launch splits a kernel's outer tile loop into parts, the calling thread runs part
 * 0 and waits for the workers' parts. Signalling is `Atomics.wait/notify` on a SharedArrayBuffer (tens
 * of microseconds), so only kernels with enough work are split (`splitWork` in program-module.ts). Workers are
 * unreferenced (they never keep Node alive) and end with `close()`.
 *
 * Node's built-ins are reached through `process.getBuiltinModule` (Node ≥ 20.16), never imported: the
 * backend stays browser-safe, and where they are missing (a browser, an older Node) `threadSupport`
 * says why and the backend runs on one thread.
 */

import { nodeBuiltin as builtin } from "./features.js";
import { mathImports } from "./lowering.js";

/**
 * Control block (Int32 slots): launch sequence number (−1: stop), program, function, its argument table,
 * parts, finished parts, failures, registrations.
 */
const SEQ = 0;
const PROGRAM = 1;
const FN = 2;
const ARGS = 3;
const PARTS = 4;
const DONE = 5;
const FAILED = 6;
const GEN = 7;

// Plain JavaScript run by each worker (`eval`), so it needs no module resolution. Before a launch whose
// registration count it has not seen, a worker takes the pending messages (programs to instantiate or drop)
// from its port synchronously.
const workerSource = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, port, part, math } = workerData;
const imports = Object.fromEntries(Object.entries(math).map(([name, src]) => [name, (0, eval)(src)]));
const programs = new Map();
const ctrl = new Int32Array(control);
let seen = 0;
let gen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  if (seen < 0) break;
  const g = Atomics.load(ctrl, ${GEN});
  if (g !== gen) {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const { id, module, memory, scratch, stride } = m.message;
      if (module === undefined) { programs.delete(id); continue; }
      let fns;
      try { fns = new WebAssembly.Instance(module, { env: { memory }, math: imports }).exports; } catch (e) { fns = undefined; }
      programs.set(id, { fns, scratch, stride });
    }
    gen = g;
  }
  const parts = ctrl[${PARTS}];
  if (part < parts) {
    // A failure (a trap, or no instance) is counted, never left unanswered: the caller is waiting.
    try {
      const p = programs.get(ctrl[${PROGRAM}]);
      p.fns["f" + ctrl[${FN}]](part, parts, p.scratch + part * p.stride, ctrl[${ARGS}]);
    } catch (e) { Atomics.add(ctrl, ${FAILED}, 1); }
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
}
`;

/** The parts of `node:worker_threads` used here, typed locally so the core needs no Node types. */
interface WorkerThreads {
  readonly Worker: new (
    source: string,
    options: { eval: true; workerData: unknown; transferList: unknown[] },
  ) => { unref(): void; terminate(): Promise<number> };
  readonly MessageChannel: new () => { port1: MessagePortLike; port2: MessagePortLike };
}
interface MessagePortLike {
  postMessage(message: unknown): void;
  close(): void;
}

/** Whether this engine can run kernels on worker threads, with how many cores it has, or why it cannot. */
export type ThreadSupport = { readonly ok: true; readonly cores: number } | { readonly ok: false; readonly why: string };

/**
 * Whether worker threads are available here: a SharedArrayBuffer (browsers give one only to
 * cross-origin-isolated pages) and Node's `worker_threads`; `cores` is `os.availableParallelism()`.
 * @example
 * threadSupport(); // { ok: true, cores: 2 } in Node on this machine
 */
export const threadSupport = (): ThreadSupport => {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined")
    return { ok: false, why: "no SharedArrayBuffer (a browser page must be cross-origin isolated)" };
  const os = builtin<{ availableParallelism?: () => number; cpus: () => unknown[] }>("node:os");
  if (os === undefined || builtin<WorkerThreads>("node:worker_threads") === undefined)
    return { ok: false, why: "worker threads need Node's worker_threads (Node ≥ 20.16); browsers run the wasm backend on one thread" };
  return { ok: true, cores: Math.max(1, os.availableParallelism?.() ?? os.cpus().length) };
};

/** A program registered with a pool: its kernels run split across the pool's threads. */
export interface PoolProgram {
  /**
   * Runs function `fn` on argument table `args` in as many parts as the pool has threads (part 0 on the calling thread through `own`);
   * throws if a worker's part failed.
   */
  readonly run: (fn: number, args: number, own: (parts: number) => void) => void;
  /** Drops the program from the workers (its instances are freed). */
  readonly release: () => void;
}

/** Worker threads shared by every program of one backend. */
export interface Pool {
  /** The calling thread and the workers. */
  readonly threads: number;
  /** Instantiates `module` on the shared `memory` in every worker; part p of a kernel uses the scratch at byte `base + p·stride`. */
  readonly register: (
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    scratch: { readonly base: number; readonly stride: number },
  ) => PoolProgram;
  /** Stops the workers. */
  readonly close: () => Promise<void>;
}

/** Starts `threads − 1` workers; throws where `threadSupport()` is not ok. */
export const startPool = (threads: number): Pool => {
  const wt = builtin<WorkerThreads>("node:worker_threads");
  if (wt === undefined) throw new Error("wasm: worker threads are not available here");
  const control = new SharedArrayBuffer(GEN * 4 + 4);
  const ctrl = new Int32Array(control);
  const math = Object.fromEntries(
    Object.entries(mathImports).map(([name, { fn }]) => [name, name === "erf" ? `(${fn.toString()})` : `Math.${name}`]),
  );
  const ports: MessagePortLike[] = [];
  const workers = Array.from({ length: threads - 1 }, (_, i) => {
    const { port1, port2 } = new wt.MessageChannel();
    ports.push(port1);
    const w = new wt.Worker(workerSource, { eval: true, workerData: { control, port: port2, part: i + 1, math }, transferList: [port2] });
    w.unref();
    return w;
  });
  let nextId = 0;
  const post = (message: unknown): void => {
    for (const port of ports) port.postMessage(message);
    Atomics.add(ctrl, GEN, 1);
  };
  return {
    threads,
    register: (module, memory, scratch) => {
      const id = nextId++;
      post({ id, module, memory, scratch: scratch.base, stride: scratch.stride });
      return {
        run: (fn, args, own) => {
          ctrl[PROGRAM] = id;
          ctrl[FN] = fn;
          ctrl[ARGS] = args;
          ctrl[PARTS] = threads;
          Atomics.store(ctrl, DONE, 0);
          Atomics.store(ctrl, FAILED, 0);
          Atomics.add(ctrl, SEQ, 1);
          Atomics.notify(ctrl, SEQ);
          try {
            own(threads);
          } finally {
            // Wait for the workers even when our part failed: the next launch reuses the control block.
            for (let done = Atomics.load(ctrl, DONE); done < threads - 1; done = Atomics.load(ctrl, DONE)) Atomics.wait(ctrl, DONE, done);
          }
          if (Atomics.load(ctrl, FAILED) > 0) throw new Error(`wasm: a worker thread failed in function f${fn}`);
        },
        release: () => post({ id }),
      };
    },
    close: async () => {
      Atomics.store(ctrl, SEQ, -1);
      Atomics.notify(ctrl, SEQ);
      for (const port of ports) port.close();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
};
