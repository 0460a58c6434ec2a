// The public API, as both entry points publish it (src/index.ts: the Wasm core; src/pure.ts: the pure
// core). Each entry adds only its bindings of the functions typed here, so the published types of the
// two are the same declarations by construction (test/types.test.ts compares them).
import type { Chan, ChanOptions } from "./chan.js";
import type { Codec } from "./codecs.js";

export { Chan } from "./chan.js";
export type { RecvResult, OpOptions, ChanOptions, ChanDescriptor } from "./chan.js";
export { codecs } from "./codecs.js";
export type { Codec } from "./codecs.js";
export type { NumberArray, TypedArrayOf, ViewOf } from "./arrays.js";
export type { FieldType, FieldValue, StructOf } from "./struct.js";
export type { SyncOptions } from "./deadline.js";
export { WaitGroup } from "./waitgroup.js";
export type { WaitGroupDescriptor } from "./waitgroup.js";
export { ChannelError } from "./errors.js";
export { select, recv, send } from "./select.js";
export type { SelectCase, RecvCase, SendCase, SelectResult, SelectResultOf, CaseResult, DefaultResult, SelectOptions } from "./select.js";
export { diagnostics, LeakError } from "./diagnostics.js";
export { preemption } from "./preempt.js";
export type { ParkedOp } from "./diagnostics.js";

/** What `stats()` reports about this thread's channels. */
export interface Stats {
  /** Channels that hold runtime memory: shared channels this thread holds, and local channels that
   *  ever had an operation wait on them (a channel that never waited is a plain object, as cheap to
   *  make and drop as any). Collected or disposed ones are not counted. */
  channels: number;
  /** Wait-queue entries of parked senders (a select parked on k send cases counts k). */
  parkedSenders: number;
  /** Wait-queue entries of parked receivers. */
  parkedReceivers: number;
  /** Bytes the runtime holds for those channels and parked operations (the Wasm core: linear memory,
   *  exactly; the pure core: an estimate of the JS heap). */
  bytesInUse: number;
  /** Wasm core: bytes of linear memory carved out for blocks (see HeapStats). */
  bytesReserved?: number;
  /** Wasm core: free sudogs kept for reuse. */
  pooledSudogs?: number;
}

/** `chan`. */
export interface MakeChan {
  /**
   * Go's `make(chan T, n)`: a channel with a buffer of `n` values (0, the default: unbuffered).
   * With `{ codec }` its slots are typed (codecs.i32, codecs.bytes(64), ...) and its values checked
   * (and snapshotted); without, it carries any JS value by reference.
   */
  <T = unknown>(n?: number, opts?: ChanOptions<T>): Chan<T>;
  /** `chan(n, codec)`: the same as `chan(n, { codec })`, as `heap.chan(n, codec)` takes it. */
  <T>(n: number, codec: Codec<T>): Chan<T>;
}

/** `after`. */
export interface After {
  /**
   * Go's `time.After(ms)`: a channel (capacity 1) that receives `Date.now()` once, `ms` milliseconds
   * from now (at once if `ms <= 0`). Its timer keeps Node's event loop alive only while someone is
   * parked on the channel.
   */
  (ms: number): Chan<number>;
}

/** `stats`. */
export interface StatsOf {
  /** Counters of this thread's local channels (see Stats). */
  (): Stats;
}

/** `__seedSelect`. */
export interface SeedSelect {
  /**
   * Seeds this thread's select poll-order random source (xorshift32; 0 means a fixed default), so a
   * test can replay a run. Not part of the stable API: both cores derive the same choices from the
   * same seed.
   */
  (seed: number): void;
}
