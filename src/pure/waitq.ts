// waitq: a FIFO of parked sudogs, a doubly linked list whose two ends live in the channel
// (Go's waitq; assembly/waitq.ts).
//
// Invariants:
// - a sudog is in at most one waitq, exactly while `queued` is set; next/prev mean something only then;
// - the order of a queue is the order in which its operations parked: FIFO service is Go's order;
// - a queued sudog's g may have left G_WAITING (a select that another case won): dequeue skips it;
// - parkedSend / parkedRecv count queued sudogs in all channels, by direction, parkedGs the queued
//   gs; each channel's `parked` holds its share of them, and its `nwait` counts its queued sudogs
//   (both directions), telling its `watch` hook when it goes 0 -> 1 or 1 -> 0.
import { G_CLAIMED, G_WAITING } from "../layout.js";
import type { Hchan } from "./hchan.js";
import type { Sudog } from "./sudog.js";
import { diag, track, untrack } from "../diagnostics.js";

export class WaitQ {
  /** Oldest parked sudog, served first. */
  first: Sudog | null = null;
  /** Newest parked sudog. */
  last: Sudog | null = null;
}

/** Queued sudogs of every channel, by direction, and queued gs (parked ops and selects: a select's
 *  g is its first sudog), for stats(). */
export let parkedSend = 0;
export let parkedRecv = 0;
export let parkedGs = 0;

/** The same counts for one channel, made at its first park. When a channel nobody can reach is
 *  collected, the ops parked on it (unreachable too) leave the totals, as the Wasm core's freechan
 *  unlinks them. A parked select keeps all its channels alive together (each sudog points at its g,
 *  and the g's chain at every case), so its g is counted in one channel and leaves with all of them. */
export class Parked {
  send = 0;
  recv = 0;
  gs = 0;
}

const reclaim = new FinalizationRegistry<Parked>((p) => {
  parkedSend -= p.send;
  parkedRecv -= p.recv;
  parkedGs -= p.gs;
});

function firstPark(c: Hchan): Parked {
  const p = new Parked();
  c.parked = p;
  reclaim.register(c, p);
  return p;
}

/** Appends `sg` to queue `q`. */
export function enqueue(q: WaitQ, sg: Sudog): void {
  const last = q.last;
  sg.next = null;
  sg.prev = last;
  if (last === null) q.first = sg;
  else last.next = sg;
  q.last = sg;
  sg.queued = true;
  const c = sg.c;
  const p = c.parked ?? firstPark(c);
  if (sg.isSend) {
    parkedSend++;
    p.send++;
  } else {
    parkedRecv++;
    p.recv++;
  }
  if (sg.g === sg) {
    parkedGs++;
    p.gs++;
  }
  if (++c.nwait === 1 && c.watch !== undefined) c.watch(1);
  if (diag.on) c.tracked = track(c, c.tracked);
}

/** Removes `sg` from `q` in O(1) if it is still queued there. */
export function unlink(q: WaitQ, sg: Sudog): void {
  if (!sg.queued) return;
  const next = sg.next;
  const prev = sg.prev;
  if (prev === null) q.first = next;
  else prev.next = next;
  if (next === null) q.last = prev;
  else next.prev = prev;
  sg.next = null;
  sg.prev = null;
  sg.queued = false;
  const c = sg.c;
  const p = c.parked!;
  if (sg.isSend) {
    parkedSend--;
    p.send--;
  } else {
    parkedRecv--;
    p.recv--;
  }
  if (sg.g === sg) {
    parkedGs--;
    p.gs--;
  }
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
