// after: Go's time.After, a channel (capacity 1) that receives the time once, `ms` after the call.
// Shared by both cores: each passes a factory for its own capacity-1 channel of JS values.
//
// The timer must not hold a Node process open on its own: it is unref'd, and ref'd only while some
// receive or select of this thread is parked on the channel (the channel's `watch` hook). While
// nobody waits, the timer holds the channel only weakly, so a dropped timeout (the select went
// another way) is collectable at once, and its timer is cleared when it is.
import { describe } from "./errors.js";
import { refTimer } from "../platform.js";

type Timer = ReturnType<typeof setTimeout>;

/** What the timer needs of a channel; the Chan of either core has it. */
export interface TimerChan {
  /** Called with the number of parked ops whenever it goes from 0 to 1 or back. */
  watch: ((parked: number) => void) | undefined;
  trySend(v: number): boolean;
}

const clearOnCollect = new FinalizationRegistry<Timer>((timer) => clearTimeout(timer));

/** A channel from `make()` (capacity 1) that receives `Date.now()` once, `ms` milliseconds from
 *  now (at once if `ms <= 0`). A non-number or NaN `ms` is a RangeError, before any channel is made. */
export function afterOn<C extends TimerChan>(ms: number, make: () => C): C {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new RangeError(`wasmchan: after(ms) needs a number of milliseconds, got ${describe(ms)}`);
  }
  const ch = make();
  if (ms <= 0) {
    ch.trySend(Date.now());
    return ch;
  }
  const weak = new WeakRef(ch);
  let strong: C | undefined; // set while someone is parked on the channel
  const timer = setTimeout(() => {
    const c = strong ?? weak.deref();
    strong = undefined;
    if (c === undefined) return;
    c.watch = undefined;
    clearOnCollect.unregister(c);
    try {
      c.trySend(Date.now());
    } catch {
      // The user closed or disposed the timer channel (Go's is receive-only, so it cannot happen
      // there): the tick has nowhere to go, which is no reason to crash the process.
    }
  }, Math.min(ms, 0x7fff_ffff));
  refTimer(timer, false);
  ch.watch = (parked) => {
    strong = parked > 0 ? ch : undefined;
    refTimer(timer, parked > 0);
  };
  clearOnCollect.register(ch, timer, ch);
  return ch;
}
