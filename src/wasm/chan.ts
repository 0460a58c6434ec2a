// chan: the Chan class, a Promise API over one channel of the Wasm core.
//
// Every operation is at most one call into the core — none for a buffered value in or out of an
// unshared channel with nobody queued (the fast paths below). When it completes at once, no Promise is
// created for a send (a shared resolved one is returned) and one already-resolved Promise for a
// receive. When it parks, the core returns the new sudog and we remember a Waiter in a slot of this channel's
// `waiters` table, writing the slot's index into the sudog (S_TOKEN). A parked op of this thread is
// completed by some later core call on the same channel (a send, receive, close or select), which
// returns the sudog to us: we settle its Waiter synchronously, in that call. So:
// - a Waiter is in `waiters` exactly while its sudog is queued or claimed and not yet settled;
// - slots are small integers reused through a free list: no Map keyed by (recycled) sudog addresses,
//   whose delete+set of one key V8 turns into a rehash of the whole table;
// - nothing global points at a Waiter: a channel nobody can reach takes its parked ops with it;
// - an abort after the op completed finds no Waiter and does nothing (completed stays completed).
// On a SharedHeap another thread may complete our parked op instead: it marks the sudog's g READY and
// notifies it, and the Atomics.waitAsync we started when parking settles the Waiter. A waker on this
// thread still settles synchronously, then notifies to end that wait.
import { Codec, isCodec, isUint8Array } from "../api/codecs.js";
import { Describable, ParkedOp, Tracked, callerStack, diag, now, track, untrack } from "../api/diagnostics.js";
import {
  abortReason, checkCapacity, closeOfClosed, deathError, isAborted, offAbort, onAbort, sendOnClosed, signalOf, useOfDisposed,
} from "../api/errors.js";
import { Heap, canBlock } from "./heap.js";
import { RESOLVED, capture, captured } from "../api/promises.js";
import {
  B_CLOSED, B_DISPOSED, B_OPEN, B_POISONED, B_TIMEOUT, R_POISONED, R_TIMEOUT, HCHAN_SIZE, C_BUF, C_CLOSED, C_ID, C_QCOUNT, C_RECVQ, C_RECVX, C_SENDQ, C_SENDX, F_SUCCESS, R_BLOCK, R_CLOSED, R_CLOSED_TWICE, R_DISPOSED, R_DONE, R_HANDOFF, R_NOMEM,
  R_PARKED, S_CASE, S_ELEM, S_FLAGS, S_TOKEN, S_WAKE, F_SEND,
} from "../abi/layout.js";

/** Whether this thread may block in Atomics.wait: not a browser's main thread (it has a document). */

export const DESCRIPTOR_VERSION = 1;

/** Polls of a shared channel's state before a blocking op parks (about a microsecond). */
const PRESPIN = 400;

/** What `share()` returns and `attach()` takes: structured-cloneable, no copying of values. */
export interface ChanDescriptor {
  wasmchan: number;
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  c: number;
  id: number;
  cap: number;
  codec: string;
}

/** Result of `recvOk()` / `tryRecv()`: Go's `v, ok := <-ch`. */
export interface RecvResult<T> {
  value: T;
  ok: boolean;
}

export interface OpOptions {
  signal?: AbortSignal;
}

export interface ChanOptions<T> {
  /** Fixed-size typed slots (required for shared channels); without one, any JS value by reference. */
  codec?: Codec<T>;
  /** A name shown by diagnostics. */
  name?: string;
}

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

/** "No value": bufrecv found nothing it may take. */
export const NONE: unknown = Symbol("none");

/** Switches for tests, not API: with `fastPaths` false, channels made from then on never take the JS
 *  buffered fast paths (their own and select's), so every operation goes through the core — the model
 *  test runs the same programs both ways. */
export const tuning = { fastPaths: true };

const enum Kind { Send, Recv, RecvOk }
/** Handles at or above this name values the JS fast path put in the ring (see `Chan.vals`). */
const RING_HANDLE = 0x8000_0000;
/** S_CASE of a plain parked recvOk (a single op's S_CASE is otherwise -1). */
const RECV_OK = -3;

/** One parked send/recv of this thread. As the abort listener itself (handleEvent), it needs no closure. */
class Waiter<T> implements Parked, Describable {
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

/** Frees a local channel nobody can reach. The registry holds just its address (an object per channel
 *  would double what GC pays for the registry; unregister tokens cost V8 as much again). A channel freed
 *  by dispose leaves a mark here, so its collection frees nothing — the address may be reused by then. */
const disposedLocal = new Map<number, number>();
const reclaimLocal = new FinalizationRegistry<number>((c) => {
  const marks = disposedLocal.get(c);
  if (marks !== undefined) {
    if (marks === 1) disposedLocal.delete(c);
    else disposedLocal.set(c, marks - 1);
    return;
  }
  localHeapOf.core.freechan(c);
});
let localHeapOf: Heap;

/** Drops this thread's reference to a shared channel nobody here can reach (freed with the last
 *  reference, from whichever thread drops it); `c` is zeroed once dispose released it. */
interface Cell {
  heap: Heap;
  c: number;
}
const reclaimShared = new FinalizationRegistry<Cell>(({ heap, c }) => {
  if (c === 0) return;
  heap.forgetChan(c);
  heap.core.chanrelease(heap.t, c);
});

/**
 * A Go channel. Values are sent and received in FIFO order; parked senders and receivers are served
 * in the order they called. Create one with `chan(n)`.
 */
export class Channel<T = unknown> implements Tracked {
  /** Address of the hchan in the heap; 0 once disposed. */
  c: number;
  /** Parked operations of this thread on this channel, by slot (S_TOKEN of their sudog): a Parked
   *  object, or — for a plain op (no signal, unshared memory, diagnostics off) — just its resolve
   *  function, with its reject in `rejects` if it is a send. */
  private waiters: (Parked | ((v: any) => void) | undefined)[] | null = null;
  private rejects: ((e: unknown) => void)[] | null = null;
  private freeSlots: number[] | null = null;
  private parked = 0;
  /** Our entry in diagnostics' list while we have parked ops and diagnostics are on. */
  private tracked: WeakRef<Tracked> | undefined = undefined;
  private readonly cell: Cell | null = null;
  /** The name given at creation, for diagnostics. */
  name: string | undefined = undefined;
  private readonly size: number;
  private readonly capacity: number;
  /** @internal Whether the buffered fast paths below may run in JS (see bufsend). */
  readonly fast: boolean;
  /** Address of ring slot 0. */
  private readonly bufAddr: number;
  /** Untyped channels: the JS values that handles in the channel's memory stand for (0 = undefined).
   *  A handle with RING_HANDLE set names `ring[h & ~RING_HANDLE]`, the value the JS fast path buffered
   *  in ring slot h & ~RING_HANDLE; any other handle names `vals[h]`, taken from a free list. */
  private vals: unknown[] | null = null;
  private freeHandles: number[] | null = null;
  private ring: unknown[] | null = null;

  /** @internal Use `chan()`, `heap.chan()` or `attach()`. With `existing`, wraps a channel this thread
   *  holds a reference to (attach). */
  constructor(readonly heap: Heap, cap: number, readonly codec: Codec<T> | undefined, existing = 0) {
    if (!(heap instanceof Heap)) {
      throw new TypeError("wasmchan: make a channel with chan(n), heap.chan(n, codec) or attach(descriptor), not new Chan()");
    }
    this.size = codec === undefined ? 4 : codec.size;
    this.capacity = cap;
    let c = existing;
    if (c === 0) {
      c = heap.core.makechan(heap.t, this.size, cap, codec === undefined ? 0 : codec.tag);
      if (c === 0) throw heap.noMemory();
      heap.sync();
    }
    this.c = c;
    this.bufAddr = heap.views.u32[(c + C_BUF) >>> 2];
    this.fast = tuning.fastPaths && !heap.shared && cap > 0 && (this.size === 4 || this.size === 8 || this.size === 1);
    if (heap.shared) heap.rememberChan(c, this);
    if (heap.shared) {
      this.cell = { heap, c };
      reclaimShared.register(this, this.cell);
    } else {
      localHeapOf = heap;
      reclaimLocal.register(this, c);
    }
  }

  /** Go's `len(ch)`: values buffered now. Like Go's, a snapshot that may be stale at once. */
  get len(): number {
    return this.c === 0 ? 0 : this.heap.views.u32[(this.c + C_QCOUNT) >>> 2];
  }

  /** Go's `cap(ch)`. */
  get cap(): number {
    return this.capacity;
  }

  // ---- values in and out of the core's memory

  // Every operation runs in two phases: first it reads what the caller gave it (options, values: the
  // only steps that may run user code — getters, toJSON), then it checks the channel is live and works
  // on core memory, running no user code until it is done with that memory. So no user code can
  // dispose a channel, move the scratch area or reuse a sudog between a check and the write it guards.

  /** Writes a prepared value to the scratch area; returns the area. Runs no user code. */
  private put(p: unknown): number {
    const ep = this.heap.scratch(this.size);
    this.store(ep, p);
    return ep;
  }

  /** @internal Validates `v` (TypeError/RangeError); returns what `store` writes. May run user code. */
  prepare(v: unknown): unknown {
    return this.codec === undefined ? v : this.codec.prepare(v);
  }

  /** @internal Writes a prepared value at `addr` (a scratch area); `drop(addr)` undoes it. No user code. */
  store(addr: number, p: unknown): void {
    if (this.codec !== undefined) this.codec.store(this.heap.views, addr, p);
    else this.heap.views.u32[addr >>> 2] = this.hold(p);
  }

  /** @internal Bytes per value in the core. */
  get elemSize(): number {
    return this.size;
  }

  private hold(v: unknown): number {
    if (v === undefined) return 0;
    let vals = this.vals;
    if (vals === null) {
      vals = this.vals = [undefined];
      this.freeHandles = [];
    }
    const free = this.freeHandles!;
    const h = free.length > 0 ? free.pop()! : vals.length;
    vals[h] = v;
    return h;
  }

  /** @internal Reads the value at `addr` (scratch or sudog elem), taking ownership of it. */
  take(addr: number): T {
    const views = this.heap.views;
    if (this.codec !== undefined) return this.codec.read(views, addr);
    return this.release(views.u32[addr >>> 2]) as T;
  }

  /** @internal Forgets a value written by `put` that went nowhere. */
  drop(addr: number): void {
    if (this.codec === undefined) this.release(this.heap.views.u32[addr >>> 2]);
  }

  /** @internal The handle that `write` left at `addr` (untyped channels), else 0. */
  heldAt(addr: number): number {
    return this.codec === undefined ? this.heap.views.u32[addr >>> 2] : 0;
  }

  /** @internal Forgets a value by its handle from `heldAt`. */
  unhold(h: number): void {
    if (h !== 0) this.release(h);
  }

  private release(h: number): unknown {
    if (h === 0) return undefined;
    if (h >= RING_HANDLE) {
      const ring = this.ring!;
      const v = ring[h - RING_HANDLE];
      ring[h - RING_HANDLE] = undefined;
      return v;
    }
    const v = this.vals![h];
    this.vals![h] = undefined;
    this.freeHandles!.push(h);
    return v;
  }

  /** @internal Settles the parked op of this thread whose sudog a core call returned; with `later`,
   *  puts its resolve/reject there (callers reading a list of sudogs). */
  deliver(sg: number, later: Later | null = null): void {
    const views = this.heap.views;
    const slot = views.u32[(sg + S_TOKEN) >>> 2];
    const w = this.waiters![slot]!;
    if (typeof w !== "function") {
      this.forget(sg, w);
      w.settle(this, sg, later);
      return;
    }
    // A plain op: the core released its sudog already, whose fields stay readable until our next call.
    const flags = views.u32[(sg + S_FLAGS) >>> 2];
    const ok = (flags & F_SUCCESS) !== 0;
    if ((flags & F_SEND) !== 0) {
      const reject = this.rejects![slot];
      this.rejects![slot] = undefined!;
      this.freeSlot(slot);
      if (ok) fire(w, undefined, later);
      else {
        this.drop(sg + S_ELEM);
        fire(reject, sendOnClosed(), later);
      }
      return;
    }
    const value = this.take(sg + S_ELEM);
    const wantsOk = views.i32[(sg + S_CASE) >>> 2] === RECV_OK;
    this.freeSlot(slot);
    fire(w, wantsOk ? { value, ok } : value, later);
  }

  /** @internal Called with the number of parked ops whenever it goes from 0 to 1 or back (after()'s
   *  timer holds the process open only while someone waits). */
  watch: ((parked: number) => void) | undefined = undefined;

  /** @internal The parked op of this thread whose sudog is `sg` (while it is unsettled). */
  lookup(sg: number): Parked | ((v: any) => void) | undefined {
    return this.waiters === null ? undefined : this.waiters[this.heap.views.u32[(sg + S_TOKEN) >>> 2]];
  }

  /** @internal Remembers a parked op of this thread under its sudog. */
  remember(sg: number, w: Parked | ((v: any) => void)): number {
    let waiters = this.waiters;
    if (waiters === null) {
      waiters = this.waiters = [];
      this.freeSlots = [];
      this.rejects = [];
    }
    const slot = this.freeSlots!.length > 0 ? this.freeSlots!.pop()! : waiters.length;
    waiters[slot] = w;
    this.heap.views.u32[(sg + S_TOKEN) >>> 2] = slot;
    if (++this.parked === 1 && this.watch !== undefined) this.watch(1);
    if (diag.on) this.tracked = track(this, this.tracked);
    return slot;
  }

  /** @internal Forgets the parked op `w` under `sg` (settled or withdrawn); no-op if already forgotten. */
  forget(sg: number, w: Parked | ((v: any) => void)): void {
    const slot = this.heap.views.u32[(sg + S_TOKEN) >>> 2];
    if (this.waiters !== null && this.waiters[slot] === w) this.freeSlot(slot);
  }

  /** Empties the slot of a parked op that is settled or withdrawn. */
  private freeSlot(slot: number): void {
    const waiters = this.waiters!;
    waiters[slot] = undefined;
    this.freeSlots!.push(slot);
    if (--this.parked === 0) {
      if (this.watch !== undefined) this.watch(0);
      if (this.tracked !== undefined) {
        untrack(this.tracked);
        this.tracked = undefined;
      }
      // A burst of parked ops grew the table; once they are all gone, let it go with them.
      if (waiters.length > 64) this.waiters = this.freeSlots = this.rejects = null;
    }
  }

  /** @internal A thread died: each parked op of this thread on this channel checks itself. */
  checkDeaths(): void {
    if (this.waiters === null) return;
    for (const w of [...this.waiters]) if (typeof w === "object") w.checkDead();
  }

  /** A blocked single op (its sudog `sg`) that parkdead says a death stranded: withdraws it if it still
   *  can be (true: the caller throws), false if a live waker claimed it meanwhile (block again). */
  private stranded(sg: number, dead: number, send: boolean): boolean {
    const core = this.heap.core;
    const r = dead === 1 ? core.cancel(sg) : 2;
    if (r === 0) return false;
    if (send) this.drop(sg + S_ELEM);
    if (r === 1) core.releaseSudog(sg);
    return true;
  }

  /** This thread's parked ops on this channel (what diagnostics lists). */
  parkedOps(): Iterable<Describable> {
    return this.waiters === null ? [] : this.waiters.filter((w): w is Parked => typeof w === "object");
  }

  /** Id and name, as diagnostics shows them. */
  info(): { id: number; name?: string } {
    const id = this.c === 0 ? 0 : this.heap.views.u32[(this.c + C_ID) >>> 2];
    return this.name === undefined ? { id } : { id, name: this.name };
  }

  /** @internal The channel's address; throws once disposed. */
  live(): number {
    if (this.c === 0) throw useOfDisposed();
    return this.c;
  }

  /** Parks the op whose new sudog the core just returned (it may have grown memory: sync first). */
  private park(kind: Kind, signal: AbortSignal | undefined): Promise<any> {
    this.heap.sync();
    const sg = this.heap.out();
    const p = new Promise<any>(capture);
    if (signal === undefined && !this.heap.shared && !diag.on) {
      // A plain op needs no Waiter: its resolvers in the slot tables, its kind in its sudog.
      const slot = this.remember(sg, captured.resolve);
      if (kind === Kind.Send) this.rejects![slot] = captured.reject;
      else if (kind === Kind.RecvOk) this.heap.views.i32[(sg + S_CASE) >>> 2] = RECV_OK;
      return p;
    }
    const w = new Waiter(this, sg, kind, captured.resolve, captured.reject, signal);
    this.remember(sg, w);
    if (signal !== undefined) onAbort(signal, w);
    if (this.heap.shared) this.heap.waitAsync(sg, () => this.lookup(sg) !== w, () => this.deliver(sg));
    return p;
  }

  // Across threads, parking (a sudog, a wake-up through the OS) costs microseconds, while the thread on
  // the other side is often about to make room or a value. Before a blocking op on a shared channel,
  // watch the channel for up to ~1 µs without taking its lock: these reads are hints, the core decides.

  private spinUntilReceivable(c: number): void {
    const u32 = this.heap.views.u32;
    for (let i = 0; i < PRESPIN; i++) {
      if (u32[(c + C_QCOUNT) >>> 2] !== 0 || u32[(c + C_SENDQ) >>> 2] !== 0 || u32[(c + C_CLOSED) >>> 2] !== 0) return;
    }
  }

  private spinUntilSendable(c: number): void {
    const u32 = this.heap.views.u32;
    const cap = this.capacity;
    for (let i = 0; i < PRESPIN; i++) {
      if (u32[(c + C_QCOUNT) >>> 2] < cap || u32[(c + C_RECVQ) >>> 2] !== 0 || u32[(c + C_CLOSED) >>> 2] !== 0) return;
    }
  }

  /** Throws the error for a failed core result (after the caller gave back what it put). */
  private fail(r: number): never {
    if (r === R_DISPOSED) throw useOfDisposed();
    if (r === R_NOMEM) throw this.heap.noMemory();
    if (r === R_POISONED || r === R_TIMEOUT) throw deathError(r);
    throw new Error(`wasmchan: unexpected core result ${r}`);
  }

  // ---- the buffered fast paths, in JS
  //
  // On unshared memory only this thread can touch the channel, so the commonest case — a buffered
  // value in or out with nobody parked on the other side — needs no call into the core: it is the
  // core's bufsend/bufrecv (assembly/hchan.ts), done on the same fields through the views. Anything
  // else (a queue to look at, a full or empty ring, close) goes to the core, which stays the authority.
  // Only for slots whose views are aligned: untyped handles and the 1-, 4- and 8-byte codecs.

  /** Buffers `v` if the ring has room and no receiver is queued; false when the core must decide.
   *  Throws, changing nothing, if `v` does not fit the codec. */
  /** @internal */
  bufsend(c: number, v: unknown): boolean {
    const u32 = this.heap.views.u32;
    const h = c >>> 2;
    const q = u32[h + (C_QCOUNT >>> 2)];
    if (q >= this.capacity || u32[h + (C_RECVQ >>> 2)] !== 0 || u32[h + (C_CLOSED >>> 2)] !== 0) return false;
    const sendx = u32[h + (C_SENDX >>> 2)];
    if (this.codec === undefined) {
      // Values only ever leave slot `sendx` into this thread's hands (a receive, here or in the core,
      // whose caller takes the value before anything else runs): until then nothing else uses
      // ring[sendx], so it needs no free list.
      let ring = this.ring;
      if (ring === null) ring = this.ring = new Array(this.capacity);
      ring[sendx] = v;
      u32[(this.bufAddr >>> 2) + sendx] = v === undefined ? 0 : RING_HANDLE + sendx;
    } else {
      this.codec.write(this.heap.views, this.bufAddr + sendx * this.size, v);
    }
    u32[h + (C_SENDX >>> 2)] = sendx + 1 === this.capacity ? 0 : sendx + 1;
    u32[h + (C_QCOUNT >>> 2)] = q + 1;
    return true;
  }

  /** Takes the ring's head if there is one and no sender is queued; else NONE (the core decides). */
  /** @internal */
  bufrecv(c: number): unknown {
    const u32 = this.heap.views.u32;
    const h = c >>> 2;
    const q = u32[h + (C_QCOUNT >>> 2)];
    if (q === 0 || u32[h + (C_SENDQ >>> 2)] !== 0) return NONE;
    const recvx = u32[h + (C_RECVX >>> 2)];
    const v = this.codec === undefined
      ? this.release(u32[(this.bufAddr >>> 2) + recvx])
      : this.codec.read(this.heap.views, this.bufAddr + recvx * this.size);
    u32[h + (C_RECVX >>> 2)] = recvx + 1 === this.capacity ? 0 : recvx + 1;
    u32[h + (C_QCOUNT >>> 2)] = q - 1;
    return v;
  }

  // ---- operations

  /**
   * Go's `ch <- v`. Resolves once the value is buffered or taken by a receiver (for an unbuffered
   * channel: once a receiver took it). Rejects with ChannelError("send on closed channel") if the
   * channel is closed now or while parked, and with `signal.reason` if aborted first.
   * Throws TypeError/RangeError synchronously when `v` does not fit the codec (nothing is sent).
   */
  send(v: T, opts?: OpOptions): Promise<void> {
    // The fast path's codecs (numbers, bool, handles) run no user code while they store.
    if (this.fast && opts === undefined && this.c !== 0 && this.bufsend(this.c, v)) return RESOLVED;
    return this.sendSlow(v, opts);
  }

  private sendSlow(v: T, opts: OpOptions | undefined): Promise<void> {
    this.live();
    const signal = opts === undefined ? undefined : signalOf(opts);
    const p = this.prepare(v);
    // send() tried the buffered path already, unless options made it skip it
    if (opts !== undefined && this.fast && this.c !== 0 && (signal === undefined || !isAborted(signal)) && this.bufsend(this.c, p)) {
      return RESOLVED;
    }
    return this.sendPrepared(p, signal);
  }

  /** Go's `v := <-ch`: the next value, or the zero value once the channel is closed and drained. */
  recv(opts?: OpOptions): Promise<T> {
    if (this.fast && opts === undefined && this.c !== 0) {
      const v = this.bufrecv(this.c);
      if (v !== NONE) return Promise.resolve(v as T);
    }
    return this.receive(Kind.Recv, opts);
  }

  /** Go's `v, ok := <-ch`: `ok` is false when the value is the zero value of a closed, drained channel. */
  recvOk(opts?: OpOptions): Promise<RecvResult<T>> {
    if (this.fast && opts === undefined && this.c !== 0) {
      const v = this.bufrecv(this.c);
      if (v !== NONE) return Promise.resolve({ value: v as T, ok: true });
    }
    return this.receive(Kind.RecvOk, opts);
  }

  private receive(kind: Kind, opts: OpOptions | undefined): Promise<any> {
    this.live();
    const signal = opts === undefined ? undefined : signalOf(opts);
    const c = this.live(); // an options getter may have disposed the channel
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    // recv()/recvOk() tried the buffered path already, unless options made them skip it
    if (opts !== undefined && this.fast) {
      const v = this.bufrecv(c);
      if (v !== NONE) return Promise.resolve(kind === Kind.Recv ? v : { value: v, ok: true });
    }
    const heap = this.heap;
    const ep = heap.scratch(this.size);
    if (heap.shared) this.spinUntilReceivable(c);
    const r = heap.core.chanrecv(heap.t, c, ep, 1);
    if (r === R_PARKED) return this.park(kind, signal);
    if (r === R_DONE || r === R_HANDOFF || r === R_CLOSED) {
      const value = this.take(ep);
      if (r === R_HANDOFF) {
        this.deliverOut();
      }
      return Promise.resolve(kind === Kind.Recv ? value : { value, ok: r !== R_CLOSED });
    }
    this.fail(r);
  }

  /** Go's `select { case ch <- v: default: }`: true if sent now, false if it would block.
   *  Throws ChannelError("send on closed channel") on a closed channel. */
  trySend(v: T): boolean {
    if (this.fast && this.c !== 0 && this.bufsend(this.c, v)) return true;
    this.live();
    const p = this.prepare(v);
    const c = this.live();
    const ep = this.put(p);
    const heap = this.heap;
    const r = heap.core.chansend(heap.t, c, ep, 0);
    if (r === R_DONE) return true;
    if (r === R_HANDOFF) {
      this.deliverOut();
      return true;
    }
    this.drop(ep);
    if (r === R_BLOCK) return false;
    if (r === R_CLOSED) throw sendOnClosed();
    this.fail(r);
  }

  /** Go's `select { case v, ok := <-ch: default: }`: `{ value, ok }` now, or undefined if it would block. */
  tryRecv(): RecvResult<T> | undefined {
    if (this.fast && this.c !== 0) {
      const v = this.bufrecv(this.c);
      if (v !== NONE) return { value: v as T, ok: true };
    }
    const c = this.live();
    const heap = this.heap;
    const ep = heap.scratch(this.size);
    const r = heap.core.chanrecv(heap.t, c, ep, 0);
    if (r === R_BLOCK) return undefined;
    if (r >= R_DISPOSED) this.fail(r);
    const value = this.take(ep);
    if (r === R_HANDOFF) {
      this.deliverOut();
    }
    return { value, ok: r !== R_CLOSED };
  }

  /** Go's `close(ch)`: parked receivers get the zero value (ok false), parked senders reject with
   *  ChannelError("send on closed channel"); buffered values can still be received. Throws
   *  ChannelError("close of closed channel") the second time. */
  close(): void {
    const c = this.live();
    const heap = this.heap;
    const r = heap.core.closechan(heap.t, c);
    if (r === R_CLOSED_TWICE) throw closeOfClosed();
    if (r >= R_DISPOSED) this.fail(r);
    this.settleWoken();
  }

  /** After a hand-off: settles the partner the core left at T_OUT if it is one of ours. */
  private deliverOut(): void {
    const sg = this.heap.out();
    if (sg !== 0) this.deliver(sg);
  }

  /** Settles our own ops woken by the last core call (close, dispose, a batch), in wake order. */
  private settleWoken(): void {
    if (this.heap.out() === 0) return;
    const later: Later = [];
    this.collectWoken(later);
    runLater(later);
  }

  /** Reads the list of our ops woken by the last core call (at T_OUT, linked through S_WAKE) and
   *  puts their settlements on `later`: every sudog is read before any Promise settles, since settling
   *  may run user code that makes core calls and reuses them. */
  private collectWoken(later: Later): void {
    const u32 = this.heap.views.u32;
    for (let sg = this.heap.out(); sg !== 0;) {
      const next = u32[(sg + S_WAKE) >>> 2];
      this.deliver(sg, later);
      sg = next;
    }
  }

  /** Closes the channel if open (as `close` does, for every thread of a shared channel) and releases
   *  it now: this thread's reference to a shared one, the memory of a local one. Any later operation
   *  throws ChannelError("use of disposed channel"). */
  dispose(): void {
    const c = this.c;
    if (c === 0) return;
    const heap = this.heap;
    const later: Later = [];
    if (heap.core.chandispose(heap.t, c) === R_DONE) this.collectWoken(later);
    if (this.cell !== null) this.cell.c = 0;
    else disposedLocal.set(c, (disposedLocal.get(c) ?? 0) + 1);
    this.c = 0;
    if (heap.shared) {
      heap.forgetChan(c);
      heap.core.chanrelease(heap.t, c);
    } else {
      heap.core.freechan(c);
    }
    if (this.vals !== null) {
      this.vals.length = 1;
      this.freeHandles!.length = 0;
    }
    this.ring = null;
    runLater(later);
  }

  // ---- blocking forms: shared channels, on threads allowed to block (workers, Node's main thread)

  private blocking(what: string): number {
    const c = this.live();
    if (!this.heap.shared) {
      throw new TypeError(`wasmchan: ${what} blocks the thread, so it needs a channel of a SharedHeap that other threads can complete`);
    }
    if (!canBlock) throw new TypeError(`wasmchan: ${what} cannot block a browser's main thread; use the Promise form`);
    return c;
  }

  /** Go's `ch <- v`, blocking this thread (Atomics.wait) until the value is buffered or taken.
   *  Throws ChannelError("send on closed channel") if the channel is or gets closed. */
  sendSync(v: T): void {
    this.blocking("sendSync");
    this.sendSyncPrepared(this.prepare(v));
  }

  private sendSyncPrepared(p: unknown): void {
    const c = this.live();
    const ep = this.put(p);
    const heap = this.heap;
    this.spinUntilSendable(c);
    const r = heap.core.chansend(heap.t, c, ep, 1);
    if (r === R_DONE) return;
    if (r === R_HANDOFF) {
      this.deliverOut();
      return;
    }
    if (r === R_PARKED) {
      heap.sync();
      const sg = heap.out();
      for (let dead; (dead = heap.block(sg)) !== 0;) if (this.stranded(sg, dead, true)) throw deathError(dead);
      const ok = (heap.views.u32[(sg + S_FLAGS) >>> 2] & F_SUCCESS) !== 0;
      if (!ok) this.drop(sg + S_ELEM);
      heap.core.releaseSudog(sg);
      if (!ok) throw sendOnClosed();
      return;
    }
    this.drop(ep);
    if (r === R_CLOSED) throw sendOnClosed();
    this.fail(r);
  }

  /** Go's `v := <-ch`, blocking this thread until a value arrives (the zero value once closed and drained). */
  recvSync(): T {
    return this.recvSyncOk().value;
  }

  /** Go's `v, ok := <-ch`, blocking this thread. */
  recvSyncOk(): RecvResult<T> {
    const c = this.blocking("recvSync");
    const heap = this.heap;
    const ep = heap.scratch(this.size);
    this.spinUntilReceivable(c);
    const r = heap.core.chanrecv(heap.t, c, ep, 1);
    if (r === R_PARKED) {
      heap.sync();
      const sg = heap.out();
      for (let dead; (dead = heap.block(sg)) !== 0;) if (this.stranded(sg, dead, false)) throw deathError(dead);
      const ok = (heap.views.u32[(sg + S_FLAGS) >>> 2] & F_SUCCESS) !== 0;
      const value = this.take(sg + S_ELEM);
      heap.core.releaseSudog(sg);
      return { value, ok };
    }
    if (r === R_DONE || r === R_HANDOFF || r === R_CLOSED) {
      const value = this.take(ep);
      if (r === R_HANDOFF) {
        this.deliverOut();
      }
      return { value, ok: r !== R_CLOSED };
    }
    this.fail(r);
  }

  /** A structured-cloneable descriptor of this shared channel: post it to a worker and `attach()` it
   *  there. Until attached, the descriptor keeps the channel alive. */
  share(): ChanDescriptor {
    const c = this.live();
    const heap = this.heap;
    if (!heap.shared) {
      throw new TypeError("wasmchan: only channels of a SharedHeap can be shared; local channels live in one thread's memory");
    }
    heap.core.chanshare(c);
    return {
      wasmchan: DESCRIPTOR_VERSION, memory: heap.memory, module: heap.module, c,
      id: heap.views.u32[(c + C_ID) >>> 2], cap: this.capacity, codec: this.codec!.name,
    };
  }

  // ---- batches: many values per core call (one lock), same semantics as that many single ops

  /** Values per core call in a batch, and so the scratch it needs. */
  private batchSize(): number {
    return Math.max(1, Math.min(4096, Math.floor(65536 / this.size)));
  }

  /** Reads `values` once (its length once, each element once) and prepares each: the user-code phase
   *  of a batch. A bad value throws here, before anything is sent. */
  private prepareAll(values: readonly T[], what: string): unknown[] {
    if (!Array.isArray(values)) throw new TypeError(`wasmchan: ${what}(values): values must be an array`);
    const n = values.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.prepare(values[i]);
    return out;
  }

  /** Non-blocking sends of prepared values[from...] in order, chunk by chunk; returns the index of the
   *  first value not sent (values.length when all were). Throws ChannelError if the channel is closed
   *  or disposed (also by user code run while settling woken receivers). */
  private sendBatch(values: readonly unknown[], from: number): number {
    const heap = this.heap;
    const size = this.size;
    let i = from;
    while (i < values.length) {
      const c = this.live();
      const k = Math.min(this.batchSize(), values.length - i);
      const ep = heap.scratch(k * size);
      for (let j = 0; j < k; j++) this.store(ep + j * size, values[i + j]);
      const sent = heap.core.chansendn(heap.t, c, ep, k);
      const why = heap.index();
      for (let j = sent; j < k; j++) this.drop(ep + j * size); // not sent: forget their handles
      this.settleWoken();
      i += sent;
      if (why !== B_OPEN) throw batchError(why);
      if (sent < k) break;
    }
    return i;
  }

  /** Non-blocking receives, up to `max` more into `out`; returns B_CLOSED if it stopped because the
   *  channel is closed and drained, B_DISPOSED if it was disposed (now or by user code run while
   *  settling woken senders), else B_OPEN. What it took stays in `out` whatever happens. */
  private recvBatch(max: number, out: T[]): number {
    const heap = this.heap;
    const size = this.size;
    while (out.length < max) {
      const c = this.c;
      if (c === 0) return B_DISPOSED;
      const k = Math.min(this.batchSize(), max - out.length);
      const ep = heap.scratch(k * size);
      const got = heap.core.chanrecvn(heap.t, c, ep, k);
      const why = heap.index();
      for (let j = 0; j < got; j++) out.push(this.take(ep + j * size));
      this.settleWoken();
      if (why !== B_OPEN) return why;
      if (got < k) return B_OPEN;
    }
    return B_OPEN;
  }

  /**
   * Sends every value of `values`, in order, with the semantics of that many `send`s one after the
   * other — but as many per call into the core as can go without blocking (one lock for a batch).
   * Every value is checked against the codec first: a bad one throws before anything is sent.
   * Rejects with ChannelError("send on closed channel") at the first value the closed channel refuses
   * (the earlier ones were sent), and with `signal.reason` if aborted while parked.
   */
  sendMany(values: readonly T[], opts?: OpOptions): Promise<void> {
    this.live();
    const signal = signalOf(opts);
    const ps = this.prepareAll(values, "sendMany");
    this.live();
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    let i: number;
    try {
      i = this.sendBatch(ps, 0);
    } catch (e) {
      return Promise.reject(e);
    }
    if (i === ps.length) return RESOLVED;
    // The rest is stored later, as room appears: by then the caller may reuse its Uint8Arrays, so a
    // typed channel keeps copies (the constructor copies through the array's internal slots: no user
    // code). An untyped channel passes values by reference, as always.
    if (this.codec !== undefined) {
      for (let j = i; j < ps.length; j++) if (isUint8Array(ps[j])) ps[j] = new Uint8Array(ps[j] as Uint8Array);
    }
    const rest = async (): Promise<void> => {
      while (i < ps.length) {
        await this.sendPrepared(ps[i], signal); // parks for one, then the rest goes in batches again
        i = this.sendBatch(ps, i + 1);
      }
    };
    return rest();
  }

  /** A send of a prepared value: no user code runs from here until it reaches the core. The channel
   *  is checked here, after the user code that preparing ran (it may have disposed the channel). */
  private sendPrepared(p: unknown, signal: AbortSignal | undefined): Promise<void> {
    const c = this.live();
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const ep = this.put(p);
    const heap = this.heap;
    if (heap.shared) this.spinUntilSendable(c);
    const r = heap.core.chansend(heap.t, c, ep, 1);
    if (r === R_DONE) return RESOLVED;
    if (r === R_HANDOFF) {
      this.deliverOut();
      return RESOLVED;
    }
    if (r === R_PARKED) return this.park(Kind.Send, signal);
    this.drop(ep);
    if (r === R_CLOSED) return Promise.reject(sendOnClosed());
    this.fail(r);
  }

  /**
   * Receives up to `max` values: waits for the first as `recv` does, then takes, in order, every value
   * that can be received without blocking, up to `max` — the same as that many `recv`s stopped at the
   * first that would block. Resolves with [] once the channel is closed and drained. Values it took
   * are returned even if the channel is disposed or closed during the call.
   */
  recvMany(max: number, opts?: OpOptions): Promise<T[]> {
    this.live();
    const signal = signalOf(opts);
    checkMax(max, "recvMany");
    this.live();
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const out: T[] = [];
    const why = this.recvBatch(max, out);
    if (out.length > 0 || why === B_CLOSED) return Promise.resolve(out);
    if (why !== B_OPEN) throw batchError(why); // another thread disposed it: as recv would
    return this.recvOk({ signal }).then(({ value, ok }) => {
      if (!ok) return out;
      out.push(value);
      if (max > 1) this.recvBatch(max, out);
      return out;
    });
  }

  /** sendMany, blocking this thread (shared channels). */
  sendManySync(values: readonly T[]): void {
    this.blocking("sendManySync");
    const ps = this.prepareAll(values, "sendManySync");
    this.live();
    let i = this.sendBatch(ps, 0);
    while (i < ps.length) {
      this.sendSyncPrepared(ps[i]);
      i = this.sendBatch(ps, i + 1);
    }
  }

  /** recvMany, blocking this thread (shared channels). Values it took are returned even if the
   *  channel is disposed or closed during the call. */
  recvManySync(max: number): T[] {
    this.blocking("recvManySync");
    checkMax(max, "recvManySync");
    const out: T[] = [];
    const why = this.recvBatch(max, out);
    if (out.length > 0 || why === B_CLOSED) return out;
    if (why !== B_OPEN) throw batchError(why);
    const { value, ok } = this.recvSyncOk();
    if (!ok) return out;
    out.push(value);
    if (max > 1) this.recvBatch(max, out);
    return out;
  }

  /** @internal This thread is ending: give back its reference to this shared channel (no close). */
  detach(): void {
    const c = this.c;
    if (c === 0 || this.cell === null) return;
    this.c = 0;
    this.cell.c = 0;
    this.heap.core.chanrelease(this.heap.t, c);
  }

  /** `for await (const v of ch)`: Go's `for v := range ch`. Breaking out does not close the channel. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (true) {
      const { value, ok } = await this.recvOk();
      if (!ok) return;
      yield value;
    }
  }
}

/** The error for a batch that stopped for `why` (B_*, not B_OPEN). */
function batchError(why: number): Error {
  if (why === B_CLOSED) return sendOnClosed();
  if (why === B_POISONED) return deathError(R_POISONED);
  if (why === B_TIMEOUT) return deathError(R_TIMEOUT);
  return useOfDisposed();
}

function checkMax(max: unknown, what: string): void {
  if (typeof max !== "number" || !(max >= 1) || !Number.isInteger(max)) {
    throw new RangeError(`wasmchan: ${what}(max): max must be an integer >= 1`);
  }
}

/** Builds a channel on `heap` after checking the arguments. */
export function makeChan<T>(heap: Heap, cap: unknown, codec: unknown, name?: unknown): Channel<T> {
  if (codec !== undefined && !isCodec(codec)) {
    throw new TypeError("wasmchan: codec must be one of codecs.* (e.g. codecs.i32, codecs.bytes(64))");
  }
  const size = codec === undefined ? 4 : (codec as Codec).size;
  const n = checkCapacity(cap, size);
  if (HCHAN_SIZE + n * size > heap.maxBytes) {
    throw new RangeError(`wasmchan: a channel of capacity ${n} with ${size}-byte slots needs ${HCHAN_SIZE + n * size} bytes, more than its heap can ever hold (${heap.maxBytes} bytes)`);
  }
  if (name !== undefined && typeof name !== "string") throw new TypeError("wasmchan: a channel's name must be a string");
  const ch = new Channel<T>(heap, n, codec as Codec<T> | undefined);
  if (name !== undefined) ch.name = name;
  return ch;
}

export interface Chan<T = unknown> {
  /** Go's `len(ch)`: values buffered now. Like Go's, a snapshot that may be stale at once. */
  readonly len: number;
  /** Go's `cap(ch)`. */
  readonly cap: number;
  /** The name given at creation (diagnostics show it). */
  readonly name: string | undefined;
  /**
   * Go's `ch <- v`. Resolves once the value is buffered or taken by a receiver (for an unbuffered
   * channel: once a receiver took it). Rejects with ChannelError("send on closed channel") if the
   * channel is closed now or while parked, and with `signal.reason` if aborted first.
   * Throws TypeError/RangeError synchronously when `v` does not fit the codec (nothing is sent).
   */
  send(v: T, opts?: OpOptions): Promise<void>;
  /** Go's `v := <-ch`: the next value, or the zero value once the channel is closed and drained. */
  recv(opts?: OpOptions): Promise<T>;
  /** Go's `v, ok := <-ch`: `ok` is false when the value is the zero value of a closed, drained channel. */
  recvOk(opts?: OpOptions): Promise<RecvResult<T>>;
  /** Go's `select { case ch <- v: default: }`: true if sent now, false if it would block.
   *  Throws ChannelError("send on closed channel") on a closed channel. */
  trySend(v: T): boolean;
  /** Go's `select { case v, ok := <-ch: default: }`: `{ value, ok }` now, or undefined if it would block. */
  tryRecv(): RecvResult<T> | undefined;
  /** Go's `close(ch)`: parked receivers get the zero value (ok false), parked senders reject with
   *  ChannelError("send on closed channel"); buffered values can still be received. Throws
   *  ChannelError("close of closed channel") the second time. */
  close(): void;
  /** Closes the channel if open (as `close` does, for every thread of a shared channel) and releases
   *  it now: this thread's reference to a shared one, the memory of a local one. Any later operation
   *  throws ChannelError("use of disposed channel"). */
  dispose(): void;
  /** Go's `ch <- v`, blocking this thread (Atomics.wait) until the value is buffered or taken (shared
   *  channels; not on a browser's main thread). Throws ChannelError("send on closed channel") if the
   *  channel is or gets closed. */
  sendSync(v: T): void;
  /** Go's `v := <-ch`, blocking this thread until a value arrives (the zero value once closed and drained). */
  recvSync(): T;
  /** Go's `v, ok := <-ch`, blocking this thread. */
  recvSyncOk(): RecvResult<T>;
  /** A structured-cloneable descriptor of this shared channel: post it to a worker and `attach()` it
   *  there. Until attached, the descriptor keeps the channel alive. */
  share(): ChanDescriptor;
  /**
   * Sends every value of `values`, in order, with the semantics of that many `send`s one after the
   * other — but as many per call into the core as can go without blocking (one lock for a batch).
   * Every value is checked against the codec first: a bad one throws before anything is sent.
   * Rejects with ChannelError("send on closed channel") at the first value the closed channel refuses
   * (the earlier ones were sent), and with `signal.reason` if aborted while parked.
   */
  sendMany(values: readonly T[], opts?: OpOptions): Promise<void>;
  /**
   * Receives up to `max` values: waits for the first as `recv` does, then takes, in order, every value
   * that can be received without blocking, up to `max` — the same as that many `recv`s stopped at the
   * first that would block. Resolves with [] once the channel is closed and drained. Values it took
   * are returned even if the channel is disposed or closed during the call.
   */
  recvMany(max: number, opts?: OpOptions): Promise<T[]>;
  /** sendMany, blocking this thread (shared channels). */
  sendManySync(values: readonly T[]): void;
  /** recvMany, blocking this thread (shared channels). Values it took are returned even if the
   *  channel is disposed or closed during the call. */
  recvManySync(max: number): T[];
  /** `for await (const v of ch)`: Go's `for v := range ch`. Breaking out does not close the channel. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>;
}

/** The class of every Chan (for `instanceof`); not constructible by users: make channels with `chan()`,
 *  `heap.chan()` or `attach()`. At run time it is Channel itself: the published type is the API above
 *  and nothing else, with no wrapper object between a user and the channel. */
export const Chan: abstract new (never: never) => Chan<any> = Channel as never;
