// chan: the public Chan, written once over the hooks that each core's channel class implements
// (src/pure/chan.ts over the pure-TS core, src/wasm/chan.ts over the Wasm core).
//
// Every operation runs in two phases: first it reads what the caller gave (options, then values: the
// only steps that may run user code — getters, toJSON, a lying `length`), then a hook does the work on
// the core. A hook that runs after user code checks the channel again: that code may have disposed it.
// The API methods hold no state of their own; what a channel is and how it waits is the core's.
import type { Codec } from "./codecs.js";
import { later, preempting } from "./preempt.js";
import { signalOf } from "./errors.js";
import { deadlineOf, timedOut, type SyncOptions } from "./deadline.js";
import * as batches from "./batches.js";
import type { Cursor } from "./batches.js";
import type { Packed, TypedArrayOf, ViewOf } from "./arrays.js";
import type { Case, SelectResult } from "./select.js";

/** Result of `recvOk()` / `tryRecv()`: Go's `v, ok := <-ch`. */
export interface RecvResult<T> {
  /** The value received, or the zero value once the channel is closed and drained. */
  value: T;
  /** False once the channel is closed and drained (Go's `v, ok := <-ch`). */
  ok: boolean;
}

/** Options of an operation that may wait (send, recv, recvOk, sendMany, recvMany, recvManyInto). */
export interface OpOptions {
  /** Rejects the operation with the signal's reason once it aborts, if it has not completed by then
   *  (it takes no effect then: a send sent nothing, a receive took nothing). */
  signal?: AbortSignal;
}

/** Options of `chan(n, options)`. */
export interface ChanOptions<T> {
  /** Fixed-size typed slots (required for shared channels); without one, any JS value by reference. */
  codec?: Codec<T>;
  /** A name shown by diagnostics. */
  name?: string;
}

/** What `share()` returns and `attach()` takes: structured-cloneable, no copying of values. Post it
 *  to a worker as it is; its fields other than these are the runtime's own. */
export interface ChanDescriptor {
  /** The descriptor format's version. */
  readonly wasmchan: number;
  /** @internal The heap's shared memory. */
  readonly memory: WebAssembly.Memory;
  /** @internal The compiled core, so the receiving thread need not compile it again. */
  readonly module: WebAssembly.Module;
  /** @internal The channel's address in that memory. */
  readonly c: number;
  /** The channel's id (diagnostics). */
  readonly id: number;
  /** Its capacity. */
  readonly cap: number;
  /** Its codec's name ("i32", "bytes(64)", ...). */
  readonly codec: string;
}

/** @internal What a parked receive resolves to (a hook argument). */
export const enum Kind {
  Recv = 0, //      the value
  RecvOk = 1, //    { value, ok }
  RecvBoxed = 2, // { value, ok } if it completes at once; parked, the value (as Recv): see preempt.later
}

/** @internal Why a batch of receives stopped short (a hook result): it may go on later, the channel is closed
 *  and drained, or the error an op on it would throw now (disposed, poisoned). */
export const enum BatchEnd {
  Open = 0,
  Closed = 1,
}

/**
 * A Go channel. Values are sent and received in FIFO order; parked senders and receivers are served
 * in the order they called. Create one with `chan(n)` (or `heap.chan(n, codec)`, `attach(descriptor)`).
 */
export abstract class Chan<T = unknown> {
  /** The name given at creation (diagnostics show it). */
  readonly name: string | undefined = undefined;

  /** @internal */
  constructor() {
    if (new.target === (Chan as unknown)) {
      throw new TypeError("wasmchan: make a channel with chan(n), heap.chan(n, codec) or attach(descriptor), not new Chan()");
    }
  }

  /** Go's `len(ch)`: values buffered now. Like Go's, a snapshot that may be stale at once. */
  abstract get len(): number;

  /** Go's `cap(ch)`. */
  abstract get cap(): number;

  // ---- the hooks every core implements (none runs user code unless it says so)

  /** @internal Validates `v` (TypeError/RangeError) and returns what the core stores for it; the only
   *  hook that may run user code. */
  abstract check(v: unknown): unknown;
  /** @internal A send of a checked value; checks the channel is live and `signal` not aborted. */
  abstract sendp(p: unknown, signal: AbortSignal | undefined): Promise<void>;
  /** @internal A non-blocking send of a checked value; throws on a closed or disposed channel. */
  abstract trysendp(p: unknown): boolean;
  /** @internal A receive; checks the channel is live and `signal` not aborted. */
  abstract recvp(kind: Kind, signal: AbortSignal | undefined): Promise<any>;
  /** @internal A non-blocking receive. */
  abstract tryrecvp(): RecvResult<T> | undefined;
  /** @internal Go's closechan. */
  abstract closep(): void;
  /** @internal Throws ChannelError("use of disposed channel") once the channel is disposed. */
  abstract live(): void;
  /** @internal Closes if open and releases the channel; nothing the second time. */
  abstract disposep(): void;
  /** @internal Non-blocking sends of checked values[from...], in order; returns the index of the first
   *  not sent. Throws a ChannelError if the channel is closed or disposed (also during the call). */
  abstract sendBatch(values: readonly unknown[] | Packed, from: number): number;
  /** @internal Non-blocking receives, up to `max` in all into `out`; why it stopped short of `max`. */
  abstract recvBatch(max: number, out: T[]): BatchEnd | Error;
  /** @internal Non-blocking receives into view[at.n...] until it is full (moving `at.n` on); why it
   *  stopped short. What it wrote stays written whatever happens. */
  abstract recvBatchInto(view: Packed, at: Cursor): BatchEnd | Error;
  /** @internal What a batch keeps of a checked value it sends later (the caller may reuse its own). */
  abstract keep(p: unknown): unknown;
  /** @internal Throws a TypeError unless this thread may block on this channel (`what` says which op). */
  abstract blocking(what: string): void;
  /** @internal sendSync of a checked value; false (nothing sent) if performance.now() passed `until` first. */
  abstract sendSyncp(p: unknown, until: number): boolean;
  /** @internal recvSyncOk; undefined (nothing taken) if performance.now() passed `until` first. */
  abstract recvSyncp(until: number): RecvResult<T> | undefined;
  /** @internal share(). */
  abstract sharep(): ChanDescriptor;
  /** @internal Whether a select may have cases on both this channel and `other` (one core, one heap). */
  abstract selectableWith(other: Chan<any>): boolean;
  /** @internal Runs a select whose cases' channels are all live and selectable with this one, and
   *  which has at least one; `signal` is not aborted. */
  abstract selectgo(cases: readonly Case[], dflt: boolean, signal: AbortSignal | undefined): Promise<SelectResult<any>>;

  // ---- operations

  /**
   * Go's `ch <- v`. Resolves once the value is buffered or taken by a receiver (for an unbuffered
   * channel: once a receiver took it). Rejects with ChannelError("send on closed channel") if the
   * channel is closed now or while parked, and with `signal.reason` if aborted first.
   * Throws TypeError/RangeError synchronously when `v` does not fit the codec (nothing is sent).
   */
  send(v: T, opts?: OpOptions): Promise<void> {
    const defer = preempting();
    this.live(); // and sendp checks again, after the user code that reading options and `v` may run
    const signal = opts === undefined ? undefined : signalOf(opts);
    return defer ? later(this.sendp(this.check(v), signal)) : this.sendp(this.check(v), signal);
  }

  /** Go's `v := <-ch`: the next value, or the zero value once the channel is closed and drained. */
  recv(opts?: OpOptions): Promise<T> {
    const defer = preempting();
    let signal: AbortSignal | undefined;
    if (opts !== undefined) {
      this.live(); // without options recvp is the first to check the channel
      signal = signalOf(opts);
    }
    if (!defer) return this.recvp(Kind.Recv, signal);
    return later(this.recvp(Kind.RecvBoxed, signal) as Promise<RecvResult<T>>, valueOf<T>);
  }

  /** Go's `v, ok := <-ch`: `ok` is false when the value is the zero value of a closed, drained channel. */
  recvOk(opts?: OpOptions): Promise<RecvResult<T>> {
    const defer = preempting();
    let signal: AbortSignal | undefined;
    if (opts !== undefined) {
      this.live();
      signal = signalOf(opts);
    }
    return defer ? later(this.recvp(Kind.RecvOk, signal)) : this.recvp(Kind.RecvOk, signal);
  }

  /** Go's `select { case ch <- v: default: }`: true if sent now, false if it would block.
   *  Throws ChannelError("send on closed channel") on a closed channel. */
  trySend(v: T): boolean {
    this.live();
    return this.trysendp(this.check(v));
  }

  /** Go's `select { case v, ok := <-ch: default: }`: `{ value, ok }` now, or undefined if it would block. */
  tryRecv(): RecvResult<T> | undefined {
    this.live();
    return this.tryrecvp();
  }

  /** Go's `close(ch)`: parked receivers get the zero value (ok false), parked senders reject with
   *  ChannelError("send on closed channel"); buffered values can still be received. Throws
   *  ChannelError("close of closed channel") the second time. */
  close(): void {
    this.live();
    this.closep();
  }

  /** Closes the channel if open (as `close` does, for every thread of a shared channel) and releases
   *  it now: this thread's reference to a shared one, the memory of a local one. Any later operation
   *  throws ChannelError("use of disposed channel"). */
  dispose(): void {
    this.disposep();
  }

  /** `for await (const v of ch)`: Go's `for v := range ch`. Breaking out does not close the channel. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (true) {
      const { value, ok } = await this.recvOk();
      if (!ok) return;
      yield value;
    }
  }

  // ---- batches (batches.ts): the semantics of that many single ops, as many per core call as can go at once

  /**
   * Sends every value of `values`, in order, with the semantics of that many `send`s one after the
   * other — but as many per call into the core as can go without blocking (one lock for a batch).
   * Every value is checked against the codec first: a bad one throws before anything is sent.
   * `values` may be a typed array (its elements checked as numbers or bigints); a numeric channel's own
   * (Int32Array for i32, Uint32Array for u32, Float64Array for f64, BigInt64Array for i64) is copied in
   * whole. What has to wait is copied, so the caller may reuse `values` at once.
   * Rejects with ChannelError("send on closed channel") at the first value the closed channel refuses
   * (the earlier ones were sent), and with `signal.reason` if aborted while parked.
   */
  sendMany(values: readonly T[] | TypedArrayOf<T>, opts?: OpOptions): Promise<void> {
    return preempting() ? later(batches.sendMany(this, values, opts)) : batches.sendMany(this, values, opts);
  }

  /**
   * Receives up to `max` values: waits for the first as `recv` does, then takes, in order, every value
   * that can be received without blocking, up to `max` — the same as that many `recv`s stopped at the
   * first that would block. Resolves with [] once the channel is closed and drained. Values it took
   * are returned even if the channel is disposed or closed during the call.
   */
  recvMany(max: number, opts?: OpOptions): Promise<T[]> {
    return preempting() ? later(batches.recvMany(this, max, opts)) : batches.recvMany(this, max, opts);
  }

  /**
   * `recvMany` into a typed array: waits for the first value, then fills `view` from its start with
   * what can be received without blocking; resolves with how many it wrote (0 only once the channel
   * is closed and drained). Numeric channels only, with their own typed array: Int32Array for i32,
   * Uint32Array for u32, Float64Array for f64, BigInt64Array for i64 (else TypeError).
   */
  recvManyInto(view: ViewOf<T>, opts?: OpOptions): Promise<number> {
    return preempting() ? later(batches.recvManyInto(this, view, opts)) : batches.recvManyInto(this, view, opts);
  }

  // ---- blocking forms: shared channels, on threads allowed to block (workers, Node's main thread)

  /** Go's `ch <- v`, blocking this thread (Atomics.wait) until the value is buffered or taken (shared
   *  channels; not on a browser's main thread). Throws ChannelError("send on closed channel") if the
   *  channel is or gets closed; with `{ timeout }`, a "TimeoutError" DOMException once that many
   *  milliseconds passed first (nothing sent). */
  sendSync(v: T, opts?: SyncOptions): void {
    this.live();
    this.blocking("sendSync");
    const d = deadlineOf(opts, "sendSync");
    const p = this.check(v);
    this.live();
    if (!this.sendSyncp(p, d.until)) throw timedOut("sendSync", d);
  }

  /** Go's `v := <-ch`, blocking this thread until a value arrives (the zero value once closed and
   *  drained); with `{ timeout }`, a "TimeoutError" DOMException once that many ms passed first. */
  recvSync(opts?: SyncOptions): T {
    return this.recvSyncOk(opts).value;
  }

  /** Go's `v, ok := <-ch`, blocking this thread. */
  recvSyncOk(opts?: SyncOptions): RecvResult<T> {
    this.live();
    this.blocking("recvSync");
    const d = deadlineOf(opts, "recvSync");
    this.live();
    const r = this.recvSyncp(d.until);
    if (r === undefined) throw timedOut("recvSync", d);
    return r;
  }

  /** Go's `for v := range ch`, blocking this thread (a worker's loop): `for (const v of ch.rangeSync())`
   *  receives until the channel is closed and drained. `opts` apply to each receive. */
  rangeSync(opts?: SyncOptions): IterableIterator<T> {
    this.live();
    this.blocking("rangeSync");
    return rangeOf(this, opts);
  }

  /** sendMany, blocking this thread (shared channels). */
  sendManySync(values: readonly T[] | TypedArrayOf<T>, opts?: SyncOptions): void {
    batches.sendManySync(this, values, opts);
  }

  /** recvMany, blocking this thread (shared channels). Values it took are returned even if the
   *  channel is disposed or closed during the call. */
  recvManySync(max: number, opts?: SyncOptions): T[] {
    return batches.recvManySync(this, max, opts);
  }

  /** recvManyInto, blocking this thread (shared channels): how many values it wrote into `view`. */
  recvManyIntoSync(view: ViewOf<T>, opts?: SyncOptions): number {
    return batches.recvManyIntoSync(this, view, opts);
  }

  /** A structured-cloneable descriptor of this shared channel: post it to a worker and `attach()` it
   *  there. Until attached, the descriptor keeps the channel alive. */
  share(): ChanDescriptor {
    this.live();
    return this.sharep();
  }
}

// What console.log and util.inspect show of a channel: what a user can ask of it, one line
// (`Chan<i32> { cap: 4, len: 1, name: 'jobs' }`), not the runtime's fields (its heap, core, ring).
Object.defineProperty(Chan.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: Chan<unknown>, _depth: number, options: unknown, inspect?: (v: unknown, o: unknown) => string): string {
    const show = typeof inspect === "function" ? (v: unknown) => inspect(v, options) : (v: unknown) => JSON.stringify(v);
    const fields: string[] = [`cap: ${this.cap}`];
    try {
      this.live();
      fields.push(`len: ${this.len}`);
    } catch {
      fields.push("disposed: true");
    }
    if (this.name !== undefined) fields.push(`name: ${show(this.name)}`);
    const codec = (this as { codec?: Codec }).codec; // both cores keep it there
    return `Chan<${codec?.name ?? "any"}> { ${fields.join(", ")} }`;
  },
});

// ---- the hooks the API's other modules need (select.ts), reached only through these

/** @internal Throws unless `ch` is live. */
export function liveOf(ch: Chan<any>): void {
  ch.live();
}

/** @internal What a send case stores: `v` checked and kept (a snapshot of anything mutable), so the
 *  case sends the value it was made with, on both cores, however often it is used. */
export function checkFor(ch: Chan<any>, v: unknown): unknown {
  return ch.keep(ch.check(v));
}

/** @internal Whether one select may have cases on both `a` and `b`. */
export function selectable(a: Chan<any>, b: Chan<any>): boolean {
  return a.selectableWith(b);
}

/** @internal Runs a checked select on the core of its channels (`first` is one of them). */
export function selectOn(first: Chan<any>, cases: readonly Case[], dflt: boolean, signal: AbortSignal | undefined): Promise<SelectResult<any>> {
  return first.selectgo(cases, dflt, signal);
}

/** @internal Sets the name given at creation (makeChan: after the arguments were checked). */
export function nameChan(ch: Chan<any>, name: string): void {
  (ch as { name: string | undefined }).name = name;
}

function* rangeOf<T>(ch: Chan<T>, opts: SyncOptions | undefined): IterableIterator<T> {
  while (true) {
    const { value, ok } = ch.recvSyncOk(opts);
    if (!ok) return;
    yield value;
  }
}

/** A received `{ value, ok }`'s value: unboxed into the one Promise a deferred `recv` returns. */
function valueOf<T>(r: RecvResult<T>): T {
  return r.value;
}
