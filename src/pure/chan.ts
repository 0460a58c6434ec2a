// chan: the pure core's channel object — the API's Chan, with the hchan's fields on it (one object per
// channel, no indirection) and the hooks the API calls, each one core call.
//
// An op that completes at once allocates no Promise for a send (one shared resolved Promise is
// returned) and one already-resolved Promise for a receive. An op that parks gets a sudog, queued in
// the channel, whose Promise is settled synchronously by whichever later call (send, receive, close,
// select) completes it; that sudog is also the abort listener, so a parked op costs no closure but its
// Promise's. Nothing global points at a parked op: a channel nobody can reach takes its parked ops
// with it.
import { Chan, ChanDescriptor, Kind, BatchEnd, RecvResult, nameChan } from "../api/chan.js";
import { Codec, isCodec } from "../api/codecs.js";
import type { Describable, Tracked } from "../api/diagnostics.js";
import { RESOLVED } from "../api/promises.js";
import { abortReason, checkCapacity, closeOfClosed, isAborted, sendOnClosed, useOfDisposed } from "../api/errors.js";
import type { Case, SelectResult } from "../api/select.js";
import type { Cursor } from "../api/batches.js";
import type { Packed } from "../api/arrays.js";
import { R_BLOCK, R_CLOSED, R_CLOSED_TWICE } from "../abi/layout.js";
import {
  BLOCKED, CLOSED, Hchan, chanrecv, chansend, closechan, freechan, makering, newChanId, parkedOps, parkrecv, parksend,
} from "./hchan.js";
import { selectgo } from "./select.js";
import { K_RECV, K_RECVOK, K_SEND, gopark } from "./sudog.js";
import { WaitQ } from "./waitq.js";

export class PureChan<T = unknown> extends Chan<T> implements Hchan {
  qcount = 0;
  readonly dataqsiz: number;
  buf: unknown[];
  sendx = 0;
  recvx = 0;
  closed = false;
  disposed = false;
  watch: ((parked: number) => void) | undefined = undefined;
  readonly recvq = new WaitQ();
  readonly sendq = new WaitQ();
  nwait = 0;
  nsend = 0;
  nrecv = 0;
  ngs = 0;
  known: WeakRef<Hchan> | null = null;
  tracked: WeakRef<Tracked> | null = null;
  readonly id: number;

  constructor(size: number, readonly codec: Codec<T> | undefined) {
    super();
    this.dataqsiz = size;
    this.buf = makering(size);
    this.id = newChanId();
  }

  get len(): number {
    return this.qcount;
  }

  get cap(): number {
    return this.dataqsiz;
  }

  live(): void {
    if (this.disposed) throw useOfDisposed();
  }

  check(v: unknown): unknown {
    return this.codec === undefined ? v : this.codec.check(v);
  }

  /** What a receiver gets for the stored value `s`. */
  unpack(s: unknown): T {
    return this.codec === undefined ? (s as T) : this.codec.unpack(s);
  }

  /** The zero value. */
  zero(): T {
    return this.codec === undefined ? (undefined as T) : this.codec.zero();
  }

  sendp(p: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (this.disposed) throw useOfDisposed(); // checking the value ran user code
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const r = chansend(this, p);
    if (r === R_BLOCK) return gopark(parksend(this, p), K_SEND, signal);
    if (r === R_CLOSED) return Promise.reject(sendOnClosed());
    return RESOLVED;
  }

  trysendp(p: unknown): boolean {
    if (this.disposed) throw useOfDisposed();
    const r = chansend(this, p);
    if (r === R_CLOSED) throw sendOnClosed();
    return r !== R_BLOCK;
  }

  recvp(kind: Kind, signal: AbortSignal | undefined): Promise<any> {
    if (this.disposed) throw useOfDisposed(); // an options getter may have disposed it
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    const s = chanrecv(this);
    if (s === BLOCKED) return gopark(parkrecv(this), kind === Kind.RecvOk ? K_RECVOK : K_RECV, signal);
    const value = s === CLOSED ? this.zero() : this.unpack(s);
    return Promise.resolve(kind === Kind.Recv ? value : { value, ok: s !== CLOSED });
  }

  tryrecvp(): RecvResult<T> | undefined {
    const s = chanrecv(this);
    if (s === BLOCKED) return undefined;
    if (s === CLOSED) return { value: this.zero(), ok: false };
    return { value: this.unpack(s), ok: true };
  }

  closep(): void {
    if (closechan(this) === R_CLOSED_TWICE) throw closeOfClosed();
  }

  disposep(): void {
    if (this.disposed) return;
    this.disposed = true;
    closechan(this); // a second close is no error here
    freechan(this);
  }

  sendBatch(values: readonly unknown[] | Packed, from: number): number {
    let i = from;
    while (i < values.length && this.trysendp(values[i])) i++;
    return i;
  }

  recvBatch(max: number, out: T[]): BatchEnd | Error {
    while (out.length < max) {
      if (this.disposed) return useOfDisposed();
      const r = this.tryrecvp();
      if (r === undefined) return BatchEnd.Open;
      if (!r.ok) return BatchEnd.Closed;
      out.push(r.value);
    }
    return BatchEnd.Open;
  }

  recvBatchInto(view: Packed, at: Cursor): BatchEnd | Error {
    const dst = view as unknown as T[];
    while (at.n < view.length) {
      if (this.disposed) return useOfDisposed();
      const r = this.tryrecvp();
      if (r === undefined) return BatchEnd.Open;
      if (!r.ok) return BatchEnd.Closed;
      dst[at.n++] = r.value;
    }
    return BatchEnd.Open;
  }

  keep(p: unknown): unknown {
    return p; // check() already took a snapshot of anything mutable
  }

  blocking(what: string): void {
    throw new TypeError(`wasmchan: ${what} blocks the thread, so it needs a channel of a SharedHeap that other threads can complete (the Wasm core's)`);
  }

  sendSyncp(): boolean {
    this.blocking("sendSync");
    throw new Error("unreachable");
  }

  recvSyncp(): RecvResult<T> | undefined {
    this.blocking("recvSync");
    throw new Error("unreachable");
  }

  sharep(): ChanDescriptor {
    throw new TypeError("wasmchan: only channels of a SharedHeap can be shared; the pure core's channels live in one thread");
  }

  selectableWith(other: Chan<any>): boolean {
    return other instanceof PureChan;
  }

  selectgo(cases: readonly Case[], dflt: boolean, signal: AbortSignal | undefined): Promise<SelectResult<any>> {
    return selectgo(cases, dflt, signal);
  }

  parkedOps(): Iterable<Describable> {
    return parkedOps(this);
  }

  info(): { id: number; name?: string } {
    return this.name === undefined ? { id: this.id } : { id: this.id, name: this.name };
  }
}

/** Builds a channel after checking the arguments, as the Wasm core's makeChan does. */
export function makeChan<T>(cap: unknown, codec: unknown, name?: unknown): PureChan<T> {
  if (codec !== undefined && !isCodec(codec)) {
    throw new TypeError("wasmchan: codec must be one of codecs.* (e.g. codecs.i32, codecs.bytes(64))");
  }
  // The same limit as the Wasm core's, so that both cores accept the same capacities.
  const n = checkCapacity(cap, codec === undefined ? 4 : (codec as Codec).size);
  if (name !== undefined && typeof name !== "string") throw new TypeError("wasmchan: a channel's name must be a string");
  const ch = new PureChan<T>(n, codec as Codec<T> | undefined);
  if (name !== undefined) nameChan(ch, name);
  return ch;
}
