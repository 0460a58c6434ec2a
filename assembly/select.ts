// select: Go's selectgo (runtime/select.go) over case records that JS writes into memory.
//
// A select parked on k channels is k sudogs, one per non-nil case, sharing one g (the first sudog in
// lock order) and linked through S_LINK in lock order. Invariants:
// - a waker must move the g from G_WAITING to G_CLAIMED with compare-and-swap (waitq.dequeue does):
//   whichever case wins that, wins the select, and every other case is dead at that instant even
//   while still linked in its queue (dequeue skips it);
// - only the select's own thread unlinks and releases its sudogs (selectdone / selectcancel), with
//   every channel of the select locked, in lock order;
// - locks are always taken in increasing channel address and each distinct channel once, so two
//   selects (or a select and a single op) never deadlock.
import {
  C_CLOSED, C_DISPOSED, R_DISPOSED, C_DATAQSIZ, C_LOCK, C_RECVQ, C_SENDQ, CASE_SIZE, DIR_SEND, F_SELECT, F_SEND,
  F_SUCCESS, G_CANCELLED, G_READY, G_WAITING, K_C, K_DIR, K_ELEM, R_BLOCK, R_CLOSED, R_DONE,
  R_HANDOFF, R_NOMEM, R_PARKED, R_POISONED, S_C, S_CASE, S_ELEM, S_FLAGS, S_G, S_LINK, S_PARAM, S_STATE, S_WAKE, T_ID,
  T_INDEX, T_OUT, T_RAND,
} from "../src/abi/layout";
import { cas, unlock } from "./lock";
import { SHARED } from "./flavor";
import { dequeue, enqueue, unlink } from "./waitq";
import { acquireSudog, releaseSudog } from "./sudog";
import { elemsize, lockChan, recvFrom, sendTo } from "./hchan";
import { count, freeze, lockedPop, lockedPush, thaw, typedmemmove } from "./ring";

/** A uniformly random integer in [0, n) from this thread's xorshift32 state (Go's cheaprandn). */
function randn(t: usize, n: u32): u32 {
  let x = load<u32>(t, T_RAND);
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  store<u32>(t, x, T_RAND);
  return <u32>((<u64>x * <u64>n) >> 32);
}

@inline function caseAt(cases: usize, i: u32): usize {
  return cases + <usize>i * CASE_SIZE;
}

@inline function caseChan(cases: usize, i: u32): usize {
  return <usize>load<u32>(caseAt(cases, i), K_C);
}

@inline function orderAt(order: usize, i: u32): u32 {
  return load<u32>(order + (<usize>i << 2));
}

@inline function setOrder(order: usize, i: u32, v: u32): void {
  store<u32>(order + (<usize>i << 2), v);
}

/** Orders case `a` before case `b`: by channel address, then by position in the poll order, so that
 *  duplicates of one channel are queued in poll order — random, as Go's (whose heapsort leaves that tie
 *  to chance), and the same in the pure core for the same seed. */
@inline function caseLess(cases: usize, pollpos: usize, a: u32, b: u32): bool {
  const ca = caseChan(cases, a);
  const cb = caseChan(cases, b);
  return ca < cb || (ca == cb && orderAt(pollpos, a) < orderAt(pollpos, b));
}

/** Sorts the case indices in `lockorder[0..n)` by (channel address, poll position): heap sort,
 *  O(n log n), no allocation. */
function sortByChannel(cases: usize, pollpos: usize, lockorder: usize, n: u32): void {
  // Build a max-heap, sifting each new element up.
  for (let i: u32 = 1; i < n; i++) {
    const x = orderAt(lockorder, i);
    let j = i;
    while (j > 0) {
      const parent = (j - 1) >> 1;
      const p = orderAt(lockorder, parent);
      if (!caseLess(cases, pollpos, p, x)) break;
      setOrder(lockorder, j, p);
      j = parent;
    }
    setOrder(lockorder, j, x);
  }
  // Repeatedly move the max to the end and sift the new root down.
  for (let i = n; i > 1; ) {
    i--;
    const x = orderAt(lockorder, i);
    setOrder(lockorder, i, orderAt(lockorder, 0));
    let j: u32 = 0;
    while (true) {
      let k: u32 = 2 * j + 1;
      if (k >= i) break;
      if (k + 1 < i && caseLess(cases, pollpos, orderAt(lockorder, k), orderAt(lockorder, k + 1))) k++;
      if (!caseLess(cases, pollpos, x, orderAt(lockorder, k))) break;
      setOrder(lockorder, j, orderAt(lockorder, k));
      j = k;
    }
    setOrder(lockorder, j, x);
  }
}

/** Fills `lockorder` with the non-nil cases sorted by (channel, poll position). */
function lockOrder(cases: usize, pollorder: usize, lockorder: usize, pollpos: usize, norder: u32): void {
  for (let i: u32 = 0; i < norder; i++) setOrder(pollpos, orderAt(pollorder, i), i);
  memory.copy(lockorder, pollorder, <usize>norder << 2);
  sortByChannel(cases, pollpos, lockorder, norder);
}

/** Locks every channel of the cases, in lock order; 0, or the failure (R_POISONED, R_TIMEOUT) with
 *  no lock held. */
function sellock(cases: usize, lockorder: usize, n: u32): i32 {
  let prev: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = caseChan(cases, orderAt(lockorder, i));
    if (c != prev) {
      const r = lockChan(c);
      if (r != 0) {
        selunlock(cases, lockorder, i);
        return r;
      }
    }
    prev = c;
  }
  prev = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = caseChan(cases, orderAt(lockorder, i));
    if (c != prev) freeze(c);
    prev = c;
  }
  return 0;
}

/** Thaws (ring.ts) and, on shared memory, unlocks every channel of the cases, in lock order. */
function selunlock(cases: usize, lockorder: usize, n: u32): void {
  let prev: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = caseChan(cases, orderAt(lockorder, i));
    if (c != prev) {
      thaw(c);
      unlock(c + C_LOCK);
    }
    prev = c;
  }
}

@inline function queueOf(sg: usize): usize {
  const c = <usize>load<u32>(sg, S_C);
  return (load<u32>(sg, S_FLAGS) & F_SEND) != 0 ? c + C_SENDQ : c + C_RECVQ;
}

/** Unlinks every sudog of a parked select still queued, under all its channels' locks, taken in lock
 *  order (its sudogs are linked in lock order). A poisoned channel is left alone: its queues are never
 *  walked again. Returns false if some channel's lock stayed held too long: its sudogs are still
 *  queued, read by the wakers that will skip them, so none of the select's sudogs may be released. */
function dequeueAll(g: usize): bool {
  // Each channel's first sudog records whether we hold that channel's lock (S_WAKE: 0 held, else why
  // not); this thread owns the sudogs, and S_WAKE is free once the select is decided.
  let prev: usize = 0;
  let first: usize = 0;
  let ok = true;
  for (let sg = g; sg != 0; sg = <usize>load<u32>(sg, S_LINK)) {
    const c = <usize>load<u32>(sg, S_C);
    if (c != prev) {
      first = sg;
      const r = lockChan(c);
      store<u32>(sg, <u32>r, S_WAKE);
      if (r != 0 && r != R_POISONED) ok = false;
    }
    prev = c;
    if (load<u32>(first, S_WAKE) == 0) unlink(queueOf(sg), sg);
  }
  prev = 0;
  for (let sg = g; sg != 0; sg = <usize>load<u32>(sg, S_LINK)) {
    const c = <usize>load<u32>(sg, S_C);
    if (c != prev && load<u32>(sg, S_WAKE) == 0) {
      thaw(c);
      unlock(c + C_LOCK);
    }
    prev = c;
  }
  return ok;
}

function releaseAll(g: usize): void {
  let sg = g;
  while (sg != 0) {
    const next = <usize>load<u32>(sg, S_LINK);
    releaseSudog(sg);
    sg = next;
  }
}

/**
 * Go's selectgo over `ncases` case records at `cases` (then 3*ncases u32 words of scratch for the
 * poll order, the lock order and each case's poll position). Cases with channel 0 are nil: never ready.
 * Among the ready cases one is chosen uniformly at random; its index goes to T_INDEX and the result
 * is, as for chansend/chanrecv: R_DONE (buffer), R_HANDOFF (parked partner woken; at T_OUT if it is
 * ours), R_CLOSED (a send case on a closed channel: panic; a recv case: zero value, ok = false),
 * R_DISPOSED (that case's channel was disposed).
 * When none is ready: R_BLOCK if `!block`, else the select parks: one sudog per non-nil case is
 * queued and the g (first sudog) is at T_OUT: R_PARKED; or R_NOMEM with nothing queued.
 * The caller handles "no non-nil case" itself (it would park forever).
 */
export function selectgo(t: usize, cases: usize, ncases: u32, block: bool): i32 {
  const pollorder = cases + <usize>ncases * CASE_SIZE;
  const lockorder = pollorder + (<usize>ncases << 2);
  const pollpos = lockorder + (<usize>ncases << 2);

  // Poll order: a uniformly random permutation of the non-nil cases (inside-out Fisher–Yates).
  let norder: u32 = 0;
  for (let i: u32 = 0; i < ncases; i++) {
    if (caseChan(cases, i) == 0) continue;
    const j = randn(t, norder + 1);
    setOrder(pollorder, norder, orderAt(pollorder, j));
    setOrder(pollorder, j, i);
    norder++;
  }
  // Lock order: needed before pass 1 only where there are locks (shared memory); otherwise only if
  // pass 2 queues the cases.
  if (SHARED) {
    lockOrder(cases, pollorder, lockorder, pollpos, norder);
    const locked = sellock(cases, lockorder, norder);
    if (locked != 0) return locked;
  }

  // Pass 1: the first ready case in poll order.
  for (let i: u32 = 0; i < norder; i++) {
    const casi = orderAt(pollorder, i);
    const k = caseAt(cases, casi);
    const c = <usize>load<u32>(k, K_C);
    const ep = <usize>load<u32>(k, K_ELEM);
    let r: i32 = -1;
    if (load<u32>(c, C_DISPOSED) != 0) {
      r = R_DISPOSED;
    } else if (load<u32>(k, K_DIR) == DIR_SEND) {
      if (load<u32>(c, C_CLOSED) != 0) {
        r = R_CLOSED;
      } else {
        const sg = dequeue(c + C_RECVQ);
        if (sg != 0) {
          sendTo(t, c, sg, ep);
          r = R_HANDOFF;
        } else if (count(c) < load<u32>(c, C_DATAQSIZ)) {
          lockedPush(c, ep);
          r = R_DONE;
        }
      }
    } else {
      const sg = dequeue(c + C_SENDQ);
      if (sg != 0) {
        recvFrom(t, c, sg, ep);
        r = R_HANDOFF;
      } else if (count(c) > 0) {
        lockedPop(c, ep);
        r = R_DONE;
      } else if (load<u32>(c, C_CLOSED) != 0) {
        memory.fill(ep, 0, elemsize(c));
        r = R_CLOSED;
      }
    }
    if (r >= 0) {
      if (SHARED) selunlock(cases, lockorder, norder);
      else thaw(c); // only its queues changed (no lock order yet on unshared memory)
      store<u32>(t, casi, T_INDEX);
      return r;
    }
  }
  if (!block) {
    if (SHARED) selunlock(cases, lockorder, norder);
    return R_BLOCK;
  }

  // Pass 2: enqueue one sudog per case, in lock order, all sharing the first one's g.
  if (!SHARED) lockOrder(cases, pollorder, lockorder, pollpos, norder);
  const owner = load<u32>(t, T_ID);
  let g: usize = 0;
  let last: usize = 0;
  for (let i: u32 = 0; i < norder; i++) {
    const casi = orderAt(lockorder, i);
    const k = caseAt(cases, casi);
    const c = <usize>load<u32>(k, K_C);
    const sg = acquireSudog(c, elemsize(c), owner);
    if (sg == 0) {
      if (g != 0) {
        for (let s = g; s != 0; s = <usize>load<u32>(s, S_LINK)) unlink(queueOf(s), s);
        releaseAll(g);
      }
      selunlock(cases, lockorder, norder);
      return R_NOMEM;
    }
    if (g == 0) g = sg;
    else store<u32>(last, <u32>sg, S_LINK);
    last = sg;
    store<u32>(sg, <u32>g, S_G);
    store<i32>(sg, <i32>casi, S_CASE);
    if (load<u32>(k, K_DIR) == DIR_SEND) {
      typedmemmove(sg + S_ELEM, <usize>load<u32>(k, K_ELEM), elemsize(c));
      store<u32>(sg, F_SELECT | F_SEND, S_FLAGS);
      enqueue(c + C_SENDQ, sg);
    } else {
      store<u32>(sg, F_SELECT, S_FLAGS);
      enqueue(c + C_RECVQ, sg);
    }
  }
  store<u32>(t, <u32>g, T_OUT);
  selunlock(cases, lockorder, norder);
  return R_PARKED;
}

/**
 * Pass 3, after the parked select with g `g` was woken (its state is G_READY): unlinks its losing
 * sudogs, copies the winner's elem to `ep` (the received value; size of its channel's elem), releases
 * every sudog, and returns the winning case index; T_OUT is 1 if the case communicated, 0 if it was
 * woken by close.
 */
export function selectdone(t: usize, g: usize, ep: usize): i32 {
  const winner = <usize>load<u32>(g, S_PARAM);
  const casi = load<i32>(winner, S_CASE);
  typedmemmove(ep, winner + S_ELEM, elemsize(<usize>load<u32>(winner, S_C)));
  store<u32>(t, (load<u32>(winner, S_FLAGS) & F_SUCCESS) != 0 ? 1 : 0, T_OUT);
  if (dequeueAll(g)) releaseAll(g);
  return casi;
}

/** Withdraws a parked select (abort). Returns 1 if withdrawn (its sudogs are gone), 0 if some case
 *  already won: then it completes, and selectdone must be used once it is G_READY. */
export function selectcancel(g: usize): i32 {
  if (cas(g + S_STATE, G_WAITING, G_CANCELLED) != G_WAITING) return 0;
  if (dequeueAll(g)) releaseAll(g);
  return 1;
}

/** Seeds this thread's poll-order random source (0 picks a fixed non-zero seed). */
export function selectseed(t: usize, seed: u32): void {
  store<u32>(t, seed != 0 ? seed : 0x9e3779b9, T_RAND);
}

/** True once a parked g is decided and published. */
export function isready(g: usize): bool {
  return atomic.load<u32>(g + S_STATE) == G_READY;
}
