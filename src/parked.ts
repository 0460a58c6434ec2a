// parked: an operation of this thread parked on a channel of the Wasm core, and how it is settled.
//
// A parked op is a sudog in the core's wait queue (the truth) plus, here, what settles its Promise: for
// a plain op on unshared memory just its resolve function in the channel's slot table (channel.ts), for
// anything else (a signal, shared memory, diagnostics on) a Waiter, which is also the abort listener, so
// it needs no closure. Settling reads every sudog before any Promise settles (see Later).
import type { Channel } from "./channel.js";
import { Describable, ParkedOp, callerStack, diag, now } from "./diagnostics.js";
import { abortReason, deathError, offAbort, sendOnClosed } from "./errors.js";
import { F_SUCCESS, S_ELEM, S_FLAGS } from "./layout.js";

/** Something parked on a channel, settled when a core call hands its sudog back. */
export interface Parked extends Describable {
  /** Settles it; with `later`, the final resolve/reject goes there instead (see Later). */
  settle(ch: Channel<any>, sg: number, later: Later | null): void;
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

/** What a parked single op is. */
export const enum Kind { Send, Recv, RecvOk }

/** S_CASE of a plain parked recvOk (a single op's S_CASE is otherwise -1). */
export const RECV_OK = -3;

/** One parked send/recv of this thread. As the abort listener itself (handleEvent), it needs no closure. */
export class Waiter<T> implements Parked, Describable {
  /** When it parked and where it was called: recorded only while diagnostics are on. */
  readonly since: number;
  readonly stack: string | undefined;
  readonly session: number;

  constructor(
    readonly ch: Channel<T>,
    readonly sg: number,
    readonly kind: Kind,
    readonly resolve: (v: any) => void,
    readonly reject: (e: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {
    this.session = diag.on ? diag.session : 0;
    this.since = diag.on ? now() : 0;
    this.stack = diag.on ? callerStack() : undefined;
  }

  describe(t: number): ParkedOp | null {
    if (this.session !== diag.session || !diag.on) return null;
    return { op: this.kind === Kind.Send ? "send" : "recv", channels: [this.ch.info()], parkedMs: t - this.since, stack: this.stack };
  }

  settle(ch: Channel<T>, sg: number, later: Later | null): void {
    const heap = ch.heap;
    const flags = heap.views.u32[(sg + S_FLAGS) >>> 2];
    if (this.signal !== undefined) offAbort(this.signal, this);
    if (heap.shared) heap.wakeOwn(sg);
    // On unshared memory the waker's core call released the sudog already (its fields stay readable
    // until this thread's next core call); on shared memory it is ours to release.
    if (this.kind === Kind.Send) {
      if ((flags & F_SUCCESS) === 0) ch.drop(sg + S_ELEM);
      if (heap.shared) heap.core.releaseSudog(sg);
      if ((flags & F_SUCCESS) === 0) fire(this.reject, sendOnClosed(), later);
      else fire(this.resolve, undefined, later);
      return;
    }
    const value = ch.take(sg + S_ELEM);
    if (heap.shared) heap.core.releaseSudog(sg);
    fire(this.resolve, this.kind === Kind.Recv ? value : { value, ok: (flags & F_SUCCESS) !== 0 }, later);
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
    if (this.kind === Kind.Send) ch.drop(this.sg + S_ELEM);
    if (ch.heap.shared) ch.heap.wakeOwn(this.sg);
    if (release) ch.heap.core.releaseSudog(this.sg);
    this.reject(why);
  }
}
