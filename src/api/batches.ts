// batches: sendMany/recvMany and their blocking and typed-array forms, written once over the hooks of
// each core's channel class. A batch has the semantics of that many single ops one after the other;
// it only goes through the core as many values per call as can go without blocking.
//
// Phases, as for single ops (chan.ts): the caller's values and options are read first (the only step
// that may run user code), then the hooks work on the core, checking the channel again.
// Typed arrays: a numeric codec's own typed array (Int32Array for i32, ...) is a `Packed` batch that the
// Wasm core copies in and out whole; any other typed array is read element by element, each checked.
import { BatchEnd, Kind, type Chan, type RecvResult } from "./chan.js";
import type { Codec } from "./codecs.js";
import { RESOLVED } from "./promises.js";
import { charge } from "./preempt.js";
import { abortReason, describe, isAborted, signalOf } from "./errors.js";
import { copyFrom, lengthOfView, packedView, typedArrayName, type Packed } from "./arrays.js";
import type { OpOptions } from "./chan.js";
import { deadlineOf, timedOut, type SyncOptions } from "./deadline.js";

/** Where the next received value goes in a `recvBatchInto` view (a hook argument). */
export interface Cursor {
  n: number;
}

function codecOf(ch: Chan<any>): Codec | undefined {
  return (ch as { codec?: Codec }).codec; // both cores keep it there
}

/** Reads `values` once (its length once, each element once) and checks each: the user-code phase of a
 *  batch. A bad value throws here, before anything is sent. The codec's own typed array is taken as it
 *  is (every element fits), as a plain view over the caller's memory. */
function checkAll(ch: Chan<any>, values: unknown, what: string): unknown[] | Packed {
  let n: number;
  if (Array.isArray(values)) n = values.length;
  else {
    const name = typedArrayName(values);
    if (name === undefined) throw new TypeError(`wasmchan: ${what}(values): values must be an array or a typed array, not ${describe(values)}`);
    const packed = codecOf(ch)?.packed;
    if (name === packed) return packedView(values as ArrayBufferView, packed);
    n = lengthOfView(values as ArrayBufferView); // element reads of a typed array run no user code
  }
  const vs = values as ArrayLike<unknown>;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = ch.check(vs[i]);
  return out;
}

function checkMax(max: unknown, what: string): void {
  if (typeof max !== "number" || !(max >= 1) || !Number.isInteger(max)) {
    throw new RangeError(`wasmchan: ${what}(max): max must be an integer >= 1`);
  }
}

/** The plain view `recvManyInto` fills: the channel's codec's own typed array, with room for one. */
function viewFor(ch: Chan<any>, view: unknown, what: string): Packed {
  const codec = codecOf(ch);
  const packed = codec?.packed;
  if (packed === undefined) {
    throw new TypeError(`wasmchan: ${what} fills a typed array, so it needs a channel of i32, u32, f64 or i64 (this one carries ${codec === undefined ? "any JS value" : codec.name}); use recvMany`);
  }
  if (typedArrayName(view) !== packed) throw new TypeError(`wasmchan: ${what}(view): a ${codec!.name} channel fills a ${packed}, not ${describe(view)}`);
  const dst = packedView(view as ArrayBufferView, packed);
  if (dst.length === 0) throw new RangeError(`wasmchan: ${what}(view): the view has no room (length 0)`);
  return dst;
}

export function sendMany<T>(ch: Chan<T>, values: unknown, opts: OpOptions | undefined): Promise<void> {
  ch.live();
  const signal = signalOf(opts);
  let ps = checkAll(ch, values, "sendMany");
  charge(ps.length);
  ch.live();
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  let i: number;
  try {
    i = ch.sendBatch(ps, 0);
  } catch (e) {
    return Promise.reject(e);
  }
  if (i === ps.length) return RESOLVED;
  // It waits: what is left is kept now, so the caller may reuse its array (or buffers) at once.
  if (Array.isArray(ps)) for (let j = i; j < ps.length; j++) ps[j] = ch.keep(ps[j]);
  else (ps = copyFrom(ps, i)), (i = 0);
  const rest = ps;
  const go = async (): Promise<void> => {
    while (i < rest.length) {
      await ch.sendp(rest[i], signal); // parks for one, then the rest goes in batches again
      i = ch.sendBatch(rest, i + 1);
    }
  };
  return go(); // it parked (preempt.later leaves it alone)
}

export function recvMany<T>(ch: Chan<T>, max: number, opts: OpOptions | undefined): Promise<T[]> {
  ch.live();
  const signal = signalOf(opts);
  checkMax(max, "recvMany");
  ch.live();
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  const out: T[] = [];
  const end = ch.recvBatch(max, out);
  charge(out.length);
  if (out.length > 0 || end === BatchEnd.Closed) return Promise.resolve(out);
  if (end !== BatchEnd.Open) throw end; // another thread disposed it: as recv would
  return ch.recvp(Kind.RecvOk, signal).then(({ value, ok }: RecvResult<T>) => {
    if (!ok) return out;
    out.push(value);
    if (max > 1) ch.recvBatch(max, out);
    charge(out.length);
    return out;
  });
}

export function recvManyInto<T>(ch: Chan<T>, view: unknown, opts: OpOptions | undefined): Promise<number> {
  ch.live();
  const signal = signalOf(opts);
  const dst = viewFor(ch, view, "recvManyInto");
  ch.live();
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  const at: Cursor = { n: 0 };
  const end = ch.recvBatchInto(dst, at);
  charge(at.n);
  if (at.n > 0 || end === BatchEnd.Closed) return Promise.resolve(at.n);
  if (end !== BatchEnd.Open) throw end;
  return ch.recvp(Kind.RecvOk, signal).then(({ value, ok }: RecvResult<T>) => {
    if (!ok) return 0;
    // The caller's code ran while this waited: its buffer may be gone (transferred, shrunk). The value
    // was taken; it is handed over on the error rather than lost.
    if (dst.length === 0) throw Object.assign(new TypeError("wasmchan: recvManyInto(view): the view's buffer was detached or shrunk while waiting; the value received is this error's `value`"), { value });
    (dst as unknown as T[])[0] = value;
    at.n = 1;
    if (dst.length > 1) ch.recvBatchInto(dst, at);
    charge(at.n);
    return at.n;
  });
}

export function sendManySync<T>(ch: Chan<T>, values: unknown, opts: SyncOptions | undefined): void {
  ch.live();
  ch.blocking("sendManySync");
  const d = deadlineOf(opts, "sendManySync");
  const ps = checkAll(ch, values, "sendManySync");
  ch.live();
  let i = ch.sendBatch(ps, 0);
  while (i < ps.length) {
    if (!ch.sendSyncp(ps[i], d.until)) throw timedOut("sendManySync", d); // the values before went
    i = ch.sendBatch(ps, i + 1);
  }
}

export function recvManySync<T>(ch: Chan<T>, max: number, opts: SyncOptions | undefined): T[] {
  ch.live();
  ch.blocking("recvManySync");
  const d = deadlineOf(opts, "recvManySync");
  checkMax(max, "recvManySync");
  ch.live();
  const out: T[] = [];
  const end = ch.recvBatch(max, out);
  if (out.length > 0 || end === BatchEnd.Closed) return out;
  if (end !== BatchEnd.Open) throw end;
  const r = ch.recvSyncp(d.until);
  if (r === undefined) throw timedOut("recvManySync", d);
  const { value, ok } = r;
  if (!ok) return out;
  out.push(value);
  if (max > 1) ch.recvBatch(max, out);
  return out;
}

export function recvManyIntoSync<T>(ch: Chan<T>, view: unknown, opts: SyncOptions | undefined): number {
  ch.live();
  ch.blocking("recvManyIntoSync");
  const d = deadlineOf(opts, "recvManyIntoSync");
  const dst = viewFor(ch, view, "recvManyIntoSync");
  ch.live();
  const at: Cursor = { n: 0 };
  const end = ch.recvBatchInto(dst, at);
  if (at.n > 0 || end === BatchEnd.Closed) return at.n;
  if (end !== BatchEnd.Open) throw end;
  const r = ch.recvSyncp(d.until);
  if (r === undefined) throw timedOut("recvManyIntoSync", d);
  const { value, ok } = r;
  if (!ok) return 0;
  (dst as unknown as T[])[0] = value; // no user code ran while this thread blocked
  at.n = 1;
  if (dst.length > 1) ch.recvBatchInto(dst, at);
  return at.n;
}
