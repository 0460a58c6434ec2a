// blocking: the sync forms (sendSync, recvSync, and the blocking ends of the batches) — shared
// channels, on threads allowed to block (workers, Node's main thread). Before it parks, a blocking op
// retries the ring's lock-free path inside the core, spinning and then napping (BLOCK_SYNC; see
// assembly/hchan.ts, waitPush).
import type { RecvResult } from "../api/chan.js";
import { deathError, sendOnClosed } from "../api/errors.js";
import { BLOCK_SYNC, F_SUCCESS, R_CLOSED, R_DONE, R_HANDOFF, R_PARKED, S_ELEM, S_FLAGS } from "../abi/layout.js";
import { canBlock } from "../platform.js";
import type { WasmChan } from "./chan.js";
import { TIMED_OUT } from "./heap.js";

/** Throws a TypeError unless `ch`'s thread may block on it (`what` names the op). */
export function check(ch: WasmChan<any>, what: string): void {
  if (!ch.heap.shared) {
    throw new TypeError(`wasmchan: ${what} blocks the thread, so it needs a channel of a SharedHeap that other threads can complete`);
  }
  if (!canBlock) throw new TypeError(`wasmchan: ${what} cannot block a browser's main thread; use the Promise form`);
}

/** A blocked single op (its sudog `sg`) that parkdead says a death stranded: withdraws it if it still
 *  can be (true: the caller throws), false if a live waker claimed it meanwhile (block again). */
function stranded(ch: WasmChan<any>, sg: number, dead: number, send: boolean): boolean {
  const core = ch.heap.core;
  const r = dead === 1 ? core.cancel(sg) : 2;
  if (r === 0) return false;
  if (send) ch.drop(sg + S_ELEM);
  if (r === 1) core.releaseSudog(sg);
  return true;
}

/** Blocks until the parked single op `sg` completes: true; false if `until` (performance.now()) came
 *  first and it was withdrawn — it took no effect (a send's value dropped). Throws if a death
 *  stranded it. */
function wait(ch: WasmChan<any>, sg: number, send: boolean, until: number): boolean {
  const heap = ch.heap;
  for (let r; (r = heap.block(sg, until)) !== 0;) {
    if (r === TIMED_OUT) {
      const w = heap.core.cancel(sg);
      if (w === 0) { // a waker claimed it first: it completes, and that outcome stands
        until = Infinity;
        continue;
      }
      if (send) ch.drop(sg + S_ELEM);
      if (w === 1) heap.core.releaseSudog(sg);
      return false;
    }
    if (stranded(ch, sg, r, send)) throw deathError(r);
  }
  return true;
}

/** Go's `ch <- v` for a checked value, blocking this thread until it is buffered or taken; false
 *  (nothing sent) if `until` (performance.now()) came first. */
export function sendSync(ch: WasmChan<any>, p: unknown, until: number): boolean {
  ch.live();
  const c = ch.c;
  const heap = ch.heap;
  const ep = heap.scratch(ch.size);
  ch.store(ep, p);
  const r = heap.core.chansend(heap.t, c, ep, BLOCK_SYNC);
  if (r === R_DONE) return true;
  if (r === R_HANDOFF) {
    ch.deliverOut();
    return true;
  }
  if (r === R_PARKED) {
    heap.sync();
    const sg = heap.out();
    if (!wait(ch, sg, true, until)) return false;
    const ok = (heap.views.u32[(sg + S_FLAGS) >>> 2] & F_SUCCESS) !== 0;
    if (!ok) ch.drop(sg + S_ELEM);
    heap.core.releaseSudog(sg);
    if (!ok) throw sendOnClosed();
    return true;
  }
  ch.drop(ep);
  if (r === R_CLOSED) throw sendOnClosed();
  ch.fail(r);
}

/** Go's `v, ok := <-ch`, blocking this thread; undefined (nothing taken) if `until` came first. */
export function recvSync<T>(ch: WasmChan<T>, until: number): RecvResult<T> | undefined {
  ch.live();
  const c = ch.c;
  const heap = ch.heap;
  const ep = heap.scratch(ch.size);
  const r = heap.core.chanrecv(heap.t, c, ep, BLOCK_SYNC);
  if (r === R_PARKED) {
    heap.sync();
    const sg = heap.out();
    if (!wait(ch, sg, false, until)) return undefined;
    const ok = (heap.views.u32[(sg + S_FLAGS) >>> 2] & F_SUCCESS) !== 0;
    const value = ch.take(sg + S_ELEM);
    heap.core.releaseSudog(sg);
    return { value, ok };
  }
  if (r === R_DONE || r === R_HANDOFF || r === R_CLOSED) {
    const value = ch.take(ep);
    if (r === R_HANDOFF) ch.deliverOut();
    return { value, ok: r !== R_CLOSED };
  }
  ch.fail(r);
}
