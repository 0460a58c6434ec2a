// hchan: the channel (Go's runtime/chan.go): a ring buffer plus two wait queues, under one lock.
//
// Invariants, as in Go (all under C_LOCK):
// - at least one of C_SENDQ and C_RECVQ holds no WAITING sudog, except for an unbuffered channel
//   with a single select parked on both of its directions;
// - for a buffered channel: a non-empty ring implies C_RECVQ is empty, and a ring with room implies
//   C_SENDQ is empty (whenever the lock is free and no op is in flight; see ring.ts, whose lock-free
//   paths run only while both queues are empty);
// - once C_CLOSED is set both queues are empty and stay empty: close woke everyone, and no op parks
//   on a closed channel;
// - the ring (ring.ts) holds the buffered values in order; every lock holder freezes it before looking
//   and thaws it before letting go.
//
// Every operation takes `t`, the calling thread's context: a waker readies sudogs of other threads
// itself (atomic store + notify), and hands sudogs of its own thread back to JS at T_OUT, because
// only that thread's JS can settle their Promises.
import {
  C_LOCK, C_DATAQSIZ, C_BUF, C_ELEMSIZE, C_CLOSED, C_RECVQ, C_SENDQ,
  C_REFS, C_ID, C_CODEC, HCHAN_SIZE, HCHAN_SHARED_SIZE, A_OK, A_NONE, A_CODEC, A_DISPOSED, MAX_RING_BYTES, H_CHANNELS,
  S_C, S_ELEM, S_FLAGS, S_G, S_WAKE, S_OWNER, S_PARAM, S_STATE, F_SEND, F_SUCCESS, F_SELECT,
  G_WAITING, G_CANCELLED, G_READY, T_ID, T_INDEX, T_OUT,
  BLOCK_NO, BLOCK_SYNC, B_CLOSED, B_DISPOSED, B_OPEN, Q_FIRST, C_DISPOSED, CHAN_POISONED, C_SHARES, R_DISPOSED, R_POISONED, B_POISONED, B_TIMEOUT, A_BUSY, R_BLOCK, R_DONE, R_HANDOFF, R_PARKED, R_CLOSED, R_NOMEM, R_CLOSED_TWICE,
} from "../src/abi/layout";
import { allocLines, allocZeroed, freeLines, nextId } from "./alloc";
import { cas, fetchAdd, lockOr, now, pause, publish, unlock } from "./lock";
import { SHARED } from "./flavor";
import { enqueue, dequeue, unlink } from "./waitq";
import {
  RING_CLOSED, RING_EMPTY, RING_OK, count, ringReady, drop, freeze, lockedPop, lockedPush, markClosed, ringInit, ringLen, strideFor,
  thaw, tryPop, tryPush, typedmemmove,
} from "./ring";
import { dirAdd, dirHas, dirLock, dirRemoveLocked, dirUnlock } from "./directory";
import { refAdd, refRemove } from "./thread";
import { acquireSudog, releaseSudog } from "./sudog";

@inline export function elemsize(c: usize): u32 {
  return load<u32>(c, C_ELEMSIZE);
}

/** A Promise form (BLOCK_PARK) watches the ring (ringReady, up to 1024 reads) this many times before it
 *  takes the lock to park — at most ~10–20 µs: the thread on the other side is often about to make room
 *  or a value, a parked Promise is woken through the event loop, and a thread running an event loop
 *  must not be held up much longer. (A/B, 1M values, 1 → 1, interleaved rounds: 8 against 2 took
 *  `await send` → `await recv` from 241–269 to 206–238 ns; 32 was no better.) */
const SPIN: u32 = 8;
/** A sync form (BLOCK_SYNC) retries for up to SPIN_MS, then naps (pause: ~50 µs, the CPU left to
 *  others) up to NAPS times, retrying after each, and only then parks. Why so long: a parked op costs
 *  its partner the lock and a wake-up, and itself a wake-up latency of tens of microseconds, during
 *  which a busy partner fills (or drains) the ring and must wait in turn: two threads that wait by
 *  parking or napping move one ring's worth of values per wake-up. A partner at work makes room or a
 *  value within nanoseconds; the spin is bounded by time, so a partner that stopped costs SPIN_MS once,
 *  and a machine too busy to run both leaves the spinner with naps. */
const SPIN_MS: f64 = 0.25;
const NAPS = 20;

/** A blocking op's wait without the lock: tryPush or tryPop of `ep`, not `exact` (a RING_EMPTY here
 *  only means "go on waiting, then take the lock", where the count is exact), until it is not
 *  RING_EMPTY or the wait's budget for `block` is spent; returns its last result. Between attempts it
 *  watches a slot ahead of its own position (ringReady) and nothing the partner writes at every value:
 *  each read of a line the partner writes costs it a cache-line transfer (~250 ns here), so a waiter
 *  that retried back to back would hold the partner to one value per transfer. */
@inline function waitRing(c: usize, ep: usize, block: i32, push: bool): i32 {
  let r = RING_EMPTY;
  let start: f64 = -1;
  for (let i: u32 = 1; ; i++) {
    r = push ? tryPush(c, ep, false) : tryPop(c, ep, false);
    if (r != RING_EMPTY) return r;
    ringReady(c, push, 1024);
    if (block != BLOCK_SYNC) {
      if (i >= SPIN) return r;
      continue;
    }
    const t = now();
    if (start < 0) start = t;
    else if (t - start > SPIN_MS) break;
  }
  for (let i = 0; r == RING_EMPTY && i < NAPS; i++) {
    pause();
    r = push ? tryPush(c, ep, false) : tryPop(c, ep, false);
  }
  return r;
}

/** A blocking send's wait for room without the lock: RING_OK once its value went in, else as tryPush. */
function waitPush(c: usize, ep: usize, block: i32): i32 {
  return waitRing(c, ep, block, true);
}

/** A blocking receive's wait for a value without the lock: as waitPush. */
function waitPop(c: usize, ep: usize, block: i32): i32 {
  return waitRing(c, ep, block, false);
}

/** Takes `c`'s lock: 0, or R_POISONED (a thread died holding it) or R_TIMEOUT, and then nothing
 *  may be done to `c`. */
@inline export function lockChan(c: usize): i32 {
  return lockOr(c + C_LOCK, c + C_DISPOSED, CHAN_POISONED);
}

// ---- waking

/** Completes the claimed sudog `sg` (its g is G_CLAIMED by this caller): records the outcome and
 *  publishes it. A sudog of another thread is woken here; one of the caller's own thread is returned
 *  to JS through T_OUT / the close list. Must be the last touch of `sg`: once READY, its owner may
 *  release it.
 *  On unshared memory a single op's sudog is released right here, saving JS a call: its fields stay
 *  as they are until the next acquire, which only a later core call can make, and JS reads them
 *  (token, flags, elem) before making one. A select's sudogs are released by its pass 3. */
export function ready(t: usize, sg: usize, success: bool): void {
  const g = <usize>load<u32>(sg, S_G);
  const flags = load<u32>(sg, S_FLAGS);
  if (success) store<u32>(sg, flags | F_SUCCESS, S_FLAGS);
  store<u32>(g, <u32>sg, S_PARAM);
  publish(g + S_STATE, G_READY);
  if (!SHARED) {
    if ((flags & F_SELECT) == 0) releaseSudog(sg);
    return;
  }
  if (load<u32>(g, S_OWNER) != load<u32>(t, T_ID)) atomic.notify(g + S_STATE);
}

/** True when `sg` belongs to the calling thread (so JS must settle it). */
@inline export function isLocal(t: usize, sg: usize): bool {
  return load<u32>(<usize>load<u32>(sg, S_G), S_OWNER) == load<u32>(t, T_ID);
}

// ---- the four ways a value moves (Go's send, recv and the buffer paths); all under the lock

/** Hands the value at `ep` to the claimed parked receiver `sg`: the buffer is empty, or there is none. */
export function sendTo(t: usize, c: usize, sg: usize, ep: usize): void {
  typedmemmove(sg + S_ELEM, ep, elemsize(c));
  store<u32>(t, isLocal(t, sg) ? <u32>sg : 0, T_OUT);
  ready(t, sg, true);
}

/** Receives into `ep` from the claimed parked sender `sg`: the buffer is full, or there is none.
 *  Unbuffered: take the sender's value. Buffered: take the head of the ring and put the sender's
 *  value at the tail, which is the same slot since the ring is full, so FIFO order is kept. */
export function recvFrom(t: usize, c: usize, sg: usize, ep: usize): void {
  recvFromQuiet(c, sg, ep);
  store<u32>(t, isLocal(t, sg) ? <u32>sg : 0, T_OUT);
  ready(t, sg, true);
}

/** The value moves of recvFrom, without waking `sg`. */
function recvFromQuiet(c: usize, sg: usize, ep: usize): void {
  if (load<u32>(c, C_DATAQSIZ) == 0) {
    typedmemmove(ep, sg + S_ELEM, elemsize(c));
  } else {
    lockedPop(c, ep);
    lockedPush(c, sg + S_ELEM);
  }
}

// ---- make

/** Bytes of the header before the ring. */
@inline function headerSize(): usize {
  return SHARED ? HCHAN_SHARED_SIZE : HCHAN_SIZE;
}

/** Go's makechan for thread `t`: a channel of `size` slots of `elemsize` bytes whose codec's name hashes to `codec`
 *  (0: untyped), or 0 when out of memory or the sizes break the slot contract (the caller checked them).
 *  The ring lives in the same block, right after the header, 8-aligned. */
export function makechan(t: usize, elemsize: u32, size: u32, codec: u32): usize {
  // The slot contract (src/api/codecs.ts): a value is 1, 2 or 4 bytes or a multiple of 8, so every value
  // of the 8-aligned ring (whose slots are a multiple of 8 bytes on shared memory) is aligned for its codec.
  if (!(elemsize == 1 || elemsize == 2 || elemsize == 4 || (elemsize != 0 && (elemsize & 7) == 0))) return 0;
  const bytes = <u64>strideFor(elemsize) * <u64>size;
  if (bytes > <u64>MAX_RING_BYTES) return 0;
  const c = allocLines(headerSize() + <usize>bytes);
  if (c == 0) return 0;
  const zero = allocZeroed();
  memory.fill(c, 0, headerSize());
  if (SHARED && !dirAdd(c)) {
    freeLines(c);
    return 0;
  }
  store<u32>(c, codec, C_CODEC);
  store<u32>(c, size, C_DATAQSIZ);
  store<u32>(c, <u32>(c + headerSize()), C_BUF);
  store<u32>(c, elemsize, C_ELEMSIZE);
  ringInit(c, elemsize, size, zero);
  store<u32>(c, 1, C_REFS);
  store<u32>(c, nextId(), C_ID);
  fetchAdd(H_CHANNELS, 1);
  if (SHARED && !refAdd(t, c)) {
    chanrelease(t, c);
    return 0;
  }
  return c;
}

/** Releases `c`'s lock after a slow path: thaws the ring first (ring.ts). */
@inline function release(c: usize): void {
  thaw(c);
  unlock(c + C_LOCK);
}

// ---- send

/** Go's chansend. Sends the `elemsize` bytes at `ep` on `c`.
 *  Returns R_CLOSED if `c` is closed (the caller panics), else R_HANDOFF (a parked receiver took the
 *  value; it is at T_OUT if it is the caller's, else 0 there), R_DONE (buffered), and when neither
 *  is possible: R_BLOCK if `!block`, else R_PARKED with the new sudog (holding a copy of the value)
 *  at T_OUT, or R_NOMEM.
 *  With nobody parked, a buffered send is the ring's lock-free push; a send that finds the ring full
 *  fails at once if it may not block (no receiver was parked: Go's fast path), and else retries a
 *  while before it takes the lock. */
export function chansend(t: usize, c: usize, ep: usize, block: i32): i32 {
  if (load<u32>(c, C_DATAQSIZ) != 0) {
    let r = tryPush(c, ep, block == BLOCK_NO);
    if (SHARED && block != BLOCK_NO && r == RING_EMPTY) r = waitPush(c, ep, block);
    if (r == RING_OK) return R_DONE;
    if (r == RING_EMPTY && block == BLOCK_NO) return R_BLOCK;
  }
  const locked = lockChan(c);
  if (locked != 0) return locked;
  freeze(c);
  if (load<u32>(c, C_CLOSED) != 0) {
    release(c);
    return load<u32>(c, C_DISPOSED) != 0 ? R_DISPOSED : R_CLOSED;
  }
  const sg = dequeue(c + C_RECVQ);
  if (sg != 0) {
    sendTo(t, c, sg, ep);
    release(c);
    return R_HANDOFF;
  }
  if (count(c) < load<u32>(c, C_DATAQSIZ)) {
    lockedPush(c, ep);
    release(c);
    return R_DONE;
  }
  if (block == BLOCK_NO) {
    release(c);
    return R_BLOCK;
  }
  const me = acquireSudog(c, elemsize(c), load<u32>(t, T_ID));
  if (me == 0) {
    release(c);
    return R_NOMEM;
  }
  typedmemmove(me + S_ELEM, ep, elemsize(c));
  store<u32>(me, F_SEND, S_FLAGS);
  enqueue(c + C_SENDQ, me);
  store<u32>(t, <u32>me, T_OUT);
  release(c);
  return R_PARKED;
}

// ---- receive

/** The result of a receive from `c` found closed and drained: `ep` zeroed (ok = false). */
function recvClosed(c: usize, ep: usize): i32 {
  memory.fill(ep, 0, elemsize(c));
  return load<u32>(c, C_DISPOSED) != 0 ? R_DISPOSED : R_CLOSED;
}

/** Go's chanrecv. Receives from `c` into the `elemsize` bytes at `ep`.
 *  Returns R_CLOSED when `c` is closed and drained (ep is zeroed: ok = false), R_HANDOFF when the
 *  value came from (or, buffered, through) a parked sender, who is woken (at T_OUT if it is the
 *  caller's), R_DONE from the buffer; otherwise R_BLOCK if `!block`, else R_PARKED with the new
 *  sudog at T_OUT (the value arrives in its elem area), or R_NOMEM. The lock-free path is chansend's. */
export function chanrecv(t: usize, c: usize, ep: usize, block: i32): i32 {
  if (load<u32>(c, C_DATAQSIZ) != 0) {
    let r = tryPop(c, ep, block == BLOCK_NO);
    if (SHARED && block != BLOCK_NO && r == RING_EMPTY) r = waitPop(c, ep, block);
    if (r == RING_OK) return R_DONE;
    if (r == RING_CLOSED) return recvClosed(c, ep);
    if (r == RING_EMPTY && block == BLOCK_NO) return R_BLOCK;
  }
  const locked = lockChan(c);
  if (locked != 0) return locked;
  freeze(c);
  if (load<u32>(c, C_CLOSED) != 0 && count(c) == 0) {
    release(c);
    return recvClosed(c, ep);
  }
  const sg = dequeue(c + C_SENDQ);
  if (sg != 0) {
    recvFrom(t, c, sg, ep);
    release(c);
    return R_HANDOFF;
  }
  if (count(c) > 0) {
    lockedPop(c, ep);
    release(c);
    return R_DONE;
  }
  if (block == BLOCK_NO) {
    release(c);
    return R_BLOCK;
  }
  const me = acquireSudog(c, elemsize(c), load<u32>(t, T_ID));
  if (me == 0) {
    release(c);
    return R_NOMEM;
  }
  enqueue(c + C_RECVQ, me);
  store<u32>(t, <u32>me, T_OUT);
  release(c);
  return R_PARKED;
}

// ---- batches: many values at once (sendMany / recvMany)

/** Appends `sg` to the wake list whose head and tail are at T_OUT and T_INDEX (local sudogs only). */
@inline function wakeListAdd(t: usize, sg: usize): void {
  store<u32>(sg, 0, S_WAKE);
  const tail = <usize>load<u32>(t, T_INDEX);
  if (tail == 0) store<u32>(t, <u32>sg, T_OUT);
  else store<u32>(tail, <u32>sg, S_WAKE);
  store<u32>(t, <u32>sg, T_INDEX);
}

/** Takes `c`'s lock for a batch; false, with B_POISONED or B_TIMEOUT at T_INDEX, when it cannot. */
@inline function batchLock(t: usize, c: usize): bool {
  const r = lockChan(c);
  if (r == 0) {
    freeze(c);
    return true;
  }
  store<u32>(t, r == R_POISONED ? B_POISONED : B_TIMEOUT, T_INDEX);
  return false;
}

/** Ends a batch at a closed channel: records why at T_INDEX (after the wake list no longer needs it). */
function batchEnd(t: usize, c: usize, moved: u32): i32 {
  store<u32>(t, load<u32>(c, C_DISPOSED) != 0 ? B_DISPOSED : B_CLOSED, T_INDEX);
  return <i32>moved;
}

/** Ends a batch that stopped where the next op would block. */
@inline function batchOpen(t: usize, moved: u32): i32 {
  store<u32>(t, B_OPEN, T_INDEX);
  return <i32>moved;
}

/** Up to `n` non-blocking sends of the values at ep, ep + elemsize, ... : each as chansend would do it
 *  (to a parked receiver first, else into the ring), stopping at the first that would block: lock-free
 *  while nobody is parked, then under one lock. Returns how many were sent; T_INDEX then says why it
 *  stopped (B_*: B_CLOSED means the caller panics). Receivers of this thread woken by it are listed at
 *  T_OUT through S_WAKE, in order; others are woken here. */
export function chansendn(t: usize, c: usize, ep: usize, n: u32): i32 {
  const size = elemsize(c);
  store<u32>(t, 0, T_OUT);
  store<u32>(t, 0, T_INDEX);
  let i: u32 = 0;
  if (load<u32>(c, C_DATAQSIZ) != 0) {
    let r = RING_OK;
    for (; i < n; i++) {
      r = tryPush(c, ep + <usize>i * size, true);
      if (r != RING_OK) break;
    }
    if (i == n || r == RING_EMPTY) return batchOpen(t, i);
  }
  if (!batchLock(t, c)) return <i32>i;
  for (; i < n; i++) {
    if (load<u32>(c, C_CLOSED) != 0) {
      release(c);
      return batchEnd(t, c, i);
    }
    const src = ep + <usize>i * size;
    const sg = dequeue(c + C_RECVQ);
    if (sg != 0) {
      typedmemmove(sg + S_ELEM, src, size);
      if (isLocal(t, sg)) wakeListAdd(t, sg);
      ready(t, sg, true);
    } else if (count(c) < load<u32>(c, C_DATAQSIZ)) {
      lockedPush(c, src);
    } else {
      break;
    }
  }
  release(c);
  return batchOpen(t, i);
}

/** Up to `n` non-blocking receives into ep, ep + elemsize, ..., each as chanrecv would do it, stopping
 *  at the first that would block: lock-free while nobody is parked, then under one lock. Returns how
 *  many were received; T_INDEX then says why it stopped (B_CLOSED: closed and drained). Senders of this
 *  thread woken by it are listed at T_OUT through S_WAKE; others are woken here. */
export function chanrecvn(t: usize, c: usize, ep: usize, n: u32): i32 {
  const size = elemsize(c);
  store<u32>(t, 0, T_OUT);
  store<u32>(t, 0, T_INDEX);
  let i: u32 = 0;
  if (load<u32>(c, C_DATAQSIZ) != 0) {
    let r = RING_OK;
    for (; i < n; i++) {
      r = tryPop(c, ep + <usize>i * size, true);
      if (r != RING_OK) break;
    }
    if (r == RING_CLOSED) return batchEnd(t, c, i);
    if (i == n || r == RING_EMPTY) return batchOpen(t, i);
  }
  if (!batchLock(t, c)) return <i32>i;
  for (; i < n; i++) {
    const dst = ep + <usize>i * size;
    const sg = dequeue(c + C_SENDQ);
    if (sg != 0) {
      const local = isLocal(t, sg);
      recvFromQuiet(c, sg, dst);
      if (local) wakeListAdd(t, sg);
      ready(t, sg, true);
    } else if (count(c) > 0) {
      lockedPop(c, dst);
    } else {
      const closed = load<u32>(c, C_CLOSED) != 0;
      release(c);
      if (closed) return batchEnd(t, c, i);
      return batchOpen(t, i);
    }
  }
  release(c);
  return batchOpen(t, i);
}

// ---- close

/** Go's closechan. Returns R_CLOSED_TWICE if already closed (the caller panics). Otherwise marks
 *  `c` closed and wakes every parked receiver (zero value, ok = false) and then every parked sender
 *  (which will panic), each queue in FIFO order. The caller's own sudogs are returned at T_OUT as a
 *  list linked through S_WAKE, in wake order, for JS to settle; others are woken here. */
export function closechan(t: usize, c: usize): i32 {
  return closeOrDispose(t, c, false);
}

/** Disposes `c` for every thread: closes it if open (waking as closechan does, list at T_OUT) and
 *  makes every later operation fail with R_DISPOSED. Its memory goes when the last ref is released. */
export function chandispose(t: usize, c: usize): i32 {
  return closeOrDispose(t, c, true);
}

function closeOrDispose(t: usize, c: usize, dispose: bool): i32 {
  store<u32>(t, 0, T_OUT);
  const locked = lockChan(c);
  if (locked != 0) return locked;
  freeze(c);
  if (load<u32>(c, C_DISPOSED) != 0) {
    release(c);
    store<u32>(t, 0, T_OUT);
    return R_DISPOSED;
  }
  if (dispose) {
    // A disposed channel is closed and drained: nothing buffered is ever received.
    store<u32>(c, 1, C_DISPOSED);
    drop(c);
  }
  if (load<u32>(c, C_CLOSED) != 0) {
    release(c);
    store<u32>(t, 0, T_OUT);
    return dispose ? R_DONE : R_CLOSED_TWICE;
  }
  store<u32>(c, 1, C_CLOSED);
  markClosed(c);
  // Collect under the lock, wake after it (as Go does): once READY a sudog may be released.
  let head: usize = 0;
  let tail: usize = 0;
  const size = elemsize(c);
  for (let q = c + C_RECVQ; ; q = c + C_SENDQ) {
    while (true) {
      const sg = dequeue(q);
      if (sg == 0) break;
      if ((load<u32>(sg, S_FLAGS) & F_SEND) == 0) memory.fill(sg + S_ELEM, 0, size);
      store<u32>(sg, 0, S_WAKE);
      if (tail == 0) head = sg;
      else store<u32>(tail, <u32>sg, S_WAKE);
      tail = sg;
    }
    if (q == c + C_SENDQ) break;
  }
  release(c);
  let local: usize = 0;
  let localTail: usize = 0;
  let sg = head;
  while (sg != 0) {
    const next = <usize>load<u32>(sg, S_WAKE);
    if (isLocal(t, sg)) {
      store<u32>(sg, 0, S_WAKE);
      if (localTail == 0) local = sg;
      else store<u32>(localTail, <u32>sg, S_WAKE);
      localTail = sg;
    }
    ready(t, sg, false);
    sg = next;
  }
  store<u32>(t, <u32>local, T_OUT);
  return R_DONE;
}

// ---- cancel

/** Withdraws the parked single op `sg` (abort). Returns 1 if it was withdrawn: it is out of its queue
 *  and its owner may release it; 0 if a waker claimed it first: the op completes (or has completed)
 *  and its outcome must be honoured; 2 if it was withdrawn but its channel's lock stayed held too long
 *  to unlink it: it stays queued (dequeue skips and unlinks it later), so it must never be released.
 *  The compare-and-swap decides, with or without the lock; the lock is only for unlinking. */
export function cancel(sg: usize): i32 {
  if (cas(sg + S_STATE, G_WAITING, G_CANCELLED) != G_WAITING) return 0;
  const c = <usize>load<u32>(sg, S_C);
  const locked = lockChan(c);
  // Poisoned: the channel's queues are never walked again (freechan skips them), so it may go.
  if (locked == R_POISONED) return 1;
  if (locked != 0) return 2;
  unlink((load<u32>(sg, S_FLAGS) & F_SEND) != 0 ? c + C_SENDQ : c + C_RECVQ, sg);
  release(c);
  return 1;
}

// ---- free

/** Frees channel `c`. The caller guarantees that nobody can reach it any more: any sudog still queued
 *  belongs to an abandoned operation (its Promise unreachable too) and is freed with it. */
export function freechan(c: usize): void {
  if (!SHARED) {
    freechanLocked(c);
    return;
  }
  if (!dirLock()) return; // the directory stayed locked: the channel is lost (a leak, never a double use)
  freechanLocked(c);
  dirUnlock();
}

/** freechan, the directory lock held (shared memory). */
export function freechanLocked(c: usize): void {
  // A poisoned channel's queues may be half changed by the thread that died: they are not walked,
  // their sudogs are lost.
  if (load<u32>(c, C_DISPOSED) != CHAN_POISONED) {
    for (let q = c + C_RECVQ; ; q = c + C_SENDQ) {
      while (load<u32>(q, Q_FIRST) != 0) {
        const sg = <usize>load<u32>(q, Q_FIRST);
        unlink(q, sg);
        releaseSudog(sg);
      }
      if (q == c + C_SENDQ) break;
    }
  }
  if (SHARED) dirRemoveLocked(c);
  fetchAdd(H_CHANNELS, -1);
  freeLines(c);
}

// ---- references (shared channels): C_REFS counts the threads' Chan objects and the descriptors
// from share() not yet attached (C_SHARES of them). The channel is freed when it reaches zero.

/** A descriptor is about to leave this thread: it holds a reference until attached. */
export function chanshare(c: usize): void {
  atomic.add<u32>(c + C_SHARES, 1);
  atomic.add<u32>(c + C_REFS, 1);
}

/** Thread `t` attaches `c` (any in-bounds address): if it is a live channel of this heap (in the
 *  directory) with id `id` and codec hash `codec`, takes over a descriptor's reference if one is
 *  pending, else adds one, and records it in `t`'s references. Returns A_OK; A_NONE if no such channel
 *  lives (freed, forged, stale); A_CODEC if it does but with another codec; A_DISPOSED if it was
 *  disposed (a reference was taken all the same: the caller drops it with chanrelease); A_BUSY if the
 *  directory stayed locked or memory ran out (reason at T_FAIL). */
export function chanattach(t: usize, c: usize, id: u32, codec: u32): i32 {
  if (!dirLock()) return A_BUSY; // no channel is freed (or made at c) meanwhile
  let r = A_OK;
  if (!dirHas(c) || load<u32>(c, C_ID) != id) r = A_NONE;
  else if (load<u32>(c, C_CODEC) != codec) r = A_CODEC;
  // A disposed channel is refused, but the descriptor's pending reference is still handed over (A_DISPOSED:
  // the caller releases it), or it would keep the channel for ever.
  else if (atomic.load<u32>(c + C_DISPOSED) != 0) r = takeRef(c) ? A_DISPOSED : A_NONE;
  else r = takeRef(c) ? A_OK : A_NONE;
  dirUnlock();
  if (r == A_OK || r == A_DISPOSED) {
    if (!refAdd(t, c)) {
      chanrelease(t, c);
      return A_BUSY;
    }
  }
  return r;
}

/** Takes a reference to `c` for this thread (the directory lock is held): a pending descriptor's if
 *  there is one, else a new one; false if the last reference is being dropped (as good as freed).
 *  Straight-line: a thread that dies here leaves the counts right (see directory.ts). */
function takeRef(c: usize): bool {
  // C_SHARES only grows elsewhere (chanshare), and only attach (under this lock) lowers it, so a
  // decrement that finds 0 is undone and a plain reference taken instead.
  if (atomic.sub<u32>(c + C_SHARES, 1) != 0) return true;
  atomic.add<u32>(c + C_SHARES, 1);
  if (atomic.add<u32>(c + C_REFS, 1) != 0) return true;
  // Its last reference is being dropped: the dropper frees it (and waits for this lock to do so).
  atomic.sub<u32>(c + C_REFS, 1);
  return false;
}

/** Thread `t` drops one reference; frees the channel with the last one and returns 1 then. The record
 *  goes first, so a thread that dies in between leaves one reference too many (a leak), never too few. */
export function chanrelease(t: usize, c: usize): i32 {
  if (SHARED) refRemove(t, c);
  if (atomic.sub<u32>(c + C_REFS, 1) != 1) return 0;
  freechan(c);
  return 1;
}

/** Len/cap/closed for JS callers that cannot read memory directly. */
export function chanlen(c: usize): u32 { return ringLen(c); }
export function chancap(c: usize): u32 { return load<u32>(c, C_DATAQSIZ); }
export function chanid(c: usize): u32 { return load<u32>(c, C_ID); }
