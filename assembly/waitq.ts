// waitq: a FIFO of parked sudogs, a doubly linked list whose (first, last) words live inside hchan.
//
// Invariants (all under the channel's lock):
// - a sudog is in at most one waitq, exactly when F_QUEUED is set; S_NEXT/S_PREV are meaningful only then;
// - the order of a queue is the order in which its operations parked: FIFO service is Go's order;
// - a queued sudog's g may already have left G_WAITING (a select that another case won, or one that was
//   cancelled without the channel's lock): dequeue skips those, and their owner unlinks them later;
// - H_PARKED_SEND / H_PARKED_RECV count queued sudogs, by direction.
import {
  Q_FIRST, Q_LAST, S_NEXT, S_PREV, S_FLAGS, S_G, S_STATE, F_QUEUED, F_SEND, G_WAITING, G_CLAIMED,
  H_PARKED_SEND, H_PARKED_RECV,
} from "../src/abi/layout";
import { cas, fetchAdd, self } from "./lock";

@inline function parkedCounter(sg: usize): usize {
  return (load<u32>(sg, S_FLAGS) & F_SEND) != 0 ? H_PARKED_SEND : H_PARKED_RECV;
}

/** Appends `sg` to queue `q`. */
export function enqueue(q: usize, sg: usize): void {
  const last = load<u32>(q, Q_LAST);
  store<u32>(sg, 0, S_NEXT);
  store<u32>(sg, last, S_PREV);
  if (last == 0) store<u32>(q, <u32>sg, Q_FIRST);
  else store<u32>(last, <u32>sg, S_NEXT);
  store<u32>(q, <u32>sg, Q_LAST);
  store<u32>(sg, load<u32>(sg, S_FLAGS) | F_QUEUED, S_FLAGS);
  fetchAdd(parkedCounter(sg), 1);
}

/** Removes `sg` from `q` in O(1) if it is still queued there. */
export function unlink(q: usize, sg: usize): void {
  const flags = load<u32>(sg, S_FLAGS);
  if ((flags & F_QUEUED) == 0) return;
  const next = load<u32>(sg, S_NEXT);
  const prev = load<u32>(sg, S_PREV);
  if (prev == 0) store<u32>(q, next, Q_FIRST);
  else store<u32>(prev, next, S_NEXT);
  if (next == 0) store<u32>(q, prev, Q_LAST);
  else store<u32>(next, prev, S_PREV);
  store<u32>(sg, 0, S_NEXT);
  store<u32>(sg, 0, S_PREV);
  store<u32>(sg, flags & ~F_QUEUED, S_FLAGS);
  fetchAdd(parkedCounter(sg), -1);
}

/** Removes and returns the first sudog of `q` whose g this caller could claim (WAITING -> claimed by
 *  this thread, (self << 2) | G_CLAIMED, so that its owner can tell if we die before READY), or 0. Sudogs whose g is already decided are unlinked and skipped. The caller must finish the
 *  claimed one with `ready`. */
export function dequeue(q: usize): usize {
  while (true) {
    const sg = <usize>load<u32>(q, Q_FIRST);
    if (sg == 0) return 0;
    unlink(q, sg);
    const g = <usize>load<u32>(sg, S_G);
    if (cas(g + S_STATE, G_WAITING, (self << 2) | G_CLAIMED) == G_WAITING) return sg;
  }
}

/** True when `q` has no sudog. */
@inline export function isEmpty(q: usize): bool {
  return load<u32>(q, Q_FIRST) == 0;
}
