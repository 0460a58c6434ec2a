// batch: many values per core call (one lock for a batch), with the semantics of that many single
// non-blocking ops; the API's sendMany/recvMany and their blocking forms are made of these.
import { BatchEnd } from "../api/chan.js";
import { deathError, sendOnClosed, useOfDisposed } from "../api/errors.js";
import { B_CLOSED, B_OPEN, B_POISONED, B_TIMEOUT, R_POISONED, R_TIMEOUT } from "../abi/layout.js";
import type { WasmChan } from "./chan.js";
import type { Cursor } from "../api/batches.js";
import type { Packed } from "../api/arrays.js";
import type { Views } from "../api/codecs.js";

/** Values per core call in a batch, and so the scratch it needs. */
function batchSize(ch: WasmChan<any>): number {
  return Math.max(1, Math.min(4096, Math.floor(65536 / ch.size)));
}

/** The error for a batch that stopped for `why` (B_*, not B_OPEN or B_CLOSED). */
function batchError(why: number): Error {
  if (why === B_POISONED) return deathError(R_POISONED);
  if (why === B_TIMEOUT) return deathError(R_TIMEOUT);
  return useOfDisposed();
}

/** Non-blocking sends of checked values[from...] in order, chunk by chunk; returns the index of the
 *  first value not sent. Throws ChannelError if the channel is closed or disposed (also by user code
 *  run while settling woken receivers). A local channel in its JS ring sends one by one. */
export function sendBatch(ch: WasmChan<any>, values: readonly unknown[] | Packed, from: number): number {
  let i = from;
  if (ch.c === 0) {
    while (i < values.length && ch.trysendp(values[i])) i++;
    return i;
  }
  const heap = ch.heap;
  const size = ch.size;
  while (i < values.length) {
    ch.live();
    const c = ch.c;
    const k = Math.min(batchSize(ch), values.length - i);
    const ep = heap.scratch(k * size);
    if (Array.isArray(values)) for (let j = 0; j < k; j++) ch.store(ep + j * size, values[i + j]);
    else copyIn(heap.views, ep, values as Packed, i, k);
    const sent = heap.core.chansendn(heap.t, c, ep, k);
    const why = heap.index();
    for (let j = sent; j < k; j++) ch.drop(ep + j * size); // not sent: forget their handles
    ch.settleWoken();
    i += sent;
    if (why === B_CLOSED) throw sendOnClosed();
    if (why !== B_OPEN) throw batchError(why);
    if (sent < k) break;
  }
  return i;
}

/** Where a batch of receives puts what it takes: `room` values more at most; one value (from the JS
 *  ring), or `got` slots at `ep` in the core's scratch (copied out before anything else runs). */
interface Sink<T> {
  room(): number;
  one(v: T): void;
  many(ep: number, got: number): void;
}

/** The loop of a batch of receives, whatever it fills: chunk by chunk until `sink` is full or the
 *  channel would block; why it stopped short. What it took stays in the sink whatever happens (the
 *  channel disposed, now or by user code run while settling woken senders; poisoned). */
function recvInto<T>(ch: WasmChan<T>, sink: Sink<T>): BatchEnd | Error {
  const heap = ch.heap;
  for (let room = sink.room(); room > 0; room = sink.room()) {
    if (ch.disposed) return useOfDisposed();
    const c = ch.c;
    if (c === 0) {
      const r = ch.tryrecvp();
      if (r === undefined) return BatchEnd.Open;
      if (!r.ok) return BatchEnd.Closed;
      sink.one(r.value);
      continue;
    }
    const k = Math.min(batchSize(ch), room);
    const ep = heap.scratch(k * ch.size);
    const got = heap.core.chanrecvn(heap.t, c, ep, k);
    const why = heap.index();
    sink.many(ep, got);
    ch.settleWoken();
    if (why === B_CLOSED) return BatchEnd.Closed;
    if (why !== B_OPEN) return batchError(why);
    if (got < k) return BatchEnd.Open;
  }
  return BatchEnd.Open;
}

/** Non-blocking receives, up to `max` in all into `out`; why it stopped short. */
export function recvBatch<T>(ch: WasmChan<T>, max: number, out: T[]): BatchEnd | Error {
  const size = ch.size;
  return recvInto(ch, {
    room: () => max - out.length,
    one: (v) => void out.push(v),
    many(ep, got) {
      for (let j = 0; j < got; j++) out.push(ch.take(ep + j * size));
    },
  });
}

/** The heap view a Packed batch's elements are slots of (same kind, same element size). */
function viewOf(m: Views, p: Packed): Packed {
  return p instanceof Int32Array ? m.i32 : p instanceof Uint32Array ? m.u32 : p instanceof Float64Array ? m.f64 : m.i64;
}

/** Copies p[from, from + k) to the slots at `ep` (the codec's own layout: one element a slot). */
function copyIn(m: Views, ep: number, p: Packed, from: number, k: number): void {
  const heapView = viewOf(m, p) as Int32Array;
  heapView.set(p.subarray(from, from + k) as Int32Array, ep / p.BYTES_PER_ELEMENT);
}

/** Non-blocking receives into view[at.n...] until it is full (a numeric codec's own typed array:
 *  its slots are the view's elements, copied out whole); why it stopped short. */
export function recvBatchInto(ch: WasmChan<any>, view: Packed, at: Cursor): BatchEnd | Error {
  const dst = view as Int32Array;
  const size = ch.size;
  return recvInto(ch, {
    room: () => dst.length - at.n,
    one(v) {
      dst[at.n++] = v;
    },
    many(ep, got) {
      const from = ep / size;
      dst.set((viewOf(ch.heap.views, view) as Int32Array).subarray(from, from + got), at.n);
      at.n += got;
    },
  });
}
