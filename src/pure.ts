// wasmchan/pure: the same API as `wasmchan`, with the channel runtime in plain TypeScript (one
// thread, values stored as they are). The baseline the Wasm core is measured against.
import { afterOn } from "./api/after.js";
import type { Stats } from "./wasm/heap.js";
import { Chan, ChanOptions, makeChan } from "./pure/chan.js";
import { selectseed } from "./pure/select.js";
import { census } from "./pure/waitq.js";

export { Chan } from "./pure/chan.js";
export type { RecvResult, OpOptions, ChanOptions } from "./pure/chan.js";
export { codecs } from "./api/codecs.js";
export type { Codec } from "./api/codecs.js";
export { ChannelError } from "./api/errors.js";
export type { Stats } from "./wasm/heap.js";
export { select, recv, send } from "./pure/select.js";
export { diagnostics, LeakError } from "./api/diagnostics.js";
export type { ParkedOp } from "./api/diagnostics.js";
export type { SelectCase, RecvCase, SendCase, SelectResult, SelectOptions } from "./pure/select.js";

/**
 * Go's `make(chan T, n)`: a channel with a buffer of `n` values (0, the default: unbuffered).
 * With `{ codec }` its values are checked (and snapshotted) as for the Wasm core's typed channels;
 * without, it carries any JS value by reference.
 */
export function chan<T = unknown>(n?: number, opts?: ChanOptions<T>): Chan<T> {
  if (opts !== undefined && (opts === null || typeof opts !== "object")) {
    throw new TypeError("wasmchan: chan(n, options): options must be an object like { codec }");
  }
  return makeChan<T>(n, opts?.codec, opts?.name);
}

/**
 * Go's `time.After(ms)`: a channel (capacity 1) that receives `Date.now()` once, `ms` milliseconds
 * from now (at once if `ms <= 0`). Its timer keeps Node's event loop alive only while someone is
 * parked on the channel.
 */
export function after(ms: number): Chan<number> {
  return afterOn(ms, newTimerChan);
}

const newTimerChan = (): Chan<number> => makeChan<number>(1, undefined);

// bytesInUse is an estimate of the JS heap the runtime itself holds for the channels it tracks (those
// that ever parked an op: see waitq.ts) and for parked operations, not counting the values carried. V8 on 64 bits without pointer compression (Node's
// default build): an object is a 24-byte header plus 8 bytes a field.
// - a channel: the Chan (13 fields, 128 bytes) and its two WaitQ objects (40 each);
// - a ring slot: one 8-byte element of the ring array (the ring starts at min(cap, 16) slots and
//   doubles up to cap as it fills; it never shrinks until the channel goes);
// - a queued sudog: 16 fields, 152 bytes;
// - a parked op or select (its g): a Promise and its two resolving functions, about 208 bytes.
// Parking 2 * 10^5 receives measured 360 bytes each, and selects on two channels 511 bytes each.
const CHAN_BYTES = 208;
const SLOT_BYTES = 8;
const SUDOG_BYTES = 152;
const G_BYTES = 208;

/** Counters of this thread's channels: channels that ever parked an op and are neither collected nor
 *  disposed, queued sudogs by direction, and bytesInUse, an estimate (see above) that stays constant
 *  while nothing is parked or dropped. */
export function stats(): Stats {
  const t = census();
  return {
    channels: t.channels,
    parkedSenders: t.send,
    parkedReceivers: t.recv,
    bytesInUse: t.channels * CHAN_BYTES + t.ringSlots * SLOT_BYTES + (t.send + t.recv) * SUDOG_BYTES + t.gs * G_BYTES,
  };
}

/**
 * Seeds this thread's select poll-order random source (xorshift32; 0 means a fixed default), so a
 * test can replay a run. Not part of the stable API: both cores derive the same choices from the
 * same seed.
 */
export function __seedSelect(seed: number): void {
  selectseed(seed);
}
