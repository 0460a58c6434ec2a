// waitgroup: Go's sync.WaitGroup, across threads. Its state is two int32 words in a SharedArrayBuffer
// that every thread given its descriptor shares: the counter, and a generation bumped each time the
// counter reaches zero. A waiter is released by the zero it was waiting for even if the counter goes up
// again before it runs (a WaitGroup reused for the next batch), as Go's waiters are.
// Invariants: the counter is never below 0 (an `add` that would take it there throws, changing nothing);
// it changes only by compare-and-swap; the generation changes only right after a change to 0, by the
// thread that made it, which then wakes every waiter (Atomics.notify on the generation word).
import { canBlock, keepAlive } from "../platform.js";
import { abortReason, describe, isAborted, offAbort, onAbort, signalOf } from "./errors.js";
import { deadlineOf, timedOut, type SyncOptions } from "./deadline.js";
import type { OpOptions } from "./chan.js";

const COUNT = 0;
const GEN = 1;

/** What `wg.share()` returns and `new WaitGroup(descriptor)` takes: structured-cloneable. */
export interface WaitGroupDescriptor {
  /** The descriptor format's version. */
  readonly wasmchan: number;
  /** @internal The shared state: [counter, generation]. */
  readonly waitGroup: SharedArrayBuffer;
}

/**
 * Go's `sync.WaitGroup`, shared across threads: `add(n)` before starting work, `done()` when a piece of
 * it ends (in any thread that has the WaitGroup), `await wait()` (or `waitSync()` where a thread may
 * block) until the counter is zero. The usual use: close a channel once its last sender is done —
 * `wg.wait().then(() => results.close())`, Go's `go func() { wg.Wait(); close(results) }()`.
 */
export class WaitGroup {
  readonly #state: Int32Array;
  readonly #shared: boolean;

  /** A new WaitGroup (counter 0), in shared memory where there is any; or the one a descriptor from
   *  `share()` names (posted to this thread). */
  constructor(descriptor?: WaitGroupDescriptor) {
    if (descriptor === undefined) {
      this.#shared = typeof SharedArrayBuffer === "function";
      this.#state = new Int32Array(this.#shared ? new SharedArrayBuffer(8) : new ArrayBuffer(8));
      return;
    }
    const buf = typeof descriptor === "object" && descriptor !== null ? (descriptor as { waitGroup?: unknown }).waitGroup : undefined;
    if (typeof SharedArrayBuffer !== "function" || !(buf instanceof SharedArrayBuffer) || buf.byteLength !== 8) {
      throw new TypeError(`wasmchan: new WaitGroup(descriptor) takes what wg.share() returned, not ${describe(descriptor)}`);
    }
    this.#shared = true;
    this.#state = new Int32Array(buf);
  }

  /** The counter now (a snapshot, like Go's internal state: other threads may change it at once). */
  get count(): number {
    return Atomics.load(this.#state, COUNT);
  }

  /** Go's `wg.Add(delta)`: adds `delta` (an integer, may be negative) to the counter; at zero every
   *  waiter is released. RangeError, and no change, if the counter would go below 0 (Go's panic
   *  "sync: negative WaitGroup counter") or above 2^31 - 1. */
  add(delta: number): void {
    if (typeof delta !== "number" || !Number.isSafeInteger(delta)) throw new RangeError(`wasmchan: WaitGroup.add(delta) needs an integer, got ${describe(delta)}`);
    const s = this.#state;
    for (;;) {
      const c = Atomics.load(s, COUNT);
      const n = c + delta;
      if (n < 0) throw new RangeError("sync: negative WaitGroup counter");
      if (n > 0x7fff_ffff) throw new RangeError("wasmchan: a WaitGroup's counter is at most 2^31 - 1");
      if (Atomics.compareExchange(s, COUNT, c, n) !== c) continue;
      if (n === 0 && c !== 0) {
        Atomics.add(s, GEN, 1);
        if (this.#shared) Atomics.notify(s, GEN);
        else wakeLocal(this);
      }
      return;
    }
  }

  /** Go's `wg.Done()`: `add(-1)`. */
  done(): void {
    this.add(-1);
  }

  /** Go's `wg.Wait()`: resolves once the counter is zero (at once if it is). With `{ signal }`, rejects
   *  with its reason if it aborts first. A pending wait holds Node's event loop open. */
  wait(opts?: OpOptions): Promise<void> {
    const signal = signalOf(opts);
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const s = this.#state;
    const gen = Atomics.load(s, GEN);
    if (Atomics.load(s, COUNT) === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const release = keepAlive();
      let over = false;
      const ws = this.#shared ? undefined : localWaiters(this);
      const finish = (f: () => void) => {
        if (over) return;
        over = true;
        release();
        if (signal !== undefined) offAbort(signal, aborted);
        f();
      };
      const w = () => finish(resolve);
      // One listener per signal however many waits share it (errors.ts), taken off when the wait ends;
      // an aborted local wait leaves the waiter list (it holds nothing).
      const aborted = () => {
        if (ws !== undefined) {
          const i = ws.indexOf(w);
          if (i >= 0) ws.splice(i, 1);
        }
        finish(() => reject(abortReason(signal!)));
      };
      if (signal !== undefined) onAbort(signal, aborted);
      const released = () => Atomics.load(s, GEN) !== gen || Atomics.load(s, COUNT) === 0;
      if (ws !== undefined) {
        ws.push(w);
        return;
      }
      const step = (): void => {
        if (over) return;
        if (released()) return finish(resolve);
        const r = Atomics.waitAsync(s, GEN, gen);
        if (r.async) r.value.then(step);
        else step();
      };
      step();
    });
  }

  /** `wait`, blocking this thread (workers, Node's main thread): returns once the counter is zero.
   *  `{ timeout }`: a "TimeoutError" DOMException once that many ms passed first. */
  waitSync(opts?: SyncOptions): void {
    if (!canBlock) throw new TypeError("wasmchan: WaitGroup.waitSync cannot block a browser's main thread; use await wg.wait()");
    const d = deadlineOf(opts, "waitSync");
    const s = this.#state;
    const gen = Atomics.load(s, GEN);
    if (Atomics.load(s, COUNT) === 0) return;
    if (!this.#shared) throw new TypeError("wasmchan: WaitGroup.waitSync on a WaitGroup no other thread can reach would wait for ever");
    while (Atomics.load(s, GEN) === gen) {
      const left = d.until - performance.now();
      if (left <= 0) throw timedOut("waitSync", d);
      Atomics.wait(s, GEN, gen, left === Infinity ? undefined : left);
    }
  }

  /** A structured-cloneable descriptor: post it to a worker and make `new WaitGroup(descriptor)` there. */
  share(): WaitGroupDescriptor {
    if (!this.#shared) throw new TypeError("wasmchan: this WaitGroup is not in shared memory (SharedArrayBuffer is missing here: a page must be cross-origin isolated)");
    return { wasmchan: 1, waitGroup: this.#state.buffer as SharedArrayBuffer };
  }
}

// Where there is no shared memory the WaitGroup is this thread's alone: its waiters are kept here.
const waiters = new WeakMap<WaitGroup, (() => void)[]>();

function localWaiters(wg: WaitGroup): (() => void)[] {
  let ws = waiters.get(wg);
  if (ws === undefined) waiters.set(wg, (ws = []));
  return ws;
}

function wakeLocal(wg: WaitGroup): void {
  const ws = waiters.get(wg);
  if (ws === undefined) return;
  waiters.delete(wg);
  for (const w of ws) w();
}

// What console.log and util.inspect show: the counter, not the state words.
Object.defineProperty(WaitGroup.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: WaitGroup): string {
    return `WaitGroup { count: ${this.count} }`;
  },
});
