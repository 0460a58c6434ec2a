// chan: the Chan class of the pure-TS core, the same Promise API as src/chan.ts over hchan.ts.
//
// The channel object is the hchan itself (Chan extends Hchan): an operation is one method call and
// one core call, with no handle table and no copying. An op that completes at once allocates no
// Promise for a send (one shared resolved Promise is returned) and one already-resolved Promise for
// a receive. An op that parks gets a sudog, queued in the channel, whose Promise is settled
// synchronously by whichever later call (send, receive, close, select) completes it; that sudog is
// also the abort listener, so a parked op costs no closure. Nothing global points at a parked op:
// a channel nobody can reach takes its parked ops with it.
import { Codec, isCodec } from "../api/codecs.js";
import { RESOLVED } from "../api/promises.js";
import type { ChanOptions, OpOptions, RecvResult } from "../wasm/chan.js";
import { ChannelError, abortReason, checkCapacity, closeOfClosed, isAborted, sendOnClosed, signalOf, useOfDisposed } from "../api/errors.js";
import { R_BLOCK, R_CLOSED, R_CLOSED_TWICE, R_DONE, R_HANDOFF } from "../abi/layout.js";
import { BLOCKED, CLOSED, Hchan, chanrecv, chansend, closechan, freechan, parkrecv, parksend } from "./hchan.js";
import { K_RECV, K_RECVOK, K_SEND, gopark } from "./sudog.js";

export type { ChanOptions, OpOptions, RecvResult };

/** The Promise of every send that completes at once. */

/**
 * A Go channel. Values are sent and received in FIFO order; parked senders and receivers are served
 * in the order they called. Create one with `chan(n)`.
 */
export class Chan<T = unknown> extends Hchan {
  /** @internal Use `chan()`. */
  constructor(cap: number, codec: Codec<T> | undefined) {
    super(cap, codec);
  }

  /** Go's `len(ch)`: values buffered now. */
  get len(): number {
    return this.qcount;
  }

  /** Go's `cap(ch)`. */
  get cap(): number {
    return this.dataqsiz;
  }

  /** @internal Validates `v` (TypeError/RangeError) and returns what the channel stores for it. */
  check(v: unknown): unknown {
    return this.codec === undefined ? v : this.codec.check(v);
  }

  /** @internal What a receiver gets for the stored value `s`. */
  unpack(s: unknown): T {
    return this.codec === undefined ? (s as T) : this.codec.unpack(s);
  }

  /** @internal The zero value. */
  zero(): T {
    return this.codec === undefined ? (undefined as T) : this.codec.zero();
  }

  // ---- operations

  /**
   * Go's `ch <- v`. Resolves once the value is buffered or taken by a receiver (for an unbuffered
   * channel: once a receiver took it). Rejects with ChannelError("send on closed channel") if the
   * channel is closed now or while parked, and with `signal.reason` if aborted first.
   * Throws TypeError/RangeError synchronously when `v` does not fit the codec (nothing is sent).
   */
  send(v: T, opts?: OpOptions): Promise<void> {
    if (this.disposed) throw useOfDisposed();
    const signal = opts === undefined ? undefined : signalOf(opts);
    return this.sendStored(this.check(v), signal);
  }

  /** A send of a checked value. Options and values are read first, as on the Wasm core: their user
   *  code (getters, toJSON) may have disposed the channel, so that is checked here. */
  private sendStored(ep: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (this.disposed) throw useOfDisposed();
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const r = chansend(this, ep);
    if (r === R_BLOCK) return gopark(parksend(this, ep), K_SEND, signal);
    if (r === R_CLOSED) return Promise.reject(sendOnClosed());
    return RESOLVED;
  }

  /** Go's `v := <-ch`: the next value, or the zero value once the channel is closed and drained. */
  recv(opts?: OpOptions): Promise<T> {
    return this.receive(K_RECV, opts);
  }

  /** Go's `v, ok := <-ch`: `ok` is false when the value is the zero value of a closed, drained channel. */
  recvOk(opts?: OpOptions): Promise<RecvResult<T>> {
    return this.receive(K_RECVOK, opts);
  }

  private receive(kind: number, opts: OpOptions | undefined): Promise<any> {
    if (this.disposed) throw useOfDisposed();
    const signal = opts === undefined ? undefined : signalOf(opts);
    if (this.disposed) throw useOfDisposed(); // an options getter may have disposed it
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const s = chanrecv(this);
    if (s === BLOCKED) return gopark(parkrecv(this), kind, signal);
    const value = s === CLOSED ? this.zero() : this.unpack(s);
    return Promise.resolve(kind === K_RECV ? value : { value, ok: s !== CLOSED });
  }

  /** Go's `select { case ch <- v: default: }`: true if sent now, false if it would block.
   *  Throws ChannelError("send on closed channel") on a closed channel. */
  trySend(v: T): boolean {
    if (this.disposed) throw useOfDisposed();
    return this.trySendStored(this.check(v));
  }

  private trySendStored(ep: unknown): boolean {
    if (this.disposed) throw useOfDisposed(); // checking the value ran user code
    const r = chansend(this, ep);
    if (r === R_DONE || r === R_HANDOFF) return true;
    if (r === R_CLOSED) throw sendOnClosed();
    return false;
  }

  /** Go's `select { case v, ok := <-ch: default: }`: `{ value, ok }` now, or undefined if it would block. */
  tryRecv(): RecvResult<T> | undefined {
    if (this.disposed) throw useOfDisposed();
    const s = chanrecv(this);
    if (s === BLOCKED) return undefined;
    if (s === CLOSED) return { value: this.zero(), ok: false };
    return { value: this.unpack(s), ok: true };
  }

  /** Go's `close(ch)`: parked receivers get the zero value (ok false), parked senders reject with
   *  ChannelError("send on closed channel"); buffered values can still be received. Throws
   *  ChannelError("close of closed channel") the second time. */
  close(): void {
    if (this.disposed) throw useOfDisposed();
    if (closechan(this) === R_CLOSED_TWICE) throw closeOfClosed();
  }

  /** Closes the channel if open and releases its buffer now; any later operation throws
   *  ChannelError("use of disposed channel"). */
  dispose(): void {
    if (this.disposed) return;
    try {
      this.close();
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
    }
    this.disposed = true;
    freechan(this);
  }

  /** Sends every value of `values`, in order, as that many `send`s would (see the Wasm core's
   *  sendMany): all are checked first; those that can go without blocking go at once. */
  sendMany(values: readonly T[], opts?: OpOptions): Promise<void> {
    if (this.disposed) throw useOfDisposed();
    const signal = signalOf(opts);
    if (!Array.isArray(values)) throw new TypeError("wasmchan: sendMany(values): values must be an array");
    // Each value is read and checked once, before anything is sent (its length once too).
    const n = values.length;
    const ps = new Array<unknown>(n);
    for (let j = 0; j < n; j++) ps[j] = this.check(values[j]);
    if (this.disposed) throw useOfDisposed();
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    let i = 0;
    try {
      while (i < n && this.trySendStored(ps[i])) i++;
    } catch (e) {
      return Promise.reject(e);
    }
    if (i === n) return RESOLVED;
    const rest = async (): Promise<void> => {
      while (i < n) {
        await this.sendStored(ps[i++], signal);
        while (i < n && this.trySendStored(ps[i])) i++;
      }
    };
    return rest();
  }

  /** Receives up to `max` values: the first as `recv` does, then every value available without
   *  blocking, up to `max`; [] once the channel is closed and drained. */
  recvMany(max: number, opts?: OpOptions): Promise<T[]> {
    if (this.disposed) throw useOfDisposed();
    const signal = signalOf(opts);
    if (typeof max !== "number" || !(max >= 1) || !Number.isInteger(max)) {
      throw new RangeError("wasmchan: recvMany(max): max must be an integer >= 1");
    }
    if (this.disposed) throw useOfDisposed(); // an options getter may have disposed it
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const out: T[] = [];
    const closed = this.takeAvailable(max, out);
    if (out.length > 0 || closed) return Promise.resolve(out);
    return this.recvOk({ signal }).then(({ value, ok }) => {
      if (!ok) return out;
      out.push(value);
      if (!this.disposed) this.takeAvailable(max, out);
      return out;
    });
  }

  /** tryRecv up to `max` into `out`; true if it stopped at a closed, drained channel. */
  private takeAvailable(max: number, out: T[]): boolean {
    while (out.length < max) {
      const r = this.tryRecv();
      if (r === undefined) return false;
      if (!r.ok) return true;
      out.push(r.value);
    }
    return false;
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

/** Builds a channel after checking the arguments, as the Wasm core's makeChan does. */
export function makeChan<T>(cap: unknown, codec: unknown, name?: unknown): Chan<T> {
  if (codec !== undefined && !isCodec(codec)) {
    throw new TypeError("wasmchan: codec must be one of codecs.* (e.g. codecs.i32, codecs.bytes(64))");
  }
  // The same limit as the Wasm core's, so that both cores accept the same capacities.
  const n = checkCapacity(cap, codec === undefined ? 4 : (codec as Codec).size);
  if (name !== undefined && typeof name !== "string") throw new TypeError("wasmchan: a channel's name must be a string");
  const ch = new Chan<T>(n, codec as Codec<T> | undefined);
  if (name !== undefined) ch.name = name;
  return ch;
}
