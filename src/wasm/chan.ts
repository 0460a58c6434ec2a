// chan: the Wasm core's channel object — the API's Chan, with the hooks it calls, over one hchan in
// linear memory. Its values cross into memory as values.ts says; its parked ops are parked.ts's.
//
// A local channel (the heap of this thread's unshared memory) starts with no linear memory at all: its
// values wait in a JS ring (src/pure/hchan.ts's Ring), as cheap to make and drop as an object, until an
// operation first has to wait on it (or a select must park on it). Then it moves into linear memory
// (promote) and is registered to be freed when collected; from then on the core's wait queues are the
// source of truth. With nobody parked, a buffered value goes in and out through the views, in JS,
// without a core call (fastsend/fastrecv: ring.ts, the core's buffer moves on the same positions).
import { BatchEnd, Chan, ChanDescriptor, Kind, RecvResult } from "../api/chan.js";
import type { Codec } from "../api/codecs.js";
import { abortReason, closeOfClosed, deathError, isAborted, sendOnClosed, useOfDisposed } from "../api/errors.js";
import { RESOLVED } from "../api/promises.js";
import type { Case, SelectResult } from "../api/select.js";
import {
  BLOCK_NO, BLOCK_PARK, C_BUF, C_ID, R_BLOCK, R_CLOSED, R_CLOSED_TWICE,
  R_DISPOSED, R_DONE, R_HANDOFF, R_NOMEM, R_PARKED, R_POISONED, R_TIMEOUT,
} from "../abi/layout.js";
import { NO_RING, Ring, bufrecv as ringrecv, bufsend as ringsend, makering } from "../pure/hchan.js";
import * as batch from "./batch.js";
import type { Cursor } from "../api/batches.js";
import type { Packed } from "../api/arrays.js";
import * as blocking from "./blocking.js";
import { Heap } from "./heap.js";
import { detach, enterCore, leaveCore, sharep } from "./lifetime.js";
import { Later, Op, WasmParking, runLater } from "./parked.js";
import { selectgo } from "./select.js";
import { filled, popSlot, popped, pushSlot, pushed, ringLen } from "./ring.js";
import { NONE, RING_HANDLE } from "./values.js";

/** Switches for tests, not API: with `fastPaths` false, channels made from then on go to the core for
 *  everything — linear memory from the start; no JS ring, buffered paths, hand-offs or select pass 1
 *  (see `js`) — so the model test runs the same programs both ways. */
export const tuning = { fastPaths: true };

export class WasmChan<T = unknown> extends WasmParking<T> implements Ring {
  /** Address of the hchan in the heap: 0 while a local channel's values are in the JS ring below, and
   *  once disposed. */
  c = 0;
  // ---- the JS ring of a local channel that never parked (Ring: src/pure/hchan.ts)
  qcount = 0;
  readonly dataqsiz: number;
  buf: unknown[] = NO_RING;
  sendx = 0;
  recvx = 0;
  /** Closed while in the JS ring (in linear memory, C_CLOSED says). */
  closed = false;
  /** @internal Whether the buffered fast paths may run in JS (see fastsend). */
  fast = false;
  /** @internal Whether this channel's ops may complete in JS what the core would do the same way: a
   *  JS ring until the first park, hand-offs to plain receivers, select's pass 1 (unshared memory,
   *  and tuning.fastPaths when it was made). */
  js: boolean;
  /** Address of ring slot 0 (in linear memory). */
  private bufAddr = 0;

  /** @internal Use `chan()`, `heap.chan()` or `attach()`. With `existing`, wraps a shared channel
   *  this thread holds a reference to (attach). */
  constructor(heap: Heap, cap: number, codec: Codec<T> | undefined, existing = 0) {
    if (!(heap instanceof Heap)) throw new TypeError("wasmchan: make a channel with chan(n), heap.chan(n, codec) or attach(descriptor), not new Chan()");
    super(heap, codec);
    this.dataqsiz = cap;
    this.js = tuning.fastPaths && !heap.shared;
    if (heap.shared) this.enter(existing);
    else if (this.js) this.buf = makering(cap);
    else this.promote();
  }

  /** Go's `len(ch)`. */
  get len(): number {
    if (this.c === 0) return this.qcount;
    return this.heap.shared ? this.heap.core.chanlen(this.c) : ringLen(this.heap.views.u32, this.c, this.dataqsiz);
  }

  /** Go's `cap(ch)`. */
  get cap(): number {
    return this.dataqsiz;
  }

  /** Takes linear memory: a new hchan, or the shared one at `existing`. */
  private enter(existing: number): void {
    const heap = this.heap;
    let c = existing;
    if (c === 0) {
      c = heap.core.makechan(heap.t, this.size, this.dataqsiz, this.codec === undefined ? 0 : this.codec.tag);
      if (c === 0) throw heap.noMemory();
      heap.sync();
    }
    this.c = c;
    this.bufAddr = heap.views.u32[(c + C_BUF) >>> 2];
    this.fast = this.js && this.dataqsiz > 0 && (this.size === 4 || this.size === 8 || this.size === 1);
    enterCore(this, c);
  }

  /** @internal A local channel moves from its JS ring into linear memory: its first park, or a select
   *  that must go to the core. The buffered values, oldest first, become ring slots 0, 1, ... */
  promote(): number {
    this.enter(0);
    const c = this.c;
    const n = this.qcount;
    const views = this.heap.views;
    for (let i = 0, x = this.recvx; i < n; i++) {
      const s = this.buf[x];
      x = x + 1 === this.buf.length ? 0 : x + 1;
      if (this.codec !== undefined) this.codec.store(views, this.bufAddr + i * this.size, s);
      else {
        if (this.slots === null) this.slots = new Array(this.dataqsiz);
        this.slots[i] = s;
        views.u32[(this.bufAddr >>> 2) + i] = s === undefined ? 0 : RING_HANDLE + i;
      }
    }
    filled(views.u32, c, this.dataqsiz, n);
    if (this.closed) this.heap.core.closechan(this.heap.t, c); // nobody to wake
    this.buf = NO_RING;
    this.qcount = this.sendx = this.recvx = 0;
    return c;
  }

  // ---- the buffered fast paths, in JS
  //
  // On unshared memory only this thread can touch the channel, so the commonest case — a buffered
  // value in or out with nobody parked on the other side — needs no call into the core: it is the
  // core's buffer moves (assembly/ring.ts), done on the same positions through the views. Anything
  // else (a queue to look at, a full or empty ring, close) goes to the core, which stays the authority.
  // Only for slots whose views are aligned: untyped handles and the 1-, 4- and 8-byte codecs.

  /** @internal Buffers the checked value `p` if the ring has room and no receiver is queued; false
   *  when the core must decide. */
  fastsend(c: number, p: unknown): boolean {
    const u32 = this.heap.views.u32;
    const i = pushSlot(u32, c, this.dataqsiz);
    if (i < 0) return false;
    if (this.codec === undefined) {
      // Values only ever leave slot `i` into this thread's hands (a receive, here or in the core,
      // whose caller takes the value before anything else runs): until then nothing else uses
      // slots[i], so it needs no free list.
      let slots = this.slots;
      if (slots === null) slots = this.slots = new Array(this.dataqsiz);
      slots[i] = p;
      u32[(this.bufAddr >>> 2) + i] = p === undefined ? 0 : RING_HANDLE + i;
    } else {
      this.codec.store(this.heap.views, this.bufAddr + i * this.size, p);
    }
    pushed(u32, c, this.dataqsiz);
    return true;
  }

  /** @internal Takes the ring's head if there is one and no sender is queued; else NONE. */
  fastrecv(c: number): unknown {
    const u32 = this.heap.views.u32;
    const i = popSlot(u32, c);
    if (i < 0) return NONE;
    const v = this.codec === undefined
      ? this.release(u32[(this.bufAddr >>> 2) + i])
      : this.codec.read(this.heap.views, this.bufAddr + i * this.size);
    popped(u32, c, this.dataqsiz);
    return v;
  }

  // ---- operations (the hooks of the API's Chan)

  sendp(p: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (this.disposed) throw useOfDisposed(); // checking the value ran user code
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    let c = this.c;
    if (c === 0) {
      if (this.closed) return Promise.reject(sendOnClosed());
      if (this.qcount < this.dataqsiz) {
        ringsend(this, this.snap(p));
        return RESOLVED;
      }
      c = this.promote();
    } else if (this.fast && this.fastsend(c, p)) {
      return RESOLVED;
    }
    const heap = this.heap;
    if (this.js && this.handOff(c, p)) return RESOLVED;
    const ep = this.put(p);
    const r = heap.core.chansend(heap.t, c, ep, BLOCK_PARK);
    if (r === R_DONE) return RESOLVED;
    if (r === R_HANDOFF) {
      this.deliverOut();
      return RESOLVED;
    }
    if (r === R_PARKED) return this.park(Op.Send, signal);
    this.drop(ep);
    if (r === R_CLOSED) return Promise.reject(sendOnClosed());
    this.fail(r);
  }

  recvp(kind: Kind, signal: AbortSignal | undefined): Promise<any> {
    if (this.disposed) throw useOfDisposed(); // an options getter may have disposed it
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    let c = this.c;
    if (c === 0) {
      if (this.qcount > 0) {
        const v = this.unsnap(ringrecv(this));
        return Promise.resolve(kind === Kind.Recv ? v : { value: v, ok: true });
      }
      if (this.closed) {
        const z = this.zero();
        return Promise.resolve(kind === Kind.Recv ? z : { value: z, ok: false });
      }
      c = this.promote();
    } else if (this.fast) {
      const v = this.fastrecv(c);
      if (v !== NONE) return Promise.resolve(kind === Kind.Recv ? v : { value: v, ok: true });
    }
    const heap = this.heap;
    const ep = heap.scratch(this.size);
    const r = heap.core.chanrecv(heap.t, c, ep, BLOCK_PARK);
    if (r === R_PARKED) return this.park(kind === Kind.RecvOk ? Op.RecvOk : Op.Recv, signal);
    if (r === R_DONE || r === R_HANDOFF || r === R_CLOSED) {
      const value = this.take(ep);
      if (r === R_HANDOFF) this.deliverOut();
      return Promise.resolve(kind === Kind.Recv ? value : { value, ok: r !== R_CLOSED });
    }
    this.fail(r);
  }

  trysendp(p: unknown): boolean {
    if (this.disposed) throw useOfDisposed();
    const c = this.c;
    if (c === 0) {
      if (this.closed) throw sendOnClosed();
      if (this.qcount >= this.dataqsiz) return false; // nobody can be parked on a JS ring
      ringsend(this, this.snap(p));
      return true;
    }
    if (this.fast && this.fastsend(c, p)) return true;
    const ep = this.put(p);
    const heap = this.heap;
    const r = heap.core.chansend(heap.t, c, ep, BLOCK_NO);
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

  tryrecvp(): RecvResult<T> | undefined {
    const c = this.c;
    if (c === 0) {
      if (this.qcount > 0) return { value: this.unsnap(ringrecv(this)), ok: true };
      return this.closed ? { value: this.zero(), ok: false } : undefined;
    }
    if (this.fast) {
      const v = this.fastrecv(c);
      if (v !== NONE) return { value: v as T, ok: true };
    }
    const heap = this.heap;
    const ep = heap.scratch(this.size);
    const r = heap.core.chanrecv(heap.t, c, ep, BLOCK_NO);
    if (r === R_BLOCK) return undefined;
    if (r >= R_DISPOSED) this.fail(r);
    const value = this.take(ep);
    if (r === R_HANDOFF) this.deliverOut();
    return { value, ok: r !== R_CLOSED };
  }

  closep(): void {
    const c = this.c;
    if (c === 0) {
      if (this.closed) throw closeOfClosed();
      this.closed = true; // nobody can be parked on a JS ring
      return;
    }
    const heap = this.heap;
    const r = heap.core.closechan(heap.t, c);
    if (r === R_CLOSED_TWICE) throw closeOfClosed();
    if (r >= R_DISPOSED) this.fail(r);
    this.settleWoken();
  }

  disposep(): void {
    if (this.disposed) return;
    this.disposed = true;
    const c = this.c;
    this.closed = true;
    if (c === 0) {
      this.buf = NO_RING;
      this.qcount = 0;
      return;
    }
    const heap = this.heap;
    const later: Later = [];
    if (heap.core.chandispose(heap.t, c) === R_DONE) this.collectWoken(later);
    this.c = 0;
    leaveCore(this, c);
    this.forgetValues();
    this.buf = NO_RING;
    this.qcount = 0;
    runLater(later);
  }

  /** @internal Throws the error for a failed core result (after the caller gave back what it put). */
  fail(r: number): never {
    if (r === R_DISPOSED) throw useOfDisposed();
    if (r === R_NOMEM) throw this.heap.noMemory();
    if (r === R_POISONED || r === R_TIMEOUT) throw deathError(r);
    throw new Error(`wasmchan: unexpected core result ${r}`);
  }

  sendBatch(values: readonly unknown[] | Packed, from: number): number {
    return batch.sendBatch(this, values, from);
  }

  recvBatchInto(view: Packed, at: Cursor): BatchEnd | Error {
    return batch.recvBatchInto(this, view, at);
  }

  recvBatch(max: number, out: T[]): BatchEnd | Error {
    return batch.recvBatch(this, max, out);
  }

  keep(p: unknown): unknown {
    return this.snap(p); // the caller may reuse its Uint8Arrays before these go
  }

  blocking(what: string): void {
    blocking.check(this, what);
  }

  sendSyncp(p: unknown, until: number): boolean {
    return blocking.sendSync(this, p, until);
  }

  recvSyncp(until: number): RecvResult<T> | undefined {
    return blocking.recvSync(this, until);
  }

  sharep(): ChanDescriptor {
    return sharep(this);
  }

  selectableWith(other: Chan<any>): boolean {
    return other instanceof WasmChan && other.heap === this.heap;
  }

  selectgo(cases: readonly Case[], dflt: boolean, signal: AbortSignal | undefined): Promise<SelectResult<any>> {
    return selectgo(this.heap, cases, dflt, signal);
  }

  // ---- parking, and settling what a core call hands back











  /** @internal This thread is ending: give back its reference to this shared channel (no close). */
  detach(): void {
    detach(this);
  }



  info(): { id: number; name?: string } {
    const id = this.c === 0 ? 0 : this.heap.views.u32[(this.c + C_ID) >>> 2];
    return this.name === undefined ? { id } : { id, name: this.name };
  }
}
