// blocking: the blocking forms of a shared channel's operations (sendSync, recvSync, recvSyncOk), on
// threads allowed to block (workers, Node's main thread). The thread parks in Atomics.wait on its
// sudog's state word (heap.block), and withdraws an operation a thread's death stranded.
import type { RecvResult } from "./chan.js";
import type { Channel } from "./channel.js";
import { canBlock } from "./heap.js";
import { deathError, sendOnClosed } from "./errors.js";
import { F_SUCCESS, R_CLOSED, R_DONE, R_HANDOFF, R_PARKED, S_ELEM, S_FLAGS } from "./layout.js";
/** A blocked single op (its sudog `sg`) that parkdead says a death stranded: withdraws it if it still
 *  can be (true: the caller throws), false if a live waker claimed it meanwhile (block again). */
function stranded<T>(ch: Channel<T>, sg: number, dead: number, send: boolean): boolean {
  const core = ch.heap.core;
  const r = dead === 1 ? core.cancel(sg) : 2;
  if (r === 0) return false;
  if (send) ch.drop(sg + S_ELEM);
  if (r === 1) core.releaseSudog(sg);
  return true;
}

export function blocking<T>(ch: Channel<T>, what: string): number {
  const c = ch.live();
  if (!ch.heap.shared) {
    throw new TypeError(`wasmchan: ${what} blocks the thread, so it needs a channel of a SharedHeap that other threads can complete`);
  }
  if (!canBlock) throw new TypeError(`wasmchan: ${what} cannot block a browser's main thread; use the Promise form`);
  return c;
}

/** Go's `ch <- v`, blocking this thread (Atomics.wait) until the value is buffered or taken.
 *  Throws ChannelError("send on closed channel") if the channel is or gets closed. */
export function sendSync<T>(ch: Channel<T>, v: T): void {
  blocking(ch, "sendSync");
  sendSyncPrepared(ch, ch.prepare(v));
}

export function sendSyncPrepared<T>(ch: Channel<T>, p: unknown): void {
  const c = ch.live();
  const ep = ch.put(p);
  const heap = ch.heap;
  ch.spinUntilSendable(c);
  const r = heap.core.chansend(heap.t, c, ep, 1);
  if (r === R_DONE) return;
  if (r === R_HANDOFF) {
    ch.deliverOut();
    return;
  }
  if (r === R_PARKED) {
    heap.sync();
    const sg = heap.out();
    for (let dead; (dead = heap.block(sg)) !== 0;) if (stranded(ch, sg, dead, true)) throw deathError(dead);
    const ok = (heap.views.u32[(sg + S_FLAGS) >>> 2] & F_SUCCESS) !== 0;
    if (!ok) ch.drop(sg + S_ELEM);
    heap.core.releaseSudog(sg);
    if (!ok) throw sendOnClosed();
    return;
  }
  ch.drop(ep);
  if (r === R_CLOSED) throw sendOnClosed();
  ch.fail(r);
}

/** Go's `v := <-ch`, blocking this thread until a value arrives (the zero value once closed and drained). */
export function recvSync<T>(ch: Channel<T>): T {
  return recvSyncOk(ch).value;
}

/** Go's `v, ok := <-ch`, blocking this thread. */
export function recvSyncOk<T>(ch: Channel<T>): RecvResult<T> {
  const c = blocking(ch, "recvSync");
  const heap = ch.heap;
  const ep = heap.scratch(ch.size);
  ch.spinUntilReceivable(c);
  const r = heap.core.chanrecv(heap.t, c, ep, 1);
  if (r === R_PARKED) {
    heap.sync();
    const sg = heap.out();
    for (let dead; (dead = heap.block(sg)) !== 0;) if (stranded(ch, sg, dead, false)) throw deathError(dead);
    const ok = (heap.views.u32[(sg + S_FLAGS) >>> 2] & F_SUCCESS) !== 0;
    const value = ch.take(sg + S_ELEM);
    heap.core.releaseSudog(sg);
    return { value, ok };
  }
  if (r === R_DONE || r === R_HANDOFF || r === R_CLOSED) {
    const value = ch.take(ep);
    if (r === R_HANDOFF) {
      ch.deliverOut();
    }
    return { value, ok: r !== R_CLOSED };
  }
  ch.fail(r);
}