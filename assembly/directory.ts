// directory: the live channels of a shared heap, so that attach can tell a real channel from bytes
// that merely look like one (a header forged inside some channel's ring, a stale address), and so
// that a thread's death can be cleaned up channel by channel (assembly/thread.ts).
//
// An array of u32 entries at H_DIR (H_DIR_CAP of them) under H_DIR_LOCK. Invariants:
// - entry i holds the address of a live channel c exactly when c's C_SLOT is i (addresses are
//   8-aligned, so bit 0 is clear); a free entry holds (1 + index of the next free entry) << 1 | 1,
//   and H_DIR_FREE is 1 + the first free index (0: none);
// - only makechan adds and only freechan removes, so a channel is in the directory for exactly its
//   lifetime; attach checks membership under the lock, and freechan removes under it;
// - every critical section under H_DIR_LOCK is straight-line code or loops whose every iteration
//   leaves the directory whole, so a thread that dies holding it (stopped at a loop header or a
//   function entry) leaves nothing half done, and the lock can be taken over.
// - H_DIR is 0 (and H_DIR_CAP, H_DIR_FREE too) before the first channel, and again after the
//   allocator's merge pass found no live channel (dirTakeIfEmpty).
// Only the shared build has one: unshared memory is never attached.
import { C_SLOT, H_DIR, H_DIR_CAP, H_DIR_FREE, H_DIR_LOCK } from "../src/abi/layout";
import { allocMeta, freeMeta } from "./alloc";
import { lockHeap, tryLock, unlock } from "./lock";

@inline function entry(i: u32): usize {
  return <usize>load<u32>(H_DIR) + (<usize>i << 2);
}

/** Takes the directory lock: while it is held no channel is created or freed, and no thread joins or
 *  leaves the heap. False when it stayed held too long (reason at T_FAIL). */
export function dirLock(): bool {
  return lockHeap(H_DIR_LOCK, 0); // never poisoned: address 0 holds 0
}

export function dirUnlock(): void {
  unlock(H_DIR_LOCK);
}

/** Enters channel `c`; false when out of memory or the lock stayed held. */
export function dirAdd(c: usize): bool {
  while (true) {
    if (!dirLock()) return false;
    if (load<u32>(H_DIR_FREE) != 0) {
      const i = load<u32>(H_DIR_FREE) - 1;
      const e = entry(i);
      store<u32>(H_DIR_FREE, load<u32>(e) >> 1);
      store<u32>(e, <u32>c);
      store<u32>(c, i, C_SLOT);
      dirUnlock();
      return true;
    }
    // Full: build the doubled array outside the lock (its new entries are the free list, in index
    // order), then copy and swap it in with straight-line code.
    const cap = load<u32>(H_DIR_CAP);
    dirUnlock();
    const ncap: u32 = cap == 0 ? 64 : cap * 2;
    const nd = allocMeta(<usize>ncap << 2);
    if (nd == 0) return false;
    for (let i = cap; i < ncap; i++) store<u32>(nd + (<usize>i << 2), i + 1 < ncap ? ((i + 2) << 1) | 1 : 1);
    if (!dirLock()) {
      freeMeta(nd);
      return false;
    }
    if (load<u32>(H_DIR_CAP) != cap) { // another thread grew it meanwhile
      dirUnlock();
      freeMeta(nd);
      continue;
    }
    const od = <usize>load<u32>(H_DIR);
    if (od != 0) memory.copy(nd, od, <usize>cap << 2);
    store<u32>(H_DIR, <u32>nd);
    store<u32>(H_DIR_CAP, ncap);
    store<u32>(H_DIR_FREE, cap + 1);
    dirUnlock();
    if (od != 0) freeMeta(od);
  }
}

/** Removes channel `c` (the caller holds the directory lock). */
export function dirRemoveLocked(c: usize): void {
  const i = load<u32>(c, C_SLOT);
  store<u32>(entry(i), (load<u32>(H_DIR_FREE) << 1) | 1);
  store<u32>(H_DIR_FREE, i + 1);
}

/** True when `c` is a live channel (the caller holds the directory lock). `c` itself may be any
 *  in-bounds address: its C_SLOT is only an index to check against. */
export function dirHas(c: usize): bool {
  const i = load<u32>(c, C_SLOT);
  return i < load<u32>(H_DIR_CAP) && <usize>load<u32>(entry(i)) == c;
}

/** The live channel in entry `i`, or 0 (the caller holds the directory lock). */
export function dirAt(i: u32): usize {
  const v = load<u32>(entry(i));
  return (v & 1) != 0 ? 0 : <usize>v;
}
/** For the allocator's merge pass, which holds H_ALLOC_LOCK: if no channel is live, empties the
 *  directory and returns its block (from allocMeta) for the pass to take back as free memory; else 0.
 *  So an emptied heap keeps nothing in the middle of its memory. It only tries H_DIR_LOCK: dirAdd
 *  frees while holding it (freechan, reap: H_DIR_LOCK, then H_ALLOC_LOCK), so waiting for it here could deadlock.
 *  A thread that dies in here holds both locks, with H_COALESCING = 1 (see alloc.ts). */
export function dirTakeIfEmpty(): usize {
  if (!tryLock(H_DIR_LOCK)) return 0;
  const d = <usize>load<u32>(H_DIR);
  const cap = load<u32>(H_DIR_CAP);
  // A live entry holds a channel's address (bit 0 clear), a free one a link with bit 0 set.
  for (let i: u32 = 0; i < cap; i++) {
    if ((load<u32>(entry(i)) & 1) == 0) {
      unlock(H_DIR_LOCK);
      return 0;
    }
  }
  store<u32>(H_DIR, 0);
  store<u32>(H_DIR_CAP, 0);
  store<u32>(H_DIR_FREE, 0);
  unlock(H_DIR_LOCK);
  return d;
}
