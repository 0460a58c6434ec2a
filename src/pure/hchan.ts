// hchan: the channel (Go's runtime/chan.go; assembly/hchan.ts): a ring buffer plus two wait queues.
//
// The pure-TS twin of the Wasm core, one thread and no locks: every function runs to completion, so
// each one is a critical section. Values are stored as they are (a JS value by reference, or what a
// codec's check() returned), never copied through memory. Invariants, as in Go:
// - at least one of sendq and recvq holds no WAITING sudog, except for an unbuffered channel with a
//   single select parked on both of its directions;
// - for a buffered channel: qcount > 0 implies recvq is empty, and qcount < dataqsiz implies sendq
//   is empty;
// - once closed, both queues are empty and stay empty: close woke everyone, and no op parks on a
//   closed channel;
// - the ring's live slots are recvx, recvx+1, ... qcount of them, modulo buf.length; every other
//   slot holds undefined (a received value is not kept alive by the ring);
// - buf.length <= dataqsiz: the ring starts small and doubles, up to dataqsiz, only when it is full.
import type { Codec } from "../api/codecs.js";
import { F_SEND, R_BLOCK, R_CLOSED, R_CLOSED_TWICE, R_DONE, R_HANDOFF } from "../abi/layout.js";
import { Sudog, goready } from "./sudog.js";
import { WaitQ, dequeue, enqueue, untrackChan } from "./waitq.js";
import type { Describable, Tracked } from "../api/diagnostics.js";
import { G_WAITING } from "../abi/layout.js";

/** Ring slots a buffered channel starts with (fewer if its cap is smaller). */
const RING_START = 16;
/** The ring of every unbuffered channel: never written. */
export const NO_RING: unknown[] = [];

let nextId = 1;

/** A ring buffer in JS: the pure core's, and that of a Wasm-core local channel until its first park. */
export interface Ring {
  /** Values in the ring (Go's qcount: len(ch)). */
  qcount: number;
  /** Go's dataqsiz: cap(ch). */
  readonly dataqsiz: number;
  /** The ring's slots (see makering). */
  buf: unknown[];
  /** Next slot to write. */
  sendx: number;
  /** Next slot to read. */
  recvx: number;
}

/** A channel of the pure core (Go's hchan): the fields below, on the channel object itself (the
 *  binding's PureChan, src/pure/chan.ts), so an operation is one method call and no indirection. */
export interface Hchan extends Ring, Tracked {
  /** Id and name, for diagnostics. */
  info(): { id: number; name?: string };
  /** Set by close, never cleared. */
  closed: boolean;
  /** Set by dispose: every later operation throws. */
  disposed: boolean;
  /** Parked receivers, FIFO. */
  readonly recvq: WaitQ;
  /** Parked senders, FIFO. */
  readonly sendq: WaitQ;
  /** Sudogs queued in recvq and sendq together, and by direction; queued gs (waitq.ts). */
  nwait: number;
  nsend: number;
  nrecv: number;
  ngs: number;
  /** Its entry in what stats() counts, made at its first park (waitq.ts). */
  known: WeakRef<Hchan> | null;
  /** Told when nwait goes 0 -> 1 or 1 -> 0 (after()'s timer holds the process open only while
   *  someone waits). */
  watch: ((parked: number) => void) | undefined;
  /** Our entry in diagnostics' list while ops are parked here and diagnostics are on. */
  tracked: WeakRef<Tracked> | null;
  /** Creation order: a select's lock order (the Wasm core sorts by address). */
  readonly id: number;
  /** Typed slots: what check() returned is stored, unpack() of it is received. */
  readonly codec: Codec<any> | undefined;
}

/** Go's makechan, for the ring: the ring a channel with `size` slots starts with. */
export function makering(size: number): unknown[] {
  const n = size < RING_START ? size : RING_START;
  return n > 0 ? newRing(n) : NO_RING;
}

/** A new channel's id (creation order). */
export function newChanId(): number {
  return nextId++;
}

/** This channel's parked ops, for diagnostics: the g of every live queued sudog. */
export function* parkedOps(c: Hchan): Iterable<Describable> {
  for (const q of [c.recvq, c.sendq]) {
    for (let sg = q.first; sg !== null; sg = sg.next) if (sg.g.state === G_WAITING) yield sg.g;
  }
}

// ---- ring-buffer arithmetic, named once

function newRing(n: number): unknown[] {
  const buf: unknown[] = [];
  for (let i = 0; i < n; i++) buf.push(undefined); // packed, not holey
  return buf;
}

/** `i + 1` modulo the ring's size. */
function advance(c: Ring, i: number): number {
  return ++i === c.buf.length ? 0 : i;
}

/** Doubles a full ring (up to dataqsiz), keeping its values in order from slot 0. */
function grow(c: Ring): void {
  const old = c.buf;
  const n = old.length;
  const size = Math.min(c.dataqsiz, n * 2);
  const buf: unknown[] = [];
  for (let i = 0, x = c.recvx; i < n; i++, x = x + 1 === n ? 0 : x + 1) buf.push(old[x]);
  for (let i = n; i < size; i++) buf.push(undefined);
  c.buf = buf;
  c.recvx = 0;
  c.sendx = n;
}

/** Appends `ep` to the ring; the caller checked that qcount < dataqsiz. */
export function bufsend(c: Ring, ep: unknown): void {
  if (c.qcount === c.buf.length) grow(c);
  const i = c.sendx;
  c.buf[i] = ep;
  c.sendx = advance(c, i);
  c.qcount++;
}

/** Takes the head of the ring; the caller checked that it is not empty. */
export function bufrecv(c: Ring): unknown {
  const i = c.recvx;
  const buf = c.buf;
  const v = buf[i];
  buf[i] = undefined;
  c.recvx = advance(c, i);
  c.qcount--;
  return v;
}

// ---- the two ways a value moves through a parked partner (Go's send and recv)

/** Hands `ep` to the claimed parked receiver `sg` (the buffer is empty, or there is none). */
export function sendTo(sg: Sudog, ep: unknown): void {
  sg.elem = ep;
  goready(sg, true);
}

/** Receives from the claimed parked sender `sg` (the buffer is full, or there is none).
 *  Unbuffered: take the sender's value. Buffered: take the head of the ring and put the sender's
 *  value at the tail, which is the same slot since the ring is full, so FIFO order is kept. */
export function recvFrom(c: Hchan, sg: Sudog): unknown {
  let v = sg.elem;
  if (c.dataqsiz !== 0) {
    const i = c.recvx;
    const buf = c.buf;
    const head = buf[i];
    buf[i] = v;
    v = head;
    c.recvx = c.sendx = advance(c, i);
  }
  sg.elem = undefined;
  goready(sg, true);
  return v;
}

// ---- send

/** Go's chansend, the part that cannot block: sends `ep` (a stored value) on `c`.
 *  Returns R_CLOSED if `c` is closed (the caller panics), else R_HANDOFF (a parked receiver took
 *  the value and was settled) or R_DONE (buffered); R_BLOCK if neither is possible. With one thread
 *  nothing can change between this and `parksend`, which is the rest of a blocking chansend. */
export function chansend(c: Hchan, ep: unknown): number {
  if (c.closed) return R_CLOSED;
  const sg = dequeue(c.recvq);
  if (sg !== null) {
    sendTo(sg, ep);
    return R_HANDOFF;
  }
  if (c.qcount < c.dataqsiz) {
    bufsend(c, ep);
    return R_DONE;
  }
  return R_BLOCK;
}

/** The blocking end of chansend, after it returned R_BLOCK: queues and returns a sudog offering `ep`.
 *  (The caller keeps it: handing it back through a long-lived object would cost every park a GC
 *  write barrier.) */
export function parksend(c: Hchan, ep: unknown): Sudog {
  const me = new Sudog(c, F_SEND, ep);
  enqueue(c.sendq, me);
  return me;
}

// ---- receive

/** chanrecv's results besides a value. */
export const BLOCKED: unknown = Symbol("blocked");
export const CLOSED: unknown = Symbol("closed");

/** Go's chanrecv, the part that cannot block: the value received from `c` (as stored: from, or
 *  through, a parked sender, who was settled, or from the buffer), CLOSED when `c` is closed and
 *  drained (the zero value, ok = false), else BLOCKED. Returned, not left in `out`: most values are
 *  objects, and storing one into a long-lived object costs a GC write barrier. */
export function chanrecv(c: Hchan): unknown {
  if (c.closed && c.qcount === 0) return CLOSED;
  const sg = dequeue(c.sendq);
  if (sg !== null) return recvFrom(c, sg);
  if (c.qcount > 0) return bufrecv(c);
  return BLOCKED;
}

/** The blocking end of chanrecv, after it returned BLOCKED: queues and returns a receiver's sudog. */
export function parkrecv(c: Hchan): Sudog {
  const me = new Sudog(c, 0, undefined);
  enqueue(c.recvq, me);
  return me;
}

// ---- close

/** Go's closechan. Returns R_CLOSED_TWICE if already closed (the caller panics). Otherwise marks
 *  `c` closed and wakes every parked receiver (zero value, ok = false) and then every parked sender
 *  (which panics), each queue in FIFO order: the order in which their Promises are settled. */
export function closechan(c: Hchan): number {
  if (c.closed) return R_CLOSED_TWICE;
  c.closed = true;
  // Go collects the sudogs under the lock and wakes them after it; with one thread, waking each as
  // it is dequeued is the same order and the same outcome (a select woken here unlinks its other
  // cases, which dequeue would have skipped anyway).
  for (let sg = dequeue(c.recvq); sg !== null; sg = dequeue(c.recvq)) {
    sg.elem = undefined;
    goready(sg, false);
  }
  for (let sg = dequeue(c.sendq); sg !== null; sg = dequeue(c.sendq)) goready(sg, false);
  return R_DONE;
}

// ---- free

/** Lets go of `c`'s ring now (dispose; stats() stops counting it); the caller closed it first, so
 *  both queues are empty. */
export function freechan(c: Hchan): void {
  untrackChan(c);
  c.buf = NO_RING;
  c.qcount = 0;
  c.recvx = 0;
  c.sendx = 0;
}
