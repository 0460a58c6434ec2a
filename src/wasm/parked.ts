// parked: the parked ops of this thread on a Wasm-core channel, and how a core call that hands one
// back settles it.
//
// A park is one core call (it queues a sudog) and one Promise. A plain op (no signal, unshared memory,
// diagnostics off) keeps just its resolver in a FIFO of its channel and direction: on unshared memory
// the core hands plain ops of one direction back in the order they parked (only ops with a signal, and
// selects, leave a queue early), so the sudog a core call returns is the FIFO's head. Every other
// parked op is a Parked object in the channel's table of waiters, in the slot its sudog names
// (S_TOKEN), from its park until it is settled or withdrawn. A parked op of this thread is completed
// by some later core call on the channel, which returns its sudog to us: we settle it synchronously,
// in that call. On a SharedHeap another thread may complete it instead: it marks the sudog's g READY
// and notifies it, and the Atomics.waitAsync we started when parking settles it.
import { parked } from "../api/preempt.js";
import { Describable, ParkTrace, ParkedOp, Tracked, diag, parkTrace, parkedOp, track, untrack } from "../api/diagnostics.js";
import { abortReason, deathError, offAbort, onAbort, sendOnClosed } from "../api/errors.js";
import { C_RECVQ, F_SEND, F_SUCCESS, R_HANDOFF, S_CASE, S_ELEM, S_FLAGS, S_TOKEN, S_WAKE } from "../abi/layout.js";
import type { Heap } from "./heap.js";
import type { Codec } from "../api/codecs.js";
import { Fifo } from "./fifo.js";
import { WasmValues } from "./values.js";

/** Something parked on a channel, settled when a core call hands its sudog back. */
export interface Parked extends Describable {
  /** Settles it; with `later`, the final resolve/reject goes there instead (see Later). */
  settle(ch: WasmParking<any>, sg: number, later: Later | null): void;
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
  /** When it parked and where it was called, while diagnostics are on (see record). */
  private trace: ParkTrace | undefined = undefined;
  resolve: (v: any) => void = noop;
  reject: (e: unknown) => void = noop;

  constructor(
    readonly ch: WasmParking<T>,
    readonly sg: number,
    readonly kind: Op,
    readonly signal: AbortSignal | undefined,
  ) {
  }

  /** Records when and where it parked, once it is fully registered (see parkTrace). */
  record(): void {
    this.trace = parkTrace();
  }

  describe(t: number): ParkedOp | null {
    return parkedOp(this.trace, this.kind === Op.Send ? "send" : "recv", () => [this.ch.info()], t);
  }

  settle(ch: WasmParking<T>, sg: number, later: Later | null): void {
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

/** S_TOKEN of a plain parked op (else its slot in the table of waiters). */
const PLAIN = 0xffff_ffff;
/** S_CASE of a plain parked recvOk (a single op's S_CASE is otherwise -1). */
const RECV_OK = -3;

export abstract class WasmParking<T> extends WasmValues<T> {
  /** Resolvers of plain parked receives, oldest first (made at the first). */
  private rq: Fifo<(v: any) => void> | null = null;
  /** Resolve and reject of each plain parked send, oldest first (made at the first). */
  private sq: Fifo<(v: any) => void> | null = null;
  /** Every other parked op, by slot (S_TOKEN of its sudog), and the free slots. */
  private waiters: (Parked | undefined)[] | null = null;
  private freeSlots: number[] | null = null;
  /** All of them. */
  private parked = 0;
  /** Our entry in diagnostics' list while we have parked ops and diagnostics are on. */
  private tracked: WeakRef<Tracked> | undefined = undefined;

  constructor(heap: Heap, codec: Codec<T> | undefined) {
    super(heap, codec);
  }

  /** @internal Id and name, as diagnostics show them. */
  abstract info(): { id: number; name?: string };

  /** Parks the op whose new sudog the core just returned (it may have grown memory: sync first). */
  /** @internal */
  park(kind: Op, signal: AbortSignal | undefined): Promise<any> {
    const heap = this.heap;
    heap.sync();
    const sg = heap.out();
    if (signal === undefined && !heap.shared && !diag.on) {
      const u32 = heap.views.u32;
      u32[(sg + S_TOKEN) >>> 2] = PLAIN;
      this.parkedOne();
      parked(); // no user code runs on this path
      if (kind === Op.Send) {
        const q = this.sq ?? (this.sq = new Fifo());
        return new Promise<void>((resolve, reject) => {
          q.push(resolve);
          q.push(reject);
        });
      }
      if (kind === Op.RecvOk) heap.views.i32[(sg + S_CASE) >>> 2] = RECV_OK;
      const q = this.rq ?? (this.rq = new Fifo());
      return new Promise<any>((resolve) => q.push(resolve));
    }
    const w = new Waiter<T>(this, sg, kind, signal);
    const p = new Promise<any>((resolve, reject) => {
      w.resolve = resolve;
      w.reject = reject;
    });
    this.remember(sg, w);
    if (signal !== undefined) onAbort(signal, w);
    if (heap.shared) heap.waitAsync(sg, () => this.lookup(sg) !== w, () => this.deliver(sg));
    w.record();
    parked(); // last: settling (a thenable's `then`) or a stack trace above may run user code and ops
    return p;
  }

  /** @internal Settles the parked op of this thread whose sudog a core call returned; with `later`,
   *  puts its resolve/reject there (callers reading a list of sudogs). */
  deliver(sg: number, later: Later | null = null): void {
    const u32 = this.heap.views.u32;
    const token = u32[(sg + S_TOKEN) >>> 2];
    if (token !== PLAIN) {
      const w = this.waiters![token]!;
      this.forget(sg, w);
      w.settle(this, sg, later);
      return;
    }
    // A plain op: the core released its sudog already, whose fields stay readable until our next call.
    const flags = u32[(sg + S_FLAGS) >>> 2];
    const ok = (flags & F_SUCCESS) !== 0;
    if ((flags & F_SEND) !== 0) {
      const q = this.sq!;
      const resolve = q.shift(), reject = q.shift();
      this.unparkedOne();
      if (ok) fire(resolve, undefined, later);
      else {
        this.drop(sg + S_ELEM);
        fire(reject, sendOnClosed(), later);
      }
      return;
    }
    const value = this.take(sg + S_ELEM);
    const wantsOk = this.heap.views.i32[(sg + S_CASE) >>> 2] === RECV_OK;
    const resolve = this.rq!.shift();
    this.unparkedOne();
    fire(resolve, wantsOk ? { value, ok } : value, later);
  }

  /** @internal A send of the checked value `p` on the unshared channel `c` whose first parked receiver
   *  is a plain op of ours: the value goes to it in JS, as the receiver would read it back from memory
   *  (unsnap(snap(p))), and the core only dequeues and readies its sudog — nothing travels through
   *  linear memory or the handle table. False, having done nothing, when that is not the case. */
  handOff(c: number, p: unknown): boolean {
    const heap = this.heap;
    const u32 = heap.views.u32;
    const sg = u32[(c + C_RECVQ) >>> 2];
    if (sg === 0 || u32[(sg + S_TOKEN) >>> 2] !== PLAIN) return false;
    const value = this.unsnap(this.snap(p)); // may throw (a grown resizable buffer): nothing is done yet
    // The core copies whatever the scratch area holds into the sudog; nobody reads it.
    if (heap.core.chansend(heap.t, c, heap.scratch(this.size), 1) !== R_HANDOFF) throw new Error("wasmchan: a plain receiver was not handed the value");
    const wantsOk = heap.views.i32[(sg + S_CASE) >>> 2] === RECV_OK;
    const resolve = this.rq!.shift();
    this.unparkedOne();
    resolve(wantsOk ? { value, ok: true } : value);
    return true;
  }

  /** @internal After a hand-off: settles the partner the core left at T_OUT if it is one of ours. */
  deliverOut(): void {
    const sg = this.heap.out();
    if (sg !== 0) this.deliver(sg);
  }

  /** @internal Settles our own ops woken by the last core call (close, dispose, a batch), in wake order. */
  settleWoken(): void {
    if (this.heap.out() === 0) return;
    const later: Later = [];
    this.collectWoken(later);
    runLater(later);
  }

  /** Reads the list of our ops woken by the last core call (at T_OUT, linked through S_WAKE) and puts
   *  their settlements on `later`: every sudog is read before any Promise settles, since settling may
   *  run user code that makes core calls and reuses them. */
  collectWoken(later: Later): void {
    for (let sg = this.heap.out(); sg !== 0;) {
      const next = this.heap.views.u32[(sg + S_WAKE) >>> 2];
      this.deliver(sg, later);
      sg = next;
    }
  }

  /** @internal One more parked op (watch and diagnostics hear of the first). */
  parkedOne(): void {
    if (++this.parked === 1 && this.watch !== undefined) this.watch(1);
    if (diag.on) this.tracked = track(this, this.tracked);
  }

  unparkedOne(): void {
    if (--this.parked === 0) {
      if (this.watch !== undefined) this.watch(0);
      if (this.tracked !== undefined) {
        untrack(this.tracked);
        this.tracked = undefined;
      }
    }
  }

  /** @internal The Parked op of this thread whose sudog is `sg` (while it is unsettled). */
  lookup(sg: number): Parked | undefined {
    const w = this.waiters;
    if (w === null) return undefined;
    const token = this.heap.views.u32[(sg + S_TOKEN) >>> 2];
    return token === PLAIN ? undefined : w[token];
  }

  /** @internal Remembers a Parked op of this thread under its sudog. */
  remember(sg: number, w: Parked): void {
    let waiters = this.waiters;
    if (waiters === null) {
      waiters = this.waiters = [];
      this.freeSlots = [];
    }
    const slot = this.freeSlots!.length > 0 ? this.freeSlots!.pop()! : waiters.length;
    waiters[slot] = w;
    this.heap.views.u32[(sg + S_TOKEN) >>> 2] = slot;
    this.parkedOne();
  }

  /** @internal Forgets the Parked op `w` under `sg` (settled or withdrawn); no-op if already forgotten. */
  forget(sg: number, w: Parked): void {
    const slot = this.heap.views.u32[(sg + S_TOKEN) >>> 2];
    const waiters = this.waiters;
    if (waiters === null || waiters[slot] !== w) return;
    waiters[slot] = undefined;
    this.freeSlots!.push(slot);
    this.unparkedOne();
    // A burst of parked ops grew the table; once they are all gone, let it go with them.
    if (this.parked === 0 && waiters.length > 64) this.waiters = this.freeSlots = null;
  }

  /** @internal A thread died: each parked op of this thread on this channel checks itself. */
  checkDeaths(): void {
    if (this.waiters === null) return;
    for (const w of [...this.waiters]) if (w !== undefined) w.checkDead();
  }

  parkedOps(): Iterable<Describable> {
    return this.waiters === null ? [] : this.waiters.filter((w): w is Parked => w !== undefined);
  }
}

