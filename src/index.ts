// wasmchan: Go's channels for JavaScript, with the channel runtime in WebAssembly linear memory.
import { type Chan, type ChanOptions, makeChan } from "./wasm/chan.js";
import { localHeap, HeapStats } from "./wasm/heap.js";
import { afterOn } from "./api/after.js";

export { Chan } from "./wasm/chan.js";
export type { RecvResult, OpOptions, ChanOptions } from "./wasm/chan.js";
export { codecs } from "./api/codecs.js";
export type { Codec } from "./api/codecs.js";
export { ChannelError } from "./api/errors.js";
export type { Stats, HeapStats } from "./wasm/heap.js";
export { select, recv, send } from "./wasm/select.js";
export type { SelectCase, RecvCase, SendCase, SelectResult, SelectOptions } from "./wasm/select.js";
export { SharedHeap, attach } from "./wasm/shared.js";
export { diagnostics, LeakError } from "./api/diagnostics.js";
export type { ParkedOp } from "./api/diagnostics.js";
export type { ChanDescriptor } from "./wasm/chan.js";

/**
 * Go's `make(chan T, n)`: a channel with a buffer of `n` values (0, the default: unbuffered).
 * With `{ codec }` its slots are typed (codecs.i32, codecs.bytes(64), ...); without, it carries any
 * JS value by reference.
 */
export function chan<T = unknown>(n?: number, opts?: ChanOptions<T>): Chan<T> {
  if (opts !== undefined && (opts === null || typeof opts !== "object")) {
    throw new TypeError("wasmchan: chan(n, options): options must be an object like { codec }");
  }
  return makeChan<T>(localHeap, n, opts?.codec, opts?.name) as unknown as Chan<T>;
}

/**
 * Go's `time.After(ms)`: a channel (capacity 1) that receives `Date.now()` once, `ms` milliseconds
 * from now (at once if `ms <= 0`). Its timer keeps Node's event loop alive only while someone is
 * parked on the channel.
 */
export function after(ms: number): Chan<number> {
  return afterOn(ms, newTimerChan) as unknown as Chan<number>;
}

const newTimerChan = () => makeChan<number>(localHeap, 1, undefined);

/** Counters of the local heap (this thread's unshared channels). */
export function stats(): HeapStats {
  return localHeap.stats();
}

/**
 * Seeds this thread's select poll-order random source (xorshift32; 0 means a fixed default), so a
 * test can replay a run. Not part of the stable API: both cores derive the same choices from the
 * same seed.
 */
export function __seedSelect(seed: number): void {
  localHeap.core.selectseed(localHeap.t, seed >>> 0);
}
