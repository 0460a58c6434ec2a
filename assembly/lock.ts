// lock: the one mutual-exclusion primitive of the core, a word in linear memory.
//
// Critical sections are a few dozen instructions and never wait for anything, so a spin lock is the
// right tool: a holder is never parked while holding it. We never wait inside Wasm (Node 20's Liftoff
// bug, see WASM-NOTES); parking happens in JS on a sudog's state word, outside every lock.
// The core is built twice (scripts/build-wasm.mjs writes flavor.ts each time): for unshared memory,
// which one thread alone can reach, locking is compiled out — it could never be contended.
import { SHARED } from "./flavor";

/** Takes the lock at `addr` (0 free, 1 held). */
@inline export function lock(addr: usize): void {
  if (!SHARED) return;
  if (atomic.cmpxchg<u32>(addr, 0, 1) == 0) return;
  lockSlow(addr);
}

/** Takes the lock at `addr` if it is free; false if another thread holds it. Never waits. */
@inline export function tryLock(addr: usize): bool {
  if (!SHARED) return true;
  return atomic.cmpxchg<u32>(addr, 0, 1) == 0;
}

function lockSlow(addr: usize): void {
  // Test-and-test-and-set: spin on a plain read so waiting threads do not bounce the cache line.
  do {
    while (atomic.load<u32>(addr) != 0) {}
  } while (atomic.cmpxchg<u32>(addr, 0, 1) != 0);
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
