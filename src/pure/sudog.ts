// sudog: one parked operation on one channel (Go's sudog), and the g it parks.
//
// As in the Wasm core (assembly/sudog.ts), the "g" of a sudog is the sudog that holds the park
// state: itself for a single op, the first sudog (in lock order) for a select, whose sudogs are
// linked through `link`. Invariants:
// - a g only goes WAITING -> CLAIMED -> READY (a waker won it) or WAITING -> CANCELLED (its signal
//   aborted); the move out of WAITING is the one point where a parked op's fate is decided. With one
//   thread it is a plain check-and-set, done by waitq.dequeue;
// - a sudog is in at most one waitq, exactly while F_QUEUED; a queued sudog whose g left WAITING is
//   dead (a select another case won): dequeue skips it, pass 3 unlinks it;
// - a g's Promise is settled exactly once, by goready (READY) or by handleEvent (CANCELLED), and
//   nothing else in the runtime points at a sudog once it is out of its queues: no pool, no table.
import { parked } from "../api/preempt.js";
import { abortReason, offAbort, onAbort, sendOnClosed } from "../api/errors.js";
import { Describable, ParkTrace, ParkedOp, parkTrace, parkedOp } from "../api/diagnostics.js";
import { F_SELECT, F_SEND, F_SUCCESS, G_CANCELLED, G_READY, G_WAITING } from "../abi/layout.js";
import type { Hchan } from "./hchan.js";
import { selectdone } from "./select.js";
import { unlink } from "./waitq.js";

/** What a g's Promise resolves to. */
export const K_SEND = 0; //    undefined, or rejects "send on closed channel"
export const K_RECV = 1; //    the value
export const K_RECVOK = 2; //  { value, ok }
export const K_SELECT = 3; //  { index, value, ok } (pass 3 runs first)

const noop = (): void => {};

/** When and where each g parked, recorded only while diagnostics are on, and the AbortSignal a g
 *  listens to: kept off the sudog, so that every sudog stays small (a parked receive costs no more
 *  memory than the hand-written floor's). */
const traces = new WeakMap<Sudog, ParkTrace>();
const signals = new WeakMap<Sudog, AbortSignal>();

/** Bits of `flags` beyond assembly's F_* (bits 0-3): the g's state, its kind, whether it has a signal. */
const STATE_SHIFT = 4; // 2 bits: G_*
const KIND_SHIFT = 6; //  2 bits: K_*
const F_SIGNAL = 1 << 8;

export class Sudog implements Describable {
  /** Next in its waitq (while queued). */
  next: Sudog | null = null;
  /** Previous in its waitq (while queued). */
  prev: Sudog | null = null;
  /** F_QUEUED (linked in its channel's sendq or recvq), F_SUCCESS (woken by a communication, not by
   *  close), F_SEND (a send, else a receive), F_SELECT (a case of a select), as assembly's S_FLAGS;
   *  and, on a g, its state, kind and F_SIGNAL (see the accessors below). */
  flags: number;
  /** On a g: settles its Promise. */
  resolve: (v: any) => void = noop;
  /** On a g: null for an op nothing can reject, a receive without a signal (its reject function is let go). */
  reject: ((e: unknown) => void) | null = null;
  /** The channel it waits on. */
  readonly c: Hchan;
  /** The value a sender offers, or the one a receiver was handed, as the channel stores it. */
  elem: unknown;

  constructor(c: Hchan, flags: number, elem: unknown) {
    this.c = c;
    this.flags = flags;
    this.elem = elem;
  }

  /** The sudog holding the park state: this one for a single op (a SelectSudog says its select's). */
  get g(): Sudog {
    return this;
  }

  /** On a g: G_WAITING, G_CLAIMED, G_READY or G_CANCELLED. */
  get state(): number {
    return (this.flags >> STATE_SHIFT) & 3;
  }

  set state(st: number) {
    this.flags = (this.flags & ~(3 << STATE_SHIFT)) | (st << STATE_SHIFT);
  }

  /** On a g: K_*, what its Promise resolves to. */
  get kind(): number {
    return (this.flags >> KIND_SHIFT) & 3;
  }

  set kind(k: number) {
    this.flags = (this.flags & ~(3 << KIND_SHIFT)) | (k << KIND_SHIFT);
  }

  /** On a g: the op's AbortSignal, while it listens to it. */
  get signal(): AbortSignal | undefined {
    return (this.flags & F_SIGNAL) === 0 ? undefined : signals.get(this);
  }

  set signal(s: AbortSignal | undefined) {
    if (s === undefined) {
      this.flags &= ~F_SIGNAL;
      signals.delete(this);
    } else {
      this.flags |= F_SIGNAL;
      signals.set(this, s);
    }
  }

  /** For diagnostics (on a g). */
  describe(t: number): ParkedOp | null {
    const op = this.kind === K_SELECT ? "select" : this.kind === K_SEND ? "send" : "recv";
    return parkedOp(traces.get(this), op, () => {
      const cases: Sudog[] = [];
      for (let sg: Sudog | null = this; sg !== null; sg = linkOf(sg)) cases.push(sg);
      cases.sort((a, b) => caseOf(a) - caseOf(b)); // case order, as the Wasm core reports it
      return cases.map((sg) => sg.c.info());
    }, t);
  }

  /** The signal aborted while parked: withdraw every sudog of this g (O(1) each) and reject.
   *  An op that completed first has removed this listener; the state check is belt and braces. */
  handleEvent(): void {
    if (this.state !== G_WAITING) return;
    this.state = G_CANCELLED;
    for (let sg: Sudog | null = this; sg !== null; sg = linkOf(sg)) unlink(queueOf(sg), sg);
    this.reject!(abortReason(this.signal!));
  }
}

/** A case of a parked select: a sudog that also knows its select's g (its first case, in lock order),
 *  its case and the next case of its select; the g records which case won it. */
export class SelectSudog extends Sudog {
  /** Next sudog of the same select, in lock order (null for the last). */
  link: SelectSudog | null = null;
  /** The sudog that completed this g (Go's g.param; on the g only). */
  param: SelectSudog | null = null;
  private first: Sudog = this;

  constructor(c: Hchan, flags: number, elem: unknown, readonly casei: number) {
    super(c, flags | F_SELECT, elem);
  }

  get g(): Sudog {
    return this.first;
  }

  set g(g: Sudog) {
    this.first = g;
  }
}

/** The next sudog of `sg`'s select, if it is a select's. */
function linkOf(sg: Sudog): Sudog | null {
  return (sg.flags & F_SELECT) !== 0 ? (sg as SelectSudog).link : null;
}

function caseOf(sg: Sudog): number {
  return (sg.flags & F_SELECT) !== 0 ? (sg as SelectSudog).casei : -1;
}

/** The queue `sg` is (or was) in. */
export function queueOf(sg: Sudog) {
  return (sg.flags & F_SEND) !== 0 ? sg.c.sendq : sg.c.recvq;
}

// ---- parking: a Promise per parked g, made without a closure per op


/** Gives the queued g `g` its Promise, settled later by goready or by an abort of `signal`. */
export function gopark(g: Sudog, kind: number, signal: AbortSignal | undefined): Promise<any> {
  g.kind = kind;
  // A closure per park: measured faster than one shared executor that leaves the resolvers in a
  // long-lived object (a store into an old object for each). A receive without a signal can never be
  // rejected, so it keeps no reject function.
  const p = signal === undefined && (kind === K_RECV || kind === K_RECVOK)
    ? new Promise<any>((resolve) => {
      g.resolve = resolve;
    })
    : new Promise<any>((resolve, reject) => {
      g.resolve = resolve;
      g.reject = reject;
    });
  if (signal !== undefined) {
    g.signal = signal;
    onAbort(signal, g);
  }
  // Last: taking a stack may run user code (Error.prepareStackTrace), which may complete this op.
  const trace = parkTrace();
  if (trace !== undefined) traces.set(g, trace);
  parked(); // last: user code run above may have made channel ops, each resetting the mark
  return p;
}

/** The value a woken receiver gets: the receiver's own copy of what was stored, or the zero value
 *  when it was woken by close. */
export function received(c: Hchan, sg: Sudog): unknown {
  const codec = c.codec;
  if ((sg.flags & F_SUCCESS) === 0) return codec === undefined ? undefined : codec.zero();
  return codec === undefined ? sg.elem : codec.unpack(sg.elem);
}

/** Go's goready: completes the claimed sudog `sg` (its g is G_CLAIMED by the caller), woken by a
 *  communication (`success`) or by close, and settles the g's Promise now. For a select this runs
 *  pass 3 first, so its losing cases are gone before any other code runs. */
export function goready(sg: Sudog, success: boolean): void {
  const g = sg.g;
  if (success) sg.flags |= F_SUCCESS;
  if ((sg.flags & F_SELECT) !== 0) (g as SelectSudog).param = sg as SelectSudog;
  g.state = G_READY;
  if ((g.flags & F_SIGNAL) !== 0) {
    offAbort(g.signal!, g);
    g.signal = undefined;
  }
  const kind = g.kind;
  if (kind === K_SELECT) {
    selectdone(g as SelectSudog);
  } else if (kind === K_RECV) {
    g.resolve(received(sg.c, sg));
  } else if (kind === K_RECVOK) {
    g.resolve({ value: received(sg.c, sg), ok: success });
  } else if (success) {
    g.resolve(undefined);
  } else {
    g.reject!(sendOnClosed());
  }
}
