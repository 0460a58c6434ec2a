// preempt: cooperative preemption, Go's answer to a goroutine that never yields, for an event loop. An
// operation that finds its value (or room) completes at once and its Promise settles in a microtask, so
// a loop of `await ch.recv()` over a channel that always holds values never lets the event loop run:
// no timer, no I/O, no input, no frame. So each thread keeps a time budget (`preemption.budgetMs`,
// 10 ms by default, 0 turns it off): once operations have completed back to back for longer than that
// without the event loop running, the next ones still take effect at once — in call order, exactly as
// before — but their Promises settle from a macrotask, after the event loop had its turn. Go preempts a
// goroutine after ~10 ms the same way: the work it did stays done; it just waits for its next slice.
//
// Cost: a counter per operation; the clock is read every CHECK operations, and a slice (its start time
// and the macrotask that ends it) begins only at such a check, so a thread whose operations are spread
// over many turns of the event loop schedules at most one macrotask per CHECK operations.
import { macrotask } from "../platform.js";

/** Operations between two looks at the clock. */
const CHECK = 32;

/** Cooperative preemption of this thread's channel operations (see the README, "Preemption"). */
export const preemption = {
  /** Milliseconds of back-to-back operations before their Promises settle from a macrotask, letting
   *  the event loop run; 0 turns preemption off. Default 10 (Go preempts after ~10 ms). */
  budgetMs: 10,
};

let ops = 0;
let sliceStart = -1; //                    when the current slice began; -1: none
let over = false; //                       the slice is over budget: operations defer until it ends
let sliceEnd: Promise<void> | undefined; // settles in the macrotask that ends the slice

function endSlice(): Promise<void> {
  return (sliceEnd ??= new Promise<void>((resolve) => macrotask(resolve)).then(() => {
    sliceStart = -1;
    over = false;
    sliceEnd = undefined;
  }));
}

/** `p`, the Promise of an operation that already took effect: as it is, or, once this thread's slice
 *  is over budget, settling only after the event loop had a turn. */
export function preempt<T>(p: Promise<T>): Promise<T> {
  if ((++ops & (CHECK - 1)) === 0) look();
  return over ? p.then((v) => endSlice().then(() => v)) : p;
}

/** Every CHECK operations: starts a slice, or finds it over budget. */
function look(): void {
  const budget = preemption.budgetMs;
  if (!(budget > 0)) return;
  const now = performance.now();
  if (sliceStart < 0) {
    sliceStart = now;
    endSlice(); // the slice ends once the event loop gets a turn, however it gets it
  } else if (now - sliceStart >= budget) {
    over = true;
  }
}
