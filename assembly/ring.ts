// ring: a channel's buffer, a bounded MPMC queue that senders and receivers use without the lock while
// nobody is parked (Dmitry Vyukov's bounded queue with per-slot stamps, the design of
// crossbeam-channel's array flavour).
//
// Positions. C_HEAD (next value to receive) and the tail (next slot to fill) are u64 words: the slot
// index in the low u32, the lap and the P_* flags in the high u32. Advancing past the last slot goes to
// index 0 of the next lap. The ring holds dist(head, tail) values, 0..cap.
//
// Stamps (shared memory only). Slot i of a shared ring starts with a u32 stamp saying what the slot
// waits for: lap << 1 (empty, to be filled at position (lap, i)) or lap << 1 | 1 (full, to be received
// at (lap, i)). A lock-free send reads the tail, checks the slot's stamp says "empty for this lap",
// and claims the position with one compare-and-swap of the tail; only then it writes the value and
// publishes it by storing the "full" stamp. A receive does the same on the head and stores "empty for
// the next lap". So a position is claimed by exactly one thread (the CAS), and a slot is never written
// while it holds a value nor read before it holds one (the stamp). Between the CAS and the stamp store
// an operation is "in flight": a thread that meets one waits for the stamp. That window is straight-line
// code (no loop, no call), so a thread can be descheduled there but never terminated there: a
// terminated thread stops only at a loop header or a function entry.
//
// The lock-free paths and the lock (Go's semantics). The lock-free paths run only while neither
// position has P_HOLD (their CAS expects no flag bits, so a flag set by anyone makes it fail):
// - P_HOLD is set in both positions by every lock holder that looks at the ring (freeze) and stays set
//   exactly while a sudog is queued (thaw, before the lock is released). Under the lock, with P_HOLD
//   set, no new lock-free op can start, so the ring changes only by the holder and by ops already in
//   flight, which it waits for: dist(head, tail) is exact and Go's chansend/chanrecv/selectgo run as in
//   Go, each buffer move a lockedPush/lockedPop.
// - So a parked receiver is never overtaken: while it is queued, every send takes the lock and finds
//   it; and a parked sender's value goes into the ring before any later send's (FIFO).
// - P_CLOSED is set in both positions by close (under the lock): from then on no send gets in;
//   receivers drain what is left without the lock and then see "closed".
// - A lock-free op that finds its slot not ready for it (the previous lap's value still there, or no
//   value yet) reads the other side's position to tell "full" ("empty") from an op in flight on that
//   slot, and waits for the latter (crossbeam does the same): other ops of that side may have completed
//   behind the one in flight, so a non-blocking op that reported full (empty) then would not be
//   linearizable. A blocking op's retries while it waits skip that read (`exact` false): the next
//   attempt comes anyway, and reading the partner's position at every attempt costs the partner a
//   cache-line transfer each time. Once closed, an empty-looking receive always reads the tail, to tell
//   "drained" from a send that got in before close and is in flight.
// The lap wraps at 2^30 (P_LAP), in positions and stamps alike, so a position's 64-bit word repeats after
// 2^30 laps: an op descheduled between reading a position and its CAS while that many laps pass (a cap-1
// channel: 2^30 values) would claim it on a stale check. crossbeam's array flavour has the same bound on
// 32-bit targets; widening it means crossbeam's lap * one_lap + index encoding of the whole word.
// On unshared memory only one thread runs: there are no stamps, no atomics and no lock, and the
// bindings do the same buffer moves in JS (src/wasm/chan.ts) on the same positions.
import {
  C_BUF, C_DATAQSIZ, C_DISPOSED, C_ELEMSIZE, C_HEAD, C_RECVQ, C_SENDQ, C_STRIDE, C_TAIL, C_TAIL_SHARED,
  P_CLOSED, P_HOLD, P_LAP, Q_FIRST,
} from "../src/abi/layout";
import { SHARED } from "./flavor";
import { pause } from "./lock";

/** Results of the lock-free paths. */
export const RING_OK = 1;
export const RING_EMPTY = 0; //    (or full, for a push): nothing moved
export const RING_REFUSED = -1; // P_HOLD (or, for a push, P_CLOSED): take the lock
export const RING_CLOSED = -2; //  a pop found the ring empty and closed

const HOLD64: u64 = <u64>P_HOLD << 32;
const CLOSED64: u64 = <u64>P_CLOSED << 32;
const FLAGS_HI: u32 = P_HOLD | P_CLOSED;

@inline export function headAt(c: usize): usize {
  return c + C_HEAD;
}

@inline export function tailAt(c: usize): usize {
  return c + (SHARED ? C_TAIL_SHARED : C_TAIL);
}

@inline function ld(a: usize): u64 {
  return SHARED ? atomic.load<u64>(a) : load<u64>(a);
}

@inline function st(a: usize, v: u64): void {
  if (SHARED) atomic.store<u64>(a, v);
  else store<u64>(a, v);
}

@inline function index(p: u64): u32 {
  return <u32>p;
}

@inline function lapOf(p: u64): u32 {
  return <u32>(p >> 32) & P_LAP;
}

/** The position after `p` in a ring of `cap` slots, flags kept. */
@inline function next(p: u64, cap: u32): u64 {
  if (index(p) + 1 < cap) return p + 1;
  const hi = <u32>(p >> 32);
  return <u64>((hi & ~P_LAP) | ((hi + 1) & P_LAP)) << 32;
}

/** Values between head `h` and tail `t` (flags ignored). */
@inline function dist(h: u64, t: u64, cap: u32): u32 {
  return ((lapOf(t) - lapOf(h)) & P_LAP) != 0 ? cap - index(h) + index(t) : index(t) - index(h);
}

@inline function slotAt(c: usize, i: u32): usize {
  return <usize>load<u32>(c, C_BUF) + <usize>i * <usize>load<u32>(c, C_STRIDE);
}

/** Offset of the value in a slot of a ring of `size`-byte values (after the stamp on shared memory). */
@inline export function valueOffset(size: u32): usize {
  if (!SHARED) return 0;
  return size <= 4 ? 4 : 8;
}

/** Bytes per slot of a ring of `size`-byte values. */
@inline export function strideFor(size: u32): u32 {
  if (!SHARED) return size;
  return size <= 4 ? 8 : size + 8;
}

/** Copies one value of `size` bytes. Most values are 4 or 8 bytes (handles, i32, f64, i64): a plain
 *  load and store beats the bulk-memory call. Slots and elem areas need not be aligned. No loop and no
 *  call: it runs inside the in-flight window. */
@inline export function typedmemmove(dst: usize, src: usize, size: u32): void {
  if (size == 4) store<u32>(dst, load<u32>(src));
  else if (size == 8) store<u64>(dst, load<u64>(src));
  else memory.copy(dst, src, size);
}

/** Sets up the ring of a new channel whose header is zeroed: positions at 0 and every stamp "empty
 *  for lap 0" (0), and the slot stride. A ring in memory never used before is zero already (a
 *  channel of 2 GiB is made without touching its pages). */
export function ringInit(c: usize, size: u32, cap: u32, zero: bool): void {
  store<u32>(c, strideFor(size), C_STRIDE);
  if (SHARED && cap != 0 && !zero) memory.fill(<usize>load<u32>(c, C_BUF), 0, <usize>cap * <usize>strideFor(size));
}

/** Values in the ring: a count it held at some instant during the call (crossbeam's len: the tail
 *  read again after the head, until it did not move), ops in flight included. */
export function ringLen(c: usize): u32 {
  const cap = load<u32>(c, C_DATAQSIZ);
  if (cap == 0) return 0;
  while (true) {
    const t = ld(tailAt(c));
    const h = ld(headAt(c));
    if (ld(tailAt(c)) == t) return dist(h, t, cap);
  }
}

/** Waits for the op in flight on the slot at `slot` to store `want`. It is past its compare-and-swap,
 *  in straight-line code that no termination interrupts: it finishes, at worst once rescheduled. */
function waitStamp(slot: usize, want: u32): void {
  for (let spins: u32 = 1; atomic.load<u32>(slot) != want; spins++) {
    if ((spins & 4095) == 0) pause();
  }
}

// ---- the lock-free paths

/** Puts the value at `ep` into the ring without the lock: RING_OK, RING_EMPTY when the ring is full, or
 *  RING_REFUSED (P_HOLD or P_CLOSED: the caller takes the lock). `exact`: "full" is checked against the
 *  head (an op in flight on the slot is waited for), as a non-blocking send must be: another receive
 *  may have completed behind one in flight. Without it, a slot still holding the previous lap's value
 *  reads as full: a waiter's retry, which must not pull the receivers' line at every attempt. */
export function tryPush(c: usize, ep: usize, exact: bool): i32 {
  const cap = load<u32>(c, C_DATAQSIZ);
  const size = load<u32>(c, C_ELEMSIZE);
  const ta = tailAt(c);
  if (!SHARED) {
    const t = load<u64>(ta);
    if ((<u32>(t >> 32) & FLAGS_HI) != 0) return RING_REFUSED;
    if (dist(load<u64>(headAt(c)), t, cap) >= cap) return RING_EMPTY;
    typedmemmove(slotAt(c, index(t)), ep, size);
    store<u64>(ta, next(t, cap));
    return RING_OK;
  }
  const off = valueOffset(size);
  let t = atomic.load<u64>(ta);
  let spins: u32 = 0;
  while (true) {
    if ((<u32>(t >> 32) & FLAGS_HI) != 0) return RING_REFUSED;
    const slot = slotAt(c, index(t));
    const stamp = atomic.load<u32>(slot);
    const empty = lapOf(t) << 1;
    if (stamp == empty) {
      const seen = atomic.cmpxchg<u64>(ta, t, next(t, cap));
      if (seen == t) {
        typedmemmove(slot + off, ep, size);
        atomic.store<u32>(slot, empty | 1);
        return RING_OK;
      }
      t = seen;
      continue;
    }
    // The slot still holds the previous lap's value: full, unless its receive is in flight.
    if (stamp == (((lapOf(t) - 1) & P_LAP) << 1 | 1)) {
      if (!exact) return RING_EMPTY;
      const h = atomic.load<u64>(headAt(c));
      if (index(h) == index(t) && ((lapOf(h) + 1) & P_LAP) == lapOf(t)) return RING_EMPTY;
    }
    if ((++spins & 4095) == 0) pause(); // an op in flight whose thread was descheduled
    t = atomic.load<u64>(ta);
  }
}

/** Takes the ring's oldest value into `ep` without the lock: RING_OK, RING_EMPTY, RING_CLOSED (empty
 *  and closed), or RING_REFUSED (P_HOLD: the caller takes the lock). `exact` as for tryPush. */
export function tryPop(c: usize, ep: usize, exact: bool): i32 {
  const cap = load<u32>(c, C_DATAQSIZ);
  const size = load<u32>(c, C_ELEMSIZE);
  const ha = headAt(c);
  if (!SHARED) {
    const h = load<u64>(ha);
    if ((<u32>(h >> 32) & P_HOLD) != 0) return RING_REFUSED;
    const t = load<u64>(tailAt(c));
    if (dist(h, t, cap) == 0) return (<u32>(t >> 32) & P_CLOSED) != 0 ? RING_CLOSED : RING_EMPTY;
    typedmemmove(ep, slotAt(c, index(h)), size);
    store<u64>(ha, next(h, cap));
    return RING_OK;
  }
  const off = valueOffset(size);
  let h = atomic.load<u64>(ha);
  let spins: u32 = 0;
  while (true) {
    if ((<u32>(h >> 32) & P_HOLD) != 0) return RING_REFUSED;
    const slot = slotAt(c, index(h));
    const stamp = atomic.load<u32>(slot);
    const full = lapOf(h) << 1 | 1;
    if (stamp == full) {
      const seen = atomic.cmpxchg<u64>(ha, h, next(h, cap));
      if (seen == h) {
        typedmemmove(ep, slot + off, size);
        atomic.store<u32>(slot, ((lapOf(h) + 1) & P_LAP) << 1);
        return RING_OK;
      }
      h = seen;
      continue;
    }
    if (stamp == full - 1) {
      // Empty, unless its send is in flight. Once closed (P_CLOSED in the head too) the tail is always
      // read: a send that got in before close must still be received.
      const closed = (<u32>(h >> 32) & P_CLOSED) != 0;
      if (!exact && !closed) return RING_EMPTY;
      const t = atomic.load<u64>(tailAt(c));
      if (<u32>t == index(h) && lapOf(t) == lapOf(h)) return closed ? RING_CLOSED : RING_EMPTY;
    }
    if ((++spins & 4095) == 0) pause();
    h = atomic.load<u64>(ha);
  }
}

/** A waiting op's look-ahead: it waits for the slot READY_AHEAD - 1 past its position (at most a lap
 *  away) to be ready for it, so that the partner moves that many values without the waiter reading the
 *  lines it writes (two threads in lockstep on one slot would pay a cache-line transfer per value). */
const READY_AHEAD: u32 = 64;

/** Waits up to `polls` reads for the sender's (`push`) or receiver's side of the ring to be ready: the
 *  slot READY_AHEAD - 1 past its position ready for it, or, after a while, the slot at its position
 *  (a partner that moves a value now and then is not kept waiting long), or that position changed
 *  (another thread of this side moved it, or a lock holder set a flag). */
export function ringReady(c: usize, push: bool, polls: u32): void {
  const cap = load<u32>(c, C_DATAQSIZ);
  const a = push ? tailAt(c) : headAt(c);
  const p = atomic.load<u64>(a);
  const near = slotAt(c, index(p));
  const nearWant = push ? lapOf(p) << 1 : lapOf(p) << 1 | 1;
  let i = index(p) + min<u32>(READY_AHEAD, cap) - 1;
  let lap = lapOf(p);
  if (i >= cap) {
    i -= cap;
    lap = (lap + 1) & P_LAP;
  }
  const far = slotAt(c, i);
  const farWant = push ? lap << 1 : lap << 1 | 1;
  for (let k: u32 = 1; k <= polls; k++) {
    if (atomic.load<u32>(far) == farWant) return;
    if ((k & 63) != 0) continue;
    if (atomic.load<u64>(a) != p || (k >= 256 && atomic.load<u32>(near) == nearWant)) return;
  }
}

// ---- under the lock

/** A lock holder about to look at the ring: stops new lock-free ops (they take the lock instead). */
@inline export function freeze(c: usize): void {
  if (SHARED && load<u32>(c, C_DATAQSIZ) != 0) {
    atomic.or<u64>(headAt(c), HOLD64);
    atomic.or<u64>(tailAt(c), HOLD64);
  }
}

/** Before a lock holder lets go: P_HOLD stays set exactly while a sudog is queued. */
export function thaw(c: usize): void {
  if (load<u32>(c, C_DATAQSIZ) == 0) return;
  // A disposed channel keeps P_HOLD for good: every op takes the lock and fails there. (Its ring was
  // dropped without its stamps: a lock-free receive would wait for a value that never comes.)
  const hold = load<u32>(c + C_RECVQ, Q_FIRST) != 0 || load<u32>(c + C_SENDQ, Q_FIRST) != 0 || load<u32>(c, C_DISPOSED) != 0;
  if (SHARED) {
    if (hold) {
      holdForever(c); // set already by freeze, except after a cancel or a select's unlinking
      return;
    }
    atomic.and<u64>(headAt(c), ~HOLD64);
    atomic.and<u64>(tailAt(c), ~HOLD64);
  } else {
    const h = load<u64>(headAt(c));
    const t = load<u64>(tailAt(c));
    store<u64>(headAt(c), hold ? h | HOLD64 : h & ~HOLD64);
    store<u64>(tailAt(c), hold ? t | HOLD64 : t & ~HOLD64);
  }
}

/** Sets P_HOLD for good: every later op takes the lock (a poisoned channel; any thread, no lock). */
export function holdForever(c: usize): void {
  if (load<u32>(c, C_DATAQSIZ) == 0) return;
  atomic.or<u64>(headAt(c), HOLD64);
  atomic.or<u64>(tailAt(c), HOLD64);
}

/** Values in a frozen ring: exact, ops in flight included. */
@inline export function count(c: usize): u32 {
  const cap = load<u32>(c, C_DATAQSIZ);
  return cap == 0 ? 0 : dist(ld(headAt(c)), ld(tailAt(c)), cap);
}

/** Appends the value at `ep` to a frozen ring the caller checked is not full. */
export function lockedPush(c: usize, ep: usize): void {
  const cap = load<u32>(c, C_DATAQSIZ);
  const size = load<u32>(c, C_ELEMSIZE);
  const ta = tailAt(c);
  const t = ld(ta);
  const slot = slotAt(c, index(t));
  if (SHARED) {
    const empty = lapOf(t) << 1;
    waitStamp(slot, empty);
    typedmemmove(slot + valueOffset(size), ep, size);
    atomic.store<u32>(slot, empty | 1);
  } else {
    typedmemmove(slot, ep, size);
  }
  st(ta, next(t, cap));
}

/** Takes the oldest value of a frozen ring the caller checked is not empty into `ep`. */
export function lockedPop(c: usize, ep: usize): void {
  const cap = load<u32>(c, C_DATAQSIZ);
  const size = load<u32>(c, C_ELEMSIZE);
  const ha = headAt(c);
  const h = ld(ha);
  const slot = slotAt(c, index(h));
  if (SHARED) {
    const full = lapOf(h) << 1 | 1;
    waitStamp(slot, full);
    typedmemmove(ep, slot + valueOffset(size), size);
    atomic.store<u32>(slot, ((lapOf(h) + 1) & P_LAP) << 1);
  } else {
    typedmemmove(ep, slot, size);
  }
  st(ha, next(h, cap));
}

/** Close, under the lock: no send gets in any more (ops in flight still land), and receivers that find
 *  the ring empty look whether it is drained (P_CLOSED in the head too). */
export function markClosed(c: usize): void {
  if (load<u32>(c, C_DATAQSIZ) == 0) return;
  if (SHARED) {
    atomic.or<u64>(tailAt(c), CLOSED64);
    atomic.or<u64>(headAt(c), CLOSED64);
  } else {
    store<u64>(tailAt(c), load<u64>(tailAt(c)) | CLOSED64);
    store<u64>(headAt(c), load<u64>(headAt(c)) | CLOSED64);
  }
}

/** Dispose, under the lock, frozen: drops every buffered value (nothing buffered is ever received).
 *  Ops in flight finish on slots that nobody reads again. */
export function drop(c: usize): void {
  if (load<u32>(c, C_DATAQSIZ) == 0) return;
  const t = ld(tailAt(c));
  const h = ld(headAt(c));
  st(headAt(c), (t & ~(<u64>(FLAGS_HI) << 32)) | (h & (<u64>(FLAGS_HI) << 32)));
}
