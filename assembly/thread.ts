// thread: the threads (JS realms) using a heap, the channels each holds references to, and what
// happens when one dies.
//
// A thread that ends normally gives back its references and its context (threadFree). One that is
// terminated runs none of its code: another thread learns of the death (in Node, the thread that
// created the worker sees its "exit" event; see src/wasm/shared.ts) and reaps it here. Invariants:
// - H_THREADS lists every live context through T_NEXT, under H_DIR_LOCK; T_NODE names the platform's
//   thread, so the reaper can find the dead one's context;
// - a context's T_REFS entries are a subset of the references its thread holds (recorded after the
//   reference is taken, removed before it is dropped), so a reaper that drops every entry never drops
//   a reference twice;
// - the reaper holds H_DIR_LOCK for the whole reap: no channel is freed and no thread joins meanwhile.
//   What the dead thread held is settled channel by channel: its parked operations are withdrawn and
//   unlinked, a channel whose lock it held is poisoned (CHAN_POISONED: its lock stays held for ever and
//   every operation on it fails), the allocator's lock is taken over (its critical sections are
//   straight-line code, never left half done, except the free-block merge, which poisons the
//   allocator instead), and H_DEATHS is bumped so that waiters check whether a dead thread had claimed
//   their operation (parkdead).
import {
  C_DISPOSED, C_LOCK, CHAN_POISONED, C_RECVQ, C_REFS, C_SENDQ, G_CANCELLED, G_CLAIMED, G_READY, G_WAITING,
  H_ALLOC_LOCK, H_ALLOC_POISON, H_COALESCING, H_DEATHS, H_DIR_CAP, H_DIR_LOCK, H_NEXT_TID, H_THREADS,
  Q_FIRST, S_C, S_G, S_LINK, S_NEXT, S_OWNER, S_STATE, S_WAKE, T_ID, T_NEXT, T_NODE, T_NREFS, T_RAND,
  T_REFCAP, T_REFS, T_SCRATCH, T_SIZE,
} from "../src/abi/layout";
import { allocLines, allocMeta, freeLines, freeMeta } from "./alloc";
import { dirAt, dirLock, dirUnlock } from "./directory";
import { lockChan, freechanLocked } from "./hchan";
import { cas, fetchAdd, lockHeap, self, setSelf, unlock } from "./lock";
import { releaseSudog } from "./sudog";
import { holdForever, thaw } from "./ring";
import { unlink } from "./waitq";
import { SHARED } from "./flavor";

/** A context for a new thread (JS realm) using this heap, whose platform id + 1 is `node` (0: unknown);
 *  0 when out of memory. Each instance of the core serves one thread: this sets the instance's `self`. */
export function threadNew(node: u32): usize {
  const id = fetchAdd(H_NEXT_TID, 1);
  setSelf(id, 0); // before any lock: a lock word holds its holder's id
  const t = allocLines(T_SIZE); // freed by threadFree or reap
  if (t == 0) return 0;
  memory.fill(t, 0, T_SIZE);
  store<u32>(t, id, T_ID);
  store<u32>(t, node, T_NODE);
  // A distinct, never-zero start for each thread's poll order; JS reseeds it from a real random source.
  store<u32>(t, (id * 0x9e3779b9) | 1, T_RAND);
  setSelf(id, t);
  if (SHARED) {
    if (!dirLock()) {
      freeLines(t);
      return 0;
    }
    store<u32>(t, load<u32>(H_THREADS), T_NEXT);
    store<u32>(H_THREADS, <u32>t);
    dirUnlock();
  }
  return t;
}

/** Removes `t` from the list of live threads (the directory lock is held). */
function unlist(t: usize): void {
  let p: usize = H_THREADS - T_NEXT; // so that p + T_NEXT is the list head
  while (true) {
    const n = <usize>load<u32>(p, T_NEXT);
    if (n == 0) return;
    if (n == t) {
      store<u32>(p, load<u32>(t, T_NEXT), T_NEXT);
      return;
    }
    p = n;
  }
}

/** The thread ends normally, having dropped its references: frees its context (JS frees its scratch). */
export function threadFree(t: usize): void {
  if (SHARED) {
    if (!dirLock()) return; // lost: a leak, never a double use
    unlist(t);
    dirUnlock();
    const refs = <usize>load<u32>(t, T_REFS);
    if (refs != 0) freeMeta(refs);
  }
  freeLines(t);
}

// ---- references held by a thread (shared memory)

/** Records that `t` holds a reference to `c`; false when out of memory (the caller drops it). */
export function refAdd(t: usize, c: usize): bool {
  let n = load<u32>(t, T_NREFS);
  if (n == load<u32>(t, T_REFCAP)) {
    // Full: copy the live entries into a new array, then swap it in with straight-line code, so a
    // thread that dies here leaves the old array or the new one, never a mix.
    const old = <usize>load<u32>(t, T_REFS);
    let live: u32 = 0;
    for (let i: u32 = 0; i < n; i++) if (load<u32>(old + (<usize>i << 2)) != 0) live++;
    const cap = max<u32>(16, live * 2);
    const na = allocMeta(<usize>cap << 2); // bookkeeping, like the directory: not in H_IN_USE
    if (na == 0) return false;
    let j: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const e = load<u32>(old + (<usize>i << 2));
      if (e != 0) {
        store<u32>(na + (<usize>j << 2), e);
        j++;
      }
    }
    store<u32>(t, <u32>na, T_REFS);
    store<u32>(t, live, T_NREFS);
    store<u32>(t, cap, T_REFCAP);
    if (old != 0) freeMeta(old);
    n = live;
  }
  store<u32>(<usize>load<u32>(t, T_REFS) + (<usize>n << 2), <u32>c);
  store<u32>(t, n + 1, T_NREFS);
  return true;
}

/** Forgets one record of `t`'s reference to `c` (if any). */
export function refRemove(t: usize, c: usize): void {
  const refs = <usize>load<u32>(t, T_REFS);
  let i = load<u32>(t, T_NREFS);
  while (i > 0) {
    i--;
    const e = refs + (<usize>i << 2);
    if (<usize>load<u32>(e) == c) {
      store<u32>(e, 0);
      // Trailing empty entries are dropped, and an empty array is freed: a thread that holds nothing
      // keeps nothing in the middle of the heap (so an emptied heap can serve any size).
      let n = load<u32>(t, T_NREFS);
      while (n > 0 && load<u32>(refs + (<usize>(n - 1) << 2)) == 0) n--;
      store<u32>(t, n, T_NREFS);
      if (n == 0) {
        store<u32>(t, 0, T_REFS);
        store<u32>(t, 0, T_REFCAP);
        freeMeta(refs);
      }
      return;
    }
  }
}

// ---- death

/** The live context of platform thread `node`, or 0. Without the directory lock this is a racy read
 *  (bounded, to learn the dead thread's id); with it, exact. */
function findNode(node: u32): usize {
  let t = <usize>load<u32>(H_THREADS);
  for (let steps = 0; t != 0 && steps < 1 << 20; steps++) {
    if (load<u32>(t, T_NODE) == node) return t;
    t = <usize>load<u32>(t, T_NEXT);
  }
  return 0;
}

/** Whether a thread whose id's low 30 bits are `tid` has a live context (the directory lock is held). */
function isLive(tid: u32): bool {
  for (let t = <usize>load<u32>(H_THREADS); t != 0; t = <usize>load<u32>(t, T_NEXT)) {
    if ((load<u32>(t, T_ID) & 0x3fff_ffff) == tid) return true; // a claim keeps the id's low 30 bits
  }
  return false;
}

/** Takes the directory lock, taking it over if dead thread `tid` holds it; false if a live holder kept
 *  it too long (the reaper tries again later). */
function dirLockFrom(tid: u32): bool {
  for (let tries = 0; tries < 64; tries++) {
    if (atomic.cmpxchg<u32>(H_DIR_LOCK, tid, self) == tid) return true;
    if (dirLock()) return true;
  }
  return false;
}

/** Unlinks the sudogs of dead thread `tid` from queue `q` (its channel locked), withdrawing their ops;
 *  those no other thread can still touch go on the list `free` (through S_WAKE), returned. */
function withdraw(q: usize, tid: u32, free: usize): usize {
  let sg = <usize>load<u32>(q, Q_FIRST);
  while (sg != 0) {
    const next = <usize>load<u32>(sg, S_NEXT);
    if (load<u32>(sg, S_OWNER) == tid) {
      const g = <usize>load<u32>(sg, S_G);
      const st = cas(g + S_STATE, G_WAITING, G_CANCELLED);
      unlink(q, sg);
      // A select's g claimed by a live waker (another case won) is still being written: leave it all.
      if (st == G_WAITING || st == G_READY || st == G_CANCELLED) {
        store<u32>(sg, <u32>free, S_WAKE);
        free = sg;
      }
    }
    sg = next;
  }
  return free;
}

/**
 * Reaps the dead platform thread `node` (its id + 1): see the top of this file. Returns 1 if it had a
 * context here, 0 if not, -1 if the directory stayed locked by a live thread (try again later).
 */
export function reap(t: usize, node: u32): i32 {
  if (!SHARED || node == 0) return 0;
  let d = findNode(node);
  if (d == 0) return 0;
  if (!dirLockFrom(load<u32>(d, T_ID))) return -1;
  d = findNode(node);
  if (d == 0 || d == t) {
    dirUnlock();
    return 0;
  }
  const tid = load<u32>(d, T_ID);
  unlist(d);
  if (atomic.load<u32>(H_ALLOC_LOCK) == tid) {
    if (load<u32>(H_COALESCING) != 0) atomic.store<u32>(H_ALLOC_POISON, 1);
    else atomic.store<u32>(H_ALLOC_LOCK, 0);
  }
  // Its parked operations, and the channels whose lock it held.
  let list: usize = 0;
  let skipped = false;
  const cap = load<u32>(H_DIR_CAP);
  for (let i: u32 = 0; i < cap; i++) {
    const c = dirAt(i);
    if (c == 0 || atomic.load<u32>(c + C_DISPOSED) == CHAN_POISONED) continue;
    if (atomic.load<u32>(c + C_LOCK) == tid) {
      atomic.store<u32>(c + C_DISPOSED, CHAN_POISONED);
      holdForever(c); // the lock-free paths refuse too, and every op meets the poisoned lock
      continue;
    }
    if (lockChan(c) != 0) {
      skipped = true;
      continue;
    }
    list = withdraw(c + C_RECVQ, tid, list);
    list = withdraw(c + C_SENDQ, tid, list);
    thaw(c);
    unlock(c + C_LOCK);
  }
  // A select of the dead thread may still have a sudog in a queue we could not lock: it reads its g,
  // so nothing of the list may be freed then (a leak, never a use after free).
  if (!skipped) {
    while (list != 0) {
      const next = <usize>load<u32>(list, S_WAKE);
      releaseSudog(list);
      list = next;
    }
  }
  // Its references, then its memory.
  const refs = <usize>load<u32>(d, T_REFS);
  const n = load<u32>(d, T_NREFS);
  for (let i: u32 = 0; i < n; i++) {
    const e = refs + (<usize>i << 2);
    const c = <usize>load<u32>(e);
    if (c == 0) continue;
    store<u32>(e, 0);
    if (atomic.sub<u32>(c + C_REFS, 1) == 1) freechanLocked(c);
  }
  if (refs != 0) freeMeta(refs);
  const scratch = <usize>load<u32>(d, T_SCRATCH);
  if (scratch != 0) freeLines(scratch);
  freeLines(d);
  dirUnlock();
  fetchAdd(H_DEATHS, 1);
  atomic.notify(H_DEATHS);
  return 1;
}

/**
 * Whether the parked operation whose g is `g` can no longer complete because a thread died: 2 if a
 * thread that claimed it (to hand it a value) died before finishing, 1 if one of its channels is
 * poisoned, else 0.
 */
export function parkdead(g: usize): i32 {
  if (!SHARED) return 0;
  const st = atomic.load<u32>(g + S_STATE);
  if (st > <u32>G_CANCELLED && (st & 3) == <u32>G_CLAIMED) {
    if (!dirLock()) return 0;
    const live = isLive(st >> 2);
    dirUnlock();
    if (!live) return 2;
  }
  for (let sg = g; sg != 0; sg = <usize>load<u32>(sg, S_LINK)) {
    if (atomic.load<u32>(<usize>load<u32>(sg, S_C) + C_DISPOSED) == CHAN_POISONED) return 1;
  }
  return 0;
}
