// parked: the parked ops of this thread that need more than a resolver — an AbortSignal to listen to,
// another thread that may complete them (shared memory), a record for diagnostics — and the list of
// settlements a core call that woke several of them puts off.
//
// A plain op (no signal, unshared memory, diagnostics off) is just its resolver in a FIFO of its
// channel (chan.ts). Every other parked op is an object in its channel's table of waiters, in the slot
// its sudog names (S_TOKEN), from its park until it is settled or withdrawn.
import type { Describable, ParkedOp } from "../api/diagnostics.js";
import { callerStack, diag, now } from "../api/diagnostics.js";
import { abortReason, deathError, offAbort, sendOnClosed } from "../api/errors.js";
import { F_SUCCESS, S_ELEM, S_FLAGS } from "../abi/layout.js";
import type { WasmChan } from "./chan.js";

/** Something parked on a channel, settled when a core call hands its sudog back. */
export interface Parked extends Describable {
  /** Settles it; with `later`, the final resolve/reject goes there instead (see Later). */
  settle(ch: WasmChan<any>, sg: number, later: Later | null): void;
  /** A thread died: if that strands it (its channel poisoned, its waker dead), withdraw and reject it. */
  checkDead(): void;
}

/** Settlements put off until the caller is done with core memory: pairs of (resolve or reject, its
 *  argument). Resolving with a value reads its `then` (user code, on an untyped channel), and user
 *  code may make core calls that reuse the sudogs a list is still being read from. */
export type Later = unknown[];

/** Calls `fn(arg)` now, or puts it on `later`. */
export function fire(fn: (v: any) => void, arg: unknown, later: Later | null): void {
  if (later === null) fn(arg);
  else later.push(fn, arg);
}

/** Runs the settlements put off on `later`, in order. */
export function runLater(later: Later): void {
  for (let i = 0; i < later.length; i += 2) (later[i] as (v: unknown) => void)(later[i + 1]);
}

/** What a parked single op resolves to. */
export const enum Op { Send, Recv, RecvOk }

/** One parked send/recv of this thread that is not plain. As the abort listener itself
 *  (handleEvent), it needs no closure. */
export class Waiter<T> implements Parked {
  /** When it parked and where it was called: recorded only while diagnostics are on. */
  readonly since: number;
  readonly stack: string | undefined;
  readonly session: number;
  resolve: (v: any) => void = noop;
  reject: (e: unknown) => void = noop;

  constructor(
    readonly ch: WasmChan<T>,
    readonly sg: number,
    readonly kind: Op,
    readonly signal: AbortSignal | undefined,
  ) {
    this.session = diag.on ? diag.session : 0;
    this.since = diag.on ? now() : 0;
    this.stack = diag.on ? callerStack() : undefined;
  }

  describe(t: number): ParkedOp | null {
    if (this.session !== diag.session || !diag.on) return null;
    return { op: this.kind === Op.Send ? "send" : "recv", channels: [this.ch.info()], parkedMs: t - this.since, stack: this.stack };
  }

  settle(ch: WasmChan<T>, sg: number, later: Later | null): void {
    const heap = ch.heap;
    const flags = heap.views.u32[(sg + S_FLAGS) >>> 2];
    if (this.signal !== undefined) offAbort(this.signal, this);
    if (heap.shared) heap.wakeOwn(sg);
    // On unshared memory the waker's core call released the sudog already (its fields stay readable
    // until this thread's next core call); on shared memory it is ours to release.
    if (this.kind === Op.Send) {
      if ((flags & F_SUCCESS) === 0) ch.drop(sg + S_ELEM);
      if (heap.shared) heap.core.releaseSudog(sg);
      if ((flags & F_SUCCESS) === 0) fire(this.reject, sendOnClosed(), later);
      else fire(this.resolve, undefined, later);
      return;
    }
    const value = ch.take(sg + S_ELEM);
    if (heap.shared) heap.core.releaseSudog(sg);
    fire(this.resolve, this.kind === Op.Recv ? value : { value, ok: (flags & F_SUCCESS) !== 0 }, later);
  }

  /** The signal aborted while parked. */
  handleEvent(): void {
    if (this.ch.lookup(this.sg) !== this) return; // settled already
    const r = this.ch.heap.core.cancel(this.sg);
    if (r === 0) return; // a waker on another thread claimed it first
    this.withdrawn(r === 1, abortReason(this.signal!));
  }

  checkDead(): void {
    const ch = this.ch;
    if (ch.lookup(this.sg) !== this) return;
    const dead = ch.heap.core.parkdead(this.sg);
    if (dead === 0) return;
    const r = dead === 1 ? ch.heap.core.cancel(this.sg) : 2; // its waker died: it stays claimed, for ever
    if (r === 0) return; // a live waker claimed it meanwhile: it completes
    this.withdrawn(r === 1, deathError(dead));
  }

  /** It was withdrawn from the core (and its sudog may be released): reject it with `why`. */
  private withdrawn(release: boolean, why: unknown): void {
    const ch = this.ch;
    ch.forget(this.sg, this);
    if (this.signal !== undefined) offAbort(this.signal, this);
    if (this.kind === Op.Send) ch.drop(this.sg + S_ELEM);
    if (ch.heap.shared) ch.heap.wakeOwn(this.sg);
    if (release) ch.heap.core.releaseSudog(this.sg);
    this.reject(why);
  }
}

const noop = (): void => {};
