// lifetime: what frees a channel's core memory when nobody can reach its Channel any more — a local
// channel's block, a shared channel's reference of this thread — unless dispose() did it first.
import type { Heap } from "./heap.js";

/** Frees a local channel nobody can reach. The registry holds just its address (an object per channel
 *  would double what GC pays for the registry; unregister tokens cost V8 as much again). A channel freed
 *  by dispose leaves a mark here, so its collection frees nothing — the address may be reused by then. */
const disposedLocal = new Map<number, number>();
const reclaimLocal = new FinalizationRegistry<number>((c) => {
  const marks = disposedLocal.get(c);
  if (marks !== undefined) {
    if (marks === 1) disposedLocal.delete(c);
    else disposedLocal.set(c, marks - 1);
    return;
  }
  localHeapOf.core.freechan(c);
});
let localHeapOf: Heap;

/** Drops this thread's reference to a shared channel nobody here can reach (freed with the last
 *  reference, from whichever thread drops it); `c` is zeroed once dispose released it. */
export interface Cell {
  heap: Heap;
  c: number;
}
const reclaimShared = new FinalizationRegistry<Cell>(({ heap, c }) => {
  if (c === 0) return;
  heap.forgetChan(c);
  heap.core.chanrelease(heap.t, c);
});

/** Frees local channel `c` of `heap` once `ch` is collected. */
export function trackLocal(ch: object, heap: Heap, c: number): void {
  localHeapOf = heap;
  reclaimLocal.register(ch, c);
}

/** Drops this thread's reference to shared channel `c` once `ch` is collected; dispose zeroes the
 *  returned cell's `c` when it released the reference itself. */
export function trackShared(ch: object, heap: Heap, c: number): Cell {
  const cell = { heap, c };
  reclaimShared.register(ch, cell);
  return cell;
}

/** Local channel `c` was freed by dispose: its collection must free nothing. */
export function disposedLocally(c: number): void {
  disposedLocal.set(c, (disposedLocal.get(c) ?? 0) + 1);
}
