// platform: every question wasmchan asks of the JS runtime it runs on, answered in one place — Node,
// Bun, Deno, browsers' pages and workers. Supporting a new runtime means reading this file: nothing
// else looks at `process`, `document`, worker events or timer handles.
//
// Tested where it matters: the Node suite, the same suite on Bun and Deno (scripts/test-on.mjs), and
// pages and workers in Chromium and Firefox (test/browser.test.ts).

type Proc = {
  once?: (e: string, f: () => void) => void;
  on?: (e: string, f: (w: PlatformWorker) => void) => void;
  getBuiltinModule?: (m: string) => unknown;
};
const proc = (globalThis as { process?: Proc }).process;

/** Whether this thread may block (Atomics.wait): anywhere but a browser page's main thread. */
export const canBlock = typeof (globalThis as { document?: unknown }).document === "undefined";

/** Why this thread cannot share memory with others, or undefined if it can. */
export function sharedMemoryMissing(): string | undefined {
  if (typeof SharedArrayBuffer === "undefined") {
    return "SharedArrayBuffer is not available here. In a browser the page must be cross-origin isolated: serve it with the headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`. Local channels (chan()) work without it";
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return "this page is not cross-origin isolated, so it cannot share memory with workers: serve it with the headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`. Local channels (chan()) work without it";
  }
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== "function") {
    return "this engine has no Atomics.waitAsync, which a thread needs to await an operation on a shared channel without blocking (tested with it: Chromium 156, Firefox 153 ESR, Node 20, Bun 1.4, Deno 2.9). Local channels (chan()) work without it";
  }
  return undefined;
}

/** This thread's id on the platform + 1 (Node's worker threadId, as Bun and Deno give it too), 0 where
 *  there is none: how the thread that sees a worker exit finds the dead thread in a heap. */
export const platformThreadId: number = (() => {
  const wt = typeof proc?.getBuiltinModule === "function" ? proc.getBuiltinModule("node:worker_threads") as { threadId?: unknown } | undefined : undefined;
  return typeof wt?.threadId === "number" ? wt.threadId + 1 : 0;
})();

/** A worker as the thread that created it sees it (Node's Worker; Bun's and Deno's node:worker_threads). */
export interface PlatformWorker {
  threadId: number;
  once(e: "exit", f: () => void): void;
}

/** Calls `f` with the platform id (threadId + 1) of every worker this thread creates from now on, once
 *  it has exited — terminated or not. Only Node-style runtimes tell; browsers do not (their pages must
 *  dispose channels in a Web Worker before terminating it). */
export function onWorkerExit(f: (id: number) => void): void {
  if (typeof proc?.on !== "function") return;
  proc.on("worker", (w) => {
    const id = w.threadId + 1; // read now: once the worker has exited its threadId is -1
    w.once("exit", () => f(id));
  });
}

/** Calls `f` when this thread is about to end normally (Node's "exit": finalizers will not run). */
export function onThreadExit(f: () => void): void {
  if (typeof proc?.once === "function") proc.once("exit", f);
}

/** Holds the event loop open until the returned function is called: a pending Atomics.waitAsync does
 *  not, and a process whose only work is a parked receive must not exit. (In a browser the interval
 *  holds nothing open and costs one idle timer.) */
export function keepAlive(): () => void {
  const t = setInterval(() => {}, 0x3fff_ffff);
  return () => clearInterval(t);
}

/** Makes a timer hold the event loop open (`on`) or not. Node's and Bun's timers are objects with
 *  ref/unref, Deno's are numbers (Deno.refTimer/unrefTimer), browsers' never hold anything open. */
export function refTimer(timer: ReturnType<typeof setTimeout>, on: boolean): void {
  const t = timer as unknown as { ref?: () => void; unref?: () => void };
  if (typeof t === "object" && t !== null) {
    if (on) t.ref?.();
    else t.unref?.();
    return;
  }
  const deno = (globalThis as { Deno?: { refTimer?: (id: number) => void; unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number" && deno !== undefined) (on ? deno.refTimer : deno.unrefTimer)?.(timer);
}

/** Runs `f` in a task of its own, after the event loop had a turn (its timers and I/O): Node's and
 *  Bun's setImmediate set from a setImmediate; in browsers a setTimeout(0) and then a MessageChannel message; in Deno the message;
 *  setTimeout(0) elsewhere. */
export const macrotask: (f: () => void) => void = (() => {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel; document?: { hidden?: boolean }; WorkerGlobalScope?: unknown };
  if (typeof g.setImmediate === "function" && typeof (globalThis as { Deno?: unknown }).Deno === "undefined") {
    // Twice: an immediate set from the poll phase (where an I/O callback or a woken waitAsync runs
    // the code that went over budget) runs in the same loop iteration's check phase, before the next
    // timers phase; the second lands after a whole iteration, so timers and I/O have run. With one, a
    // pool's main thread ran two slices back to back: a 10 ms timer waited 25–45 ms.
    const si = g.setImmediate;
    return (f: () => void) => void si(() => si(f));
  }
  if (typeof g.MessageChannel === "function") {
    const queue: (() => void)[] = [];
    const mc = new g.MessageChannel();
    mc.port1.onmessage = () => queue.shift()?.();
    (mc.port1 as { unref?: () => void }).unref?.(); // a pending yield must not hold a process open by itself
    const post = (f: () => void) => {
      queue.push(f);
      mc.port2.postMessage(null);
    };
    const doc = g.document;
    if (typeof doc !== "object" && typeof g.WorkerGlobalScope === "undefined") return post; // Deno
    // A browser runs a message posted during a slice before a timer that fell due during it (Chromium
    // moves a due timer into its queue only between tasks): slices ended by messages alone starved a
    // 10 ms timer for 25–60 ms. A setTimeout(0) first lets every timer due by then run; the message
    // after it starts the next slice outside a timer task (timers set from timer tasks are clamped to
    // 4 ms after 5 levels). A hidden page's timers are throttled to about one a second: the message alone.
    return (f: () => void) => {
      if (doc?.hidden === true) post(f);
      else setTimeout(() => post(f), 0);
    };
  }
  return (f: () => void) => void setTimeout(f, 0);
})();
