// chan: the public Chan — the API a user holds — over the Wasm bindings' Channel (channel.ts).
//
// Chan has the public methods and nothing else: its only state is its Channel, in a private field, so
// its published type is the API (no internals in the editor or the .d.ts), and the bindings reach the
// Channel of a Chan through channelOf, never through a member of the public class.
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

let inner: (ch: Chan<any>) => Channel<any>;
let branded: (x: object) => boolean;

/**
 * A Go channel. Values are sent and received in FIFO order; parked senders and receivers are served
 * in the order they called. Create one with `chan(n)`, `heap.chan(n, codec)` or `attach(descriptor)`.
 */
export class Chan<T = unknown> {
  readonly #ch: Channel<T>;

  static {
    inner = (ch) => ch.#ch;
    branded = (x) => #ch in x;
  }

  /** Not for users: make channels with `chan()`, `heap.chan()` or `attach()`. */
  constructor(ch: never) {
    if (!((ch as unknown) instanceof Channel)) {
      throw new TypeError("wasmchan: make a channel with chan(n), heap.chan(n, codec) or attach(descriptor), not new Chan()");
    }
    this.#ch = ch as Channel<T>;
    (ch as Channel<T>).facade = this;
  }

  /** Go's `len(ch)`: values buffered now. Like Go's, a snapshot that may be stale at once. */
  get len(): number { return this.#ch.len; }

  /** Go's `cap(ch)`. */
  get cap(): number { return this.#ch.cap; }

  /** The name given at creation (diagnostics show it). */
  get name(): string | undefined { return this.#ch.name; }

  /**
   * Go's `ch <- v`. Resolves once the value is buffered or taken by a receiver (for an unbuffered
   * channel: once a receiver took it). Rejects with ChannelError("send on closed channel") if the
   * channel is closed now or while parked, and with `signal.reason` if aborted first.
   * Throws TypeError/RangeError synchronously when `v` does not fit the codec (nothing is sent).
   */
  send(v: T, opts?: OpOptions): Promise<void> { return this.#ch.send(v, opts); }

  /** Go's `v := <-ch`: the next value, or the zero value once the channel is closed and drained. */
  recv(opts?: OpOptions): Promise<T> { return this.#ch.recv(opts); }

  /** Go's `v, ok := <-ch`: `ok` is false when the value is the zero value of a closed, drained channel. */
  recvOk(opts?: OpOptions): Promise<RecvResult<T>> { return this.#ch.recvOk(opts); }

  /** Go's `select { case ch <- v: default: }`: true if sent now, false if it would block.
   *  Throws ChannelError("send on closed channel") on a closed channel. */
  trySend(v: T): boolean { return this.#ch.trySend(v); }

  /** Go's `select { case v, ok := <-ch: default: }`: `{ value, ok }` now, or undefined if it would block. */
  tryRecv(): RecvResult<T> | undefined { return this.#ch.tryRecv(); }

  /** Go's `close(ch)`: parked receivers get the zero value (ok false), parked senders reject with
   *  ChannelError("send on closed channel"); buffered values can still be received. Throws
   *  ChannelError("close of closed channel") the second time. */
  close(): void { this.#ch.close(); }

  /** Closes the channel if open (as `close` does, for every thread of a shared channel) and releases
   *  it now: this thread's reference to a shared one, the memory of a local one. Any later operation
   *  throws ChannelError("use of disposed channel"). */
  dispose(): void { this.#ch.dispose(); }

  /** Go's `ch <- v`, blocking this thread (Atomics.wait) until the value is buffered or taken (shared
   *  channels; not on a browser's main thread). Throws ChannelError("send on closed channel") if the
   *  channel is or gets closed. */
  sendSync(v: T): void { this.#ch.sendSync(v); }

  /** Go's `v := <-ch`, blocking this thread until a value arrives (the zero value once closed and drained). */
  recvSync(): T { return this.#ch.recvSync(); }

  /** Go's `v, ok := <-ch`, blocking this thread. */
  recvSyncOk(): RecvResult<T> { return this.#ch.recvSyncOk(); }

  /** A structured-cloneable descriptor of this shared channel: post it to a worker and `attach()` it
   *  there. Until attached, the descriptor keeps the channel alive. */
  share(): ChanDescriptor { return this.#ch.share(); }

  /**
   * Sends every value of `values`, in order, with the semantics of that many `send`s one after the
   * other — but as many per call into the core as can go without blocking (one lock for a batch).
   * Every value is checked against the codec first: a bad one throws before anything is sent.
   * Rejects with ChannelError("send on closed channel") at the first value the closed channel refuses
   * (the earlier ones were sent), and with `signal.reason` if aborted while parked.
   */
  sendMany(values: readonly T[], opts?: OpOptions): Promise<void> { return this.#ch.sendMany(values, opts); }

  /**
   * Receives up to `max` values: waits for the first as `recv` does, then takes, in order, every value
   * that can be received without blocking, up to `max` — the same as that many `recv`s stopped at the
   * first that would block. Resolves with [] once the channel is closed and drained. Values it took
   * are returned even if the channel is disposed or closed during the call.
   */
  recvMany(max: number, opts?: OpOptions): Promise<T[]> { return this.#ch.recvMany(max, opts); }

  /** sendMany, blocking this thread (shared channels). */
  sendManySync(values: readonly T[]): void { this.#ch.sendManySync(values); }

  /** recvMany, blocking this thread (shared channels). Values it took are returned even if the
   *  channel is disposed or closed during the call. */
  recvManySync(max: number): T[] { return this.#ch.recvManySync(max); }

  /** `for await (const v of ch)`: Go's `for v := range ch`. Breaking out does not close the channel. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> { return this.#ch[Symbol.asyncIterator](); }
}

/** The Channel behind a Chan (the bindings' own way in). */
export function channelOf<T>(ch: Chan<T>): Channel<T> {
  return inner(ch) as Channel<T>;
}

/** The public Chan of a Channel, made on first use. */
export function chanOf<T>(ch: Channel<T>): Chan<T> {
  return ch.facade ?? new Chan<T>(ch as never);
}

/** Whether `x` is a Chan of the Wasm bindings. */
export function isChan(x: unknown): x is Chan<any> {
  return typeof x === "object" && x !== null && branded(x);
}
