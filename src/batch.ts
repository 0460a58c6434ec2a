// batch: many values per core call (one lock), with the semantics of that many single operations
// (sendMany, recvMany and their blocking forms). Values are prepared (all user code) before any is
// sent; a batch receive keeps what it took whatever happens to the channel meanwhile.
import type { OpOptions } from "./chan.js";
import type { Channel } from "./channel.js";
import { isUint8Array } from "./codecs.js";
import { abortReason, deathError, isAborted, sendOnClosed, signalOf, useOfDisposed } from "./errors.js";
import { B_CLOSED, B_DISPOSED, B_OPEN, B_POISONED, B_TIMEOUT, R_POISONED, R_TIMEOUT } from "./layout.js";
import { RESOLVED } from "./promises.js";
import { blocking, recvSyncOk, sendSyncPrepared } from "./blocking.js";
/** Values per core call in a batch, and so the scratch it needs. */
function batchSize<T>(ch: Channel<T>): number {
  return Math.max(1, Math.min(4096, Math.floor(65536 / ch.size)));
}

/** Reads `values` once (its length once, each element once) and prepares each: the user-code phase
 *  of a batch. A bad value throws here, before anything is sent. */
function prepareAll<T>(ch: Channel<T>, values: readonly T[], what: string): unknown[] {
  if (!Array.isArray(values)) throw new TypeError(`wasmchan: ${what}(values): values must be an array`);
  const n = values.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = ch.prepare(values[i]);
  return out;
}

/** Non-blocking sends of prepared values[from...] in order, chunk by chunk; returns the index of the
 *  first value not sent (values.length when all were). Throws ChannelError if the channel is closed
 *  or disposed (also by user code run while settling woken receivers). */
function sendBatch<T>(ch: Channel<T>, values: readonly unknown[], from: number): number {
  const heap = ch.heap;
  const size = ch.size;
  let i = from;
  while (i < values.length) {
    const c = ch.live();
    const k = Math.min(batchSize(ch), values.length - i);
    const ep = heap.scratch(k * size);
    for (let j = 0; j < k; j++) ch.store(ep + j * size, values[i + j]);
    const sent = heap.core.chansendn(heap.t, c, ep, k);
    const why = heap.index();
    for (let j = sent; j < k; j++) ch.drop(ep + j * size); // not sent: forget their handles
    ch.settleWoken();
    i += sent;
    if (why !== B_OPEN) throw batchError(why);
    if (sent < k) break;
  }
  return i;
}

/** Non-blocking receives, up to `max` more into `out`; returns B_CLOSED if it stopped because the
 *  channel is closed and drained, B_DISPOSED if it was disposed (now or by user code run while
 *  settling woken senders), else B_OPEN. What it took stays in `out` whatever happens. */
function recvBatch<T>(ch: Channel<T>, max: number, out: T[]): number {
  const heap = ch.heap;
  const size = ch.size;
  while (out.length < max) {
    const c = ch.c;
    if (c === 0) return B_DISPOSED;
    const k = Math.min(batchSize(ch), max - out.length);
    const ep = heap.scratch(k * size);
    const got = heap.core.chanrecvn(heap.t, c, ep, k);
    const why = heap.index();
    for (let j = 0; j < got; j++) out.push(ch.take(ep + j * size));
    ch.settleWoken();
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
export function sendMany<T>(ch: Channel<T>, values: readonly T[], opts?: OpOptions): Promise<void> {
  ch.live();
  const signal = signalOf(opts);
  const ps = prepareAll(ch, values, "sendMany");
  ch.live();
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  let i: number;
  try {
    i = sendBatch(ch, ps, 0);
  } catch (e) {
    return Promise.reject(e);
  }
  if (i === ps.length) return RESOLVED;
  // The rest is stored later, as room appears: by then the caller may reuse its Uint8Arrays, so a
  // typed channel keeps copies (the constructor copies through the array's internal slots: no user
  // code). An untyped channel passes values by reference, as always.
  if (ch.codec !== undefined) {
    for (let j = i; j < ps.length; j++) if (isUint8Array(ps[j])) ps[j] = new Uint8Array(ps[j] as Uint8Array);
  }
  const rest = async (): Promise<void> => {
    while (i < ps.length) {
      await ch.sendPrepared(ps[i], signal); // parks for one, then the rest goes in batches again
      i = sendBatch(ch, ps, i + 1);
    }
  };
  return rest();
}

/**
 * Receives up to `max` values: waits for the first as `recv` does, then takes, in order, every value
 * that can be received without blocking, up to `max` — the same as that many `recv`s stopped at the
 * first that would block. Resolves with [] once the channel is closed and drained. Values it took
 * are returned even if the channel is disposed or closed during the call.
 */
export function recvMany<T>(ch: Channel<T>, max: number, opts?: OpOptions): Promise<T[]> {
  ch.live();
  const signal = signalOf(opts);
  checkMax(max, "recvMany");
  ch.live();
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  const out: T[] = [];
  const why = recvBatch(ch, max, out);
  if (out.length > 0 || why === B_CLOSED) return Promise.resolve(out);
  if (why !== B_OPEN) throw batchError(why); // another thread disposed it: as recv would
  return ch.recvOk({ signal }).then(({ value, ok }) => {
    if (!ok) return out;
    out.push(value);
    if (max > 1) recvBatch(ch, max, out);
    return out;
  });
}

/** sendMany, blocking this thread (shared channels). */
export function sendManySync<T>(ch: Channel<T>, values: readonly T[]): void {
  blocking(ch, "sendManySync");
  const ps = prepareAll(ch, values, "sendManySync");
  ch.live();
  let i = sendBatch(ch, ps, 0);
  while (i < ps.length) {
    sendSyncPrepared(ch, ps[i]);
    i = sendBatch(ch, ps, i + 1);
  }
}

/** recvMany, blocking this thread (shared channels). Values it took are returned even if the
 *  channel is disposed or closed during the call. */
export function recvManySync<T>(ch: Channel<T>, max: number): T[] {
  blocking(ch, "recvManySync");
  checkMax(max, "recvManySync");
  const out: T[] = [];
  const why = recvBatch(ch, max, out);
  if (out.length > 0 || why === B_CLOSED) return out;
  if (why !== B_OPEN) throw batchError(why);
  const { value, ok } = recvSyncOk(ch);
  if (!ok) return out;
  out.push(value);
  if (max > 1) recvBatch(ch, max, out);
  return out;
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
