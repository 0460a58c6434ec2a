// preempt: cooperative preemption, Go's answer to a goroutine that never yields, for an event loop. An
// operation that finds its value (or room) completes at once and its Promise settles in a microtask, so
// a loop of `await ch.recv()` over a channel that always holds values never lets the event loop run:
// no timer, no I/O, no input, no frame. So each thread keeps a time budget (`preemption.budgetMs`,
// 10 ms by default, 0 turns it off): once operations have completed back to back for longer than that
// without the event loop running, the next ones still take effect at once — in call order, exactly as
// before — but their Promises settle from a macrotask, after the event loop had its turn. Go preempts a
// goroutine after ~10 ms the same way: the work it did stays done; it just waits for its next slice.
// An operation that parks is left alone: it waits for another task or thread anyway (whose operation
// is the one counted and deferred), and parked operations woken together settle in the order woken.
//
// Cost: a counter per operation, and a look at the clock every `every` operations — adapted so that a
// look comes about every budget/8 ms (reading a clock costs 40–250 ns: Chromium's performance.now()
// took 11% of a 62 ns operation when read every 32), between MIN_EVERY and MAX_EVERY operations. A
// slice (its start time and the macrotask that ends it) begins only at a look, so a thread whose
// operations are spread over many turns of the event loop schedules at most one macrotask per
// MIN_EVERY operations. After a jump in the cost of each iteration the next look may come up to
// MAX_EVERY iterations late, once; then `every` adapts.
import { macrotask } from "../platform.js";

/** Bounds of the number of operations between two looks at the clock. */
const MIN_EVERY = 8;
const MAX_EVERY = 256;

let budget = 10;
/** Whether an operation that completes at once defers its Promise now: (over && budget > 0) || always,
 *  kept up to date by whatever changes them, so that the check on every operation is one load. */
let defer = false;

/** Cooperative preemption of this thread's channel operations (see the README, "Preemption"). */
export const preemption = {
  /** Milliseconds of back-to-back operations before their Promises settle from a macrotask, letting
   *  the event loop run; 0 turns preemption off (at once). Default 10 (Go preempts after ~10 ms). */
  get budgetMs(): number {
    return budget;
  },
  /** Sets the budget in milliseconds; 0 turns preemption off at once. */
  set budgetMs(ms: number) {
    budget = ms;
    update();
  },
};

let every = 32; //                          operations between two looks at the clock
let left = every; //                        operations until the next look (counting down: a count
//                                          up would leave the small-integer range after ~2^30 ops)
let lastLook = -1; //                       when the last look was; -1: none yet (or preemption off)
let sliceStart = -1; //                    when the current slice began; -1: none
let over = false; //                       the slice is over budget: operations defer until it ends
let sliceEnd: Promise<void> | undefined; // settles in the macrotask that ends the slice

function endSlice(): Promise<void> {
  return (sliceEnd ??= new Promise<void>((resolve) => macrotask(resolve)).then(() => {
    if (over) preemptTuning.slices++; // a slice that went over budget ended
    sliceStart = -1;
    over = false;
    update();
    sliceEnd = undefined;
  }));
}

let always = false;

function update(): void {
  defer = (over && budget > 0) || always;
}

/** @internal For the tests: `always` treats every slice as over budget, so the suites can run every
 *  path through the deferred form. */
export const preemptTuning = {
  get always(): boolean {
    return always;
  },
  set always(on: boolean) {
    always = on;
    update();
  },
  slices: 0,
  deferred: 0,
};

let parkedNow = false; // the operation between preempting() and later() parked

const noop = () => {};
const same = <T>(v: T): T => v;

/** @internal Before an operation: counts it; true if, should it complete at once, its Promise must
 *  settle only after the event loop had a turn (then pass its Promise through `later`). */
export function preempting(): boolean {
  if (--left <= 0) {
    left = every;
    if (!always) look(); // always: no clock, for determinism
  }
  parkedNow = false;
  return defer;
}

/** @internal A batch moved `n` values: it counts as that many operations (the first was counted by
 *  `preempting`), so the next operation looks at the clock if these used up the count. The count stands
 *  in for time, and the caller's work per value between batches is what a batch saves nothing of:
 *  counted as one, a pool settling 256 tasks per recvMany looked at the clock every 8 calls (~8 ms of
 *  work), or after `every` had grown in a cheap phase, every 256 calls (70 ms without a timer). */
export function charge(n: number): void {
  if (n > 1) left -= n - 1;
}

/** @internal Each core calls this as an operation parks: that operation waits for another task or
 *  thread anyway, and must settle in the order it is woken, as without preemption. */
export function parked(): void {
  parkedNow = true;
}

/**
 * @internal After an operation `preempting` said to defer: `p` itself if the operation parked;
 * else `p` settling once the slice has ended, through `f`. Every Promise resolved with a value reads
 * that value's `then`, so a received value must reach exactly one Promise: a deferred receive asks
 * its core for the value boxed (`{ value, ok }`; a parked one still settles with the value itself)
 * and `f` unboxes it into the Promise the caller gets, so a `{ get then() {…} }` sees its getter run
 * once. Every deferred Promise is the same chain of steps: they settle in the order of their calls.
 */
export function later<T, U = T>(p: Promise<T>, f: (v: T) => U = same as (v: T) => U): Promise<U> {
  if (parkedNow) {
    parkedNow = false;
    return p as unknown as Promise<U>;
  }
  preemptTuning.deferred++;
  p.then(undefined, noop); // a rejection waits for the slice's end: the caller's handler takes it then
  return endSlice().then(() => p).then(f);
}

/** Every `every` operations: starts a slice, or finds it over budget. */
function look(): void {
  if (!(budget > 0)) {
    lastLook = -1;
    left = MAX_EVERY;
    return;
  }
  // Date.now(): 44–92 ns a read against performance.now()'s 54–250 (Chromium's, cross-origin
  // isolated); a millisecond is fine enough for a budget of several. A clock set back starts a new slice.
  const now = Date.now();
  if (now < lastLook || (sliceStart >= 0 && now < sliceStart)) sliceStart = -1;
  if (lastLook >= 0) {
    // Aim at a look every budget/8 ms: grow at most ×2 a look, shrink at once.
    const dt = now - lastLook; // 0 while looks come less than a millisecond apart: grow
    const fit = dt > 0 ? Math.round((every * budget) / (8 * dt)) : 2 * every;
    every = Math.max(MIN_EVERY, Math.min(MAX_EVERY, 2 * every, fit));
  }
  lastLook = now;
  left = every;
  if (sliceStart < 0) {
    sliceStart = now;
    endSlice(); // the slice ends once the event loop gets a turn, however it gets it
  } else if (now - sliceStart >= budget) {
    over = true;
    update();
  }
}
