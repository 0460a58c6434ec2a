// lock: the one mutual-exclusion primitive of the core, a word in linear memory.
//
// Critical sections are a few dozen instructions and never wait for anything, so a spin lock is the
// right tool: a holder is never parked while holding it. We never wait inside Wasm (Node 20's Liftoff
// bug, see WASM-NOTES); parking happens in JS on a sudog's state word, outside every lock.
// The core is built twice (scripts/build-wasm.mjs writes flavor.ts each time): for unshared memory,
// which one thread alone can reach, locking is compiled out — it could never be contended.
//
// Threads may die (worker.terminate()) anywhere, holding a lock. So a lock word holds its holder's
// thread id, and a thread that learns of a death (assembly/thread.ts, reap) can tell which locks the dead
// thread held: the heap's own locks it takes over (their critical sections are straight-line code, so
// never left half done: a terminated thread stops only at a loop header or a function entry), a
// channel's lock it leaves held for ever and marks the channel poisoned. A waiter gives up when the
// word it waits on is poisoned, or when one holder kept the lock for LOCK_TIMEOUT_MS without a break —
// for a thread that is itself the one that would learn of the death, and cannot while it spins.
import { H_ALLOC_LOCK, H_COALESCING, LOCK_TIMEOUT_MS, R_POISONED, R_TIMEOUT, T_FAIL } from "../src/abi/layout";
import { SHARED } from "./flavor";

// @ts-ignore: decorator
@external("env", "now")
export declare function now(): f64;
// Sleeps this thread for a few tens of microseconds (a JS Atomics.wait; a no-op where the thread may not
// block): a spinner that sleeps leaves the CPU to a holder that was descheduled. Never a wait in Wasm
// itself (Node 20's Liftoff bug, see WASM-NOTES).
// @ts-ignore: decorator
@external("env", "pause")
export declare function pause(): void;

/** This instance's thread: its id (the value of the lock words it holds) and context. Wasm globals
 *  are per instance, and each thread has its own instance of the core. */
export let self: u32 = 0;
export let selfContext: usize = 0;

export function setSelf(id: u32, t: usize): void {
  self = id;
  selfContext = t;
}

/** Takes the lock at `addr` for this thread; returns 0, or R_POISONED once the word at `poison` is
 *  `poisoned` (checked only while waiting), or R_TIMEOUT. */
@inline export function lockOr(addr: usize, poison: usize, poisoned: u32): i32 {
  if (!SHARED) return 0;
  if (atomic.cmpxchg<u32>(addr, 0, self) == 0) return 0;
  return lockSlow(addr, poison, poisoned);
}

function lockSlow(addr: usize, poison: usize, poisoned: u32): i32 {
  // The clock runs while one holder keeps the lock without a break: a lock that changes hands is a
  // busy lock, not a dead holder's (another thread winning it again and again is no reason to fail).
  let holder: u32 = 0;
  let since: f64 = -1;
  let spins: u32 = 0;
  // Test-and-test-and-set: spin on a plain read so waiting threads do not bounce the cache line.
  do {
    for (let w = atomic.load<u32>(addr); w != 0; w = atomic.load<u32>(addr)) {
      if (w != holder) {
        holder = w;
        since = -1;
      }
      if ((++spins & 255) != 0) continue;
      if (atomic.load<u32>(poison) == poisoned) return R_POISONED;
      if (spins < 4096) continue;
      pause();
      if ((spins & 4095) != 0) continue;
      const t = now();
      if (since < 0) since = t;
      else if (t - since > <f64>LOCK_TIMEOUT_MS) return R_TIMEOUT;
    }
  } while (atomic.cmpxchg<u32>(addr, 0, self) != 0);
  return 0;
}

/** Takes the lock at `addr` if it is free; false if another thread holds it. Never waits. */
@inline export function tryLock(addr: usize): bool {
  if (!SHARED) return true;
  return atomic.cmpxchg<u32>(addr, 0, self) == 0;
}

/** Takes one of the heap's own locks (allocator, directory); false when it stayed held too long or
 *  the allocator is poisoned (`poison`'s word is 1): the reason is left at T_FAIL. */
@inline export function lockHeap(addr: usize, poison: usize): bool {
  if (!SHARED) return true;
  if (atomic.cmpxchg<u32>(addr, 0, self) == 0) return true;
  return lockHeapSlow(addr, poison);
}

function lockHeapSlow(addr: usize, poison: usize): bool {
  let r = lockSlow(addr, poison, 1);
  // The allocator's merge pass may hold its lock for long on a big heap: give it a few more rounds.
  for (let i = 0; r == R_TIMEOUT && i < 4 && addr == H_ALLOC_LOCK && atomic.load<u32>(H_COALESCING) != 0; i++) {
    r = lockOr(addr, poison, 1);
  }
  if (r == 0) return true;
  if (selfContext != 0) store<u32>(selfContext, r, T_FAIL);
  return false;
}

/** Releases the lock at `addr`; the atomic store publishes every write made while holding it. */
@inline export function unlock(addr: usize): void {
  if (!SHARED) return;
  atomic.store<u32>(addr, 0);
}

// ---- the other atomic words (park states, counters): atomic on shared memory, plain loads and
// stores on unshared memory, where no other thread can see them and a locked instruction is waste.

/** Compare-and-swap of the word at `addr`; returns the old value. */
@inline export function cas(addr: usize, expected: u32, replacement: u32): u32 {
  if (SHARED) return atomic.cmpxchg<u32>(addr, expected, replacement);
  const old = load<u32>(addr);
  if (old == expected) store<u32>(addr, replacement);
  return old;
}

/** Adds `delta` (wrapping) to the word at `addr`; returns the old value. */
@inline export function fetchAdd(addr: usize, delta: u32): u32 {
  if (SHARED) return atomic.add<u32>(addr, delta);
  const old = load<u32>(addr);
  store<u32>(addr, old + delta);
  return old;
}

/** Stores `value` at `addr`, publishing every earlier write to other threads. */
@inline export function publish(addr: usize, value: u32): void {
  if (SHARED) atomic.store<u32>(addr, value);
  else store<u32>(addr, value);
}
