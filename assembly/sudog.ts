// sudog: one parked operation on one channel, and the pool that recycles them.
//
// A sudog is owned by the thread that parked it: only that thread releases it, and only after it is
// out of every waitq (F_QUEUED clear) and its g has left G_WAITING/G_CLAIMED. Wakers never free.
// Its elem area (at S_ELEM, the channel's elemsize) holds the value a parked sender offers, or receives the value
// for a parked receiver. Sudogs whose elem fits SUDOG_INLINE bytes come from a bounded pool, so a
// program that parks and wakes forever does not allocate. Pooled sudogs are free memory kept for reuse:
// they count in H_POOL_LEN, not in H_IN_USE, and the allocator's merge pass (alloc.ts) drains the pool
// into free blocks when an allocation does not fit.
import {
  H_POOL, H_POOL_LEN, H_ALLOC_LOCK, H_ALLOC_POISON, H_IN_USE, S_C, S_CASE, S_ELEM, S_FLAGS, S_G, S_LINK, S_NEXT, S_OWNER, S_PARAM,
  S_PREV, S_STATE, S_WAKE, SUDOG_INLINE, SUDOG_POOL_MAX, G_WAITING,
} from "../src/abi/layout";
import { alloc, blockSize, free, sizeClassOf } from "./alloc";
import { lockHeap, unlock } from "./lock";

/** A sudog for channel `c` with an elem area of at least `elemsize` bytes, its own g, owned by
 *  thread `owner`; 0 when out of memory. */
export function acquireSudog(c: usize, elemsize: u32, owner: u32): usize {
  let sg: usize = 0;
  if (elemsize <= <u32>SUDOG_INLINE) {
    if (!lockHeap(H_ALLOC_LOCK, H_ALLOC_POISON)) return 0;
    sg = load<u32>(H_POOL);
    if (sg != 0) {
      store<u32>(H_POOL, load<u32>(sg, S_NEXT));
      store<u32>(H_POOL_LEN, load<u32>(H_POOL_LEN) - 1);
      store<u32>(H_IN_USE, load<u32>(H_IN_USE) + blockSize(sg));
    }
    unlock(H_ALLOC_LOCK);
    if (sg == 0) {
      sg = alloc(S_ELEM + SUDOG_INLINE);
      if (sg == 0) return 0;
    }
  } else {
    sg = alloc(S_ELEM + elemsize);
    if (sg == 0) return 0;
  }
  store<u32>(sg, 0, S_NEXT);
  store<u32>(sg, 0, S_PREV);
  store<u32>(sg, <u32>c, S_C);
  store<u32>(sg, <u32>sg, S_G);
  store<u32>(sg, G_WAITING, S_STATE);
  store<u32>(sg, 0, S_PARAM);
  store<u32>(sg, 0, S_FLAGS);
  store<u32>(sg, owner, S_OWNER);
  store<i32>(sg, -1, S_CASE);
  store<u32>(sg, 0, S_LINK);
  store<u32>(sg, 0, S_WAKE);
  return sg;
}

/** The block size of a pooled sudog: every sudog with an inline elem area has it, bigger ones more. */
@inline function pooledBlockSize(): u32 {
  return sizeClassOf(S_ELEM + SUDOG_INLINE);
}

/** Returns a sudog that is in no waitq and no longer needed by anyone. */
export function releaseSudog(sg: usize): void {
  if (blockSize(sg) == pooledBlockSize()) {
    if (!lockHeap(H_ALLOC_LOCK, H_ALLOC_POISON)) return; // lost: a leak, never a double use
    const n = load<u32>(H_POOL_LEN);
    if (n < <u32>SUDOG_POOL_MAX) {
      store<u32>(sg, load<u32>(H_POOL), S_NEXT);
      store<u32>(H_POOL, <u32>sg);
      store<u32>(H_POOL_LEN, n + 1);
      store<u32>(H_IN_USE, load<u32>(H_IN_USE) - blockSize(sg));
      unlock(H_ALLOC_LOCK);
      return;
    }
    unlock(H_ALLOC_LOCK);
  }
  free(sg);
}
