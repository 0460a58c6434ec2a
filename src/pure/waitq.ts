// waitq: a FIFO of parked sudogs, a doubly linked list whose two ends live in the channel
// (Go's waitq; assembly/waitq.ts).
//
// Invariants:
// - a sudog is in at most one waitq, exactly while F_QUEUED is set; next/prev mean something only then;
// - the order of a queue is the order in which its operations parked: FIFO service is Go's order;
// - a queued sudog's g may have left G_WAITING (a select that another case won): dequeue skips it;
// - a channel's nsend/nrecv count its queued sudogs by direction, ngs its queued gs, and nwait all
//   its queued sudogs, telling its `watch` hook when it goes 0 -> 1 or 1 -> 0.
import { F_QUEUED, F_SEND, G_CLAIMED, G_WAITING } from "../abi/layout.js";
import type { Hchan } from "./hchan.js";
import type { Sudog } from "./sudog.js";
import { diag, track, untrack } from "../api/diagnostics.js";

export class WaitQ {
  /** Oldest parked sudog, served first. */
  first: Sudog | null = null;
  /** Newest parked sudog. */
  last: Sudog | null = null;
}

// ---- what stats() counts
//
// Only channels that ever parked an op are tracked (a channel that never had to wait is a plain object
// the runtime knows nothing of: it costs nothing to make or drop, as in the Wasm core, where such a
// channel never takes linear memory). Each counts its own queued sudogs (nsend, nrecv) and queued gs
// (ngs: parked ops and selects; a select's g is its first sudog), plain fields written on every park
// and wake; stats() sums them over the tracked channels that are still alive. A channel collected with
// ops parked on it (unreachable too) leaves the sums with them, as the Wasm core's freechan unlinks them.

/** Every tracked channel: a weak reference each, dropped when its channel is collected or disposed. */
const known = new Set<WeakRef<Hchan>>();
const forget = new FinalizationRegistry<WeakRef<Hchan>>((ref) => known.delete(ref));

/** Starts tracking `c` (its first park: a WeakRef and a registration, once per channel). */
function firstPark(c: Hchan): void {
  const ref = new WeakRef(c);
  c.known = ref;
  known.add(ref);
  forget.register(c, ref);
}

/** Stops tracking a disposed channel. */
export function untrackChan(c: Hchan): void {
  if (c.known !== null) known.delete(c.known);
}

/** The sums stats() reports, over tracked channels alive and not disposed. */
export function census(): { channels: number; ringSlots: number; send: number; recv: number; gs: number } {
  const t = { channels: 0, ringSlots: 0, send: 0, recv: 0, gs: 0 };
  for (const r of known) {
    const c = r.deref();
    if (c === undefined) continue;
    t.channels++;
    t.ringSlots += c.buf.length;
    t.send += c.nsend;
    t.recv += c.nrecv;
    t.gs += c.ngs;
  }
  return t;
}

/** Appends `sg` to queue `q`. */
export function enqueue(q: WaitQ, sg: Sudog): void {
  const last = q.last;
  sg.next = null;
  sg.prev = last;
  if (last === null) q.first = sg;
  else last.next = sg;
  q.last = sg;
  sg.flags |= F_QUEUED;
  const c = sg.c;
  if (c.known === null) firstPark(c);
  if ((sg.flags & F_SEND) !== 0) c.nsend++;
  else c.nrecv++;
  if (sg.g === sg) c.ngs++;
  if (++c.nwait === 1 && c.watch !== undefined) c.watch(1);
  if (diag.on) c.tracked = track(c, c.tracked);
}

/** Removes `sg` from `q` in O(1) if it is still queued there. */
export function unlink(q: WaitQ, sg: Sudog): void {
  if ((sg.flags & F_QUEUED) === 0) return;
  const next = sg.next;
  const prev = sg.prev;
  if (prev === null) q.first = next;
  else prev.next = next;
  if (next === null) q.last = prev;
  else next.prev = prev;
  sg.next = null;
  sg.prev = null;
  sg.flags &= ~F_QUEUED;
  const c = sg.c;
  if ((sg.flags & F_SEND) !== 0) c.nsend--;
  else c.nrecv--;
  if (sg.g === sg) c.ngs--;
  if (--c.nwait === 0) {
    if (c.watch !== undefined) c.watch(0);
    if (c.tracked !== null) {
      untrack(c.tracked);
      c.tracked = null;
    }
  }
}

/** Removes and returns the first sudog of `q` whose g this caller claims (WAITING -> CLAIMED), or
 *  null. Dead sudogs (their g already decided) are unlinked and skipped. The caller must finish the
 *  claimed one with goready. */
export function dequeue(q: WaitQ): Sudog | null {
  for (;;) {
    const sg = q.first;
    if (sg === null) return null;
    unlink(q, sg);
    const g = sg.g;
    if (g.state === G_WAITING) {
      g.state = G_CLAIMED;
      return sg;
    }
  }
}
