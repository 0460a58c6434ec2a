// sudog: one parked operation on one channel (Go's sudog), and the g it parks.
//
// As in the Wasm core (assembly/sudog.ts), the "g" of a sudog is the sudog that holds the park
// state: itself for a single op, the first sudog (in lock order) for a select, whose sudogs are
// linked through `link`. Invariants:
// - a g only goes WAITING -> CLAIMED -> READY (a waker won it) or WAITING -> CANCELLED (its signal
//   aborted); the move out of WAITING is the one point where a parked op's fate is decided. With one
//   thread it is a plain check-and-set, done by waitq.dequeue;
// - a sudog is in at most one waitq, exactly while `queued`; a queued sudog whose g left WAITING is
//   dead (a select another case won): dequeue skips it, pass 3 unlinks it;
// - a g's Promise is settled exactly once, by goready (READY) or by handleEvent (CANCELLED), and
//   nothing else in the runtime points at a sudog once it is out of its queues: no pool, no table.
import { abortReason, offAbort, onAbort, sendOnClosed } from "../api/errors.js";
import { Describable, ParkedOp, callerStack, diag, now } from "../api/diagnostics.js";
import { G_CANCELLED, G_READY, G_WAITING } from "../abi/layout.js";
import type { Hchan } from "./hchan.js";
import { selectdone } from "./select.js";
import { unlink } from "./waitq.js";

/** What a g's Promise resolves to. */
export const K_SEND = 0; //    undefined, or rejects "send on closed channel"
export const K_RECV = 1; //    the value
export const K_RECVOK = 2; //  { value, ok }
export const K_SELECT = 3; //  { index, value, ok } (pass 3 runs first)

const noop = (): void => {};

interface Trace {
  session: number;
  since: number;
  stack: string | undefined;
}

export class Sudog implements Describable {
  /** Next in its waitq (while queued). */
  next: Sudog | null = null;
  /** Previous in its waitq (while queued). */
  prev: Sudog | null = null;
  /** Linked in its channel's sendq or recvq. */
  queued = false;
  /** Woken by a communication (true) or by close (false). */
  success = false;
  /** The sudog holding the park state: this one for a single op, the select's first. */
  g: Sudog = this;
  /** Next sudog of the same select, in lock order (null for a single op and the last case). */
  link: Sudog | null = null;
  // ---- meaningful on a g only
  /** G_WAITING, G_CLAIMED, G_READY or G_CANCELLED. */
  state = G_WAITING;
  /** The sudog that completed this g (Go's g.param). */
  param: Sudog | null = null;
  /** K_*: what the Promise resolves to. */
  kind = K_SEND;
  resolve: (v: any) => void = noop;
  reject: (e: unknown) => void = noop;
  /** The op's AbortSignal, while this g listens to it. */
  signal: AbortSignal | undefined = undefined;
  /** When it parked and where it was called: recorded only while diagnostics are on (one field, so
   *  that every other sudog stays small). */
  trace: Trace | undefined = undefined;

  /** The channel it waits on. */
  readonly c: Hchan;
  /** A send (in c.sendq), else a receive (in c.recvq). */
  readonly isSend: boolean = false;
  /** The value a sender offers, or the one a receiver was handed, as the channel stores it. */
  elem: unknown = undefined;
  /** Its select case index, -1 for a single op. */
  readonly casei: number = -1;

  constructor(c: Hchan, isSend: boolean, elem: unknown, casei: number) {
    this.c = c;
    this.isSend = isSend;
    this.elem = elem;
    this.casei = casei;
  }

  /** For diagnostics (on a g). */
  describe(t: number): ParkedOp | null {
    const trace = this.trace;
    if (trace === undefined || trace.session !== diag.session || !diag.on) return null;
    const cases: Sudog[] = [];
    for (let sg: Sudog | null = this; sg !== null; sg = sg.link) cases.push(sg);
    cases.sort((a, b) => a.casei - b.casei); // case order, as the Wasm core reports it
    const op = this.kind === K_SELECT ? "select" : this.kind === K_SEND ? "send" : "recv";
    return { op, channels: cases.map((sg) => sg.c.info()), parkedMs: t - trace.since, stack: trace.stack };
  }

  /** The signal aborted while parked: withdraw every sudog of this g (O(1) each) and reject.
   *  An op that completed first has removed this listener; the state check is belt and braces. */
  handleEvent(): void {
    if (this.state !== G_WAITING) return;
    this.state = G_CANCELLED;
    for (let sg: Sudog | null = this; sg !== null; sg = sg.link) unlink(queueOf(sg), sg);
    this.reject(abortReason(this.signal!));
  }
}

/** The queue `sg` is (or was) in. */
export function queueOf(sg: Sudog) {
  return sg.isSend ? sg.c.sendq : sg.c.recvq;
}

// ---- parking: a Promise per parked g, made without a closure per op


/** Gives the queued g `g` its Promise, settled later by goready or by an abort of `signal`. */
export function gopark(g: Sudog, kind: number, signal: AbortSignal | undefined): Promise<any> {
  g.kind = kind;
  // A closure per park: measured faster than one shared executor that leaves the resolvers in a
  // long-lived object (a store into an old object for each).
  const p = new Promise<any>((resolve, reject) => {
    g.resolve = resolve;
    g.reject = reject;
  });
  if (signal !== undefined) {
    g.signal = signal;
    onAbort(signal, g);
  }
  // Last: taking a stack may run user code (Error.prepareStackTrace), which may complete this op.
  if (diag.on) g.trace = { session: diag.session, since: now(), stack: callerStack() };
  return p;
}

/** The value a woken receiver gets: the receiver's own copy of what was stored, or the zero value
 *  when it was woken by close. */
export function received(c: Hchan, sg: Sudog): unknown {
  const codec = c.codec;
  if (!sg.success) return codec === undefined ? undefined : codec.zero();
  return codec === undefined ? sg.elem : codec.unpack(sg.elem);
}

/** Go's goready: completes the claimed sudog `sg` (its g is G_CLAIMED by the caller), woken by a
 *  communication (`success`) or by close, and settles the g's Promise now. For a select this runs
 *  pass 3 first, so its losing cases are gone before any other code runs. */
export function goready(sg: Sudog, success: boolean): void {
  const g = sg.g;
  sg.success = success;
  g.param = sg;
  g.state = G_READY;
  if (g.signal !== undefined) offAbort(g.signal, g);
  const kind = g.kind;
  if (kind === K_SELECT) {
    selectdone(g);
  } else if (kind === K_RECV) {
    g.resolve(received(sg.c, sg));
  } else if (kind === K_RECVOK) {
    g.resolve({ value: received(sg.c, sg), ok: success });
  } else if (success) {
    g.resolve(undefined);
  } else {
    g.reject(sendOnClosed());
  }
}
