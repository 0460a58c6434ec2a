// chan: the public Chan — the API a user holds, and nothing else — over the Wasm bindings' Channel.
//
// Chan is an interface (the published type: no internals in the editor or the .d.ts) and, as a value,
// the Channel class itself (for `instanceof`): a user holds the Channel directly, with no wrapper object
// in between, and the bindings reach its internals through channelOf, never through the public type.
import type { Codec } from "./codecs.js";
import { Channel } from "./channel.js";

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

/**
 * A Go channel. Values are sent and received in FIFO order; parked senders and receivers are served
 * in the order they called. Make one with `chan(n)`, `heap.chan(n, codec)` or `attach(descriptor)`.
 */
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
 *  `heap.chan()` or `attach()`. At run time it is the bindings' Channel: the published type is the API
 *  above and nothing else, with no wrapper object between a user and the channel. */
export const Chan: abstract new (never: never) => Chan<any> = Channel as never;

/** The Channel behind a Chan (the bindings' own way in). */
export function channelOf<T>(ch: Chan<T>): Channel<T> {
  return ch as unknown as Channel<T>;
}

/** The Chan a Channel is. */
export function chanOf<T>(ch: Channel<T>): Chan<T> {
  return ch as unknown as Chan<T>;
}

/** Whether `x` is a Chan of the Wasm bindings. */
export function isChan(x: unknown): x is Chan<any> {
  return x instanceof Channel;
}
