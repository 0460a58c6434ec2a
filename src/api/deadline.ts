// deadline: the options of the blocking forms. A thread blocked in Atomics.wait runs no code of its own,
// so it cannot see an AbortSignal abort (its timers and messages wait too); what bounds a blocking
// call is a timeout, checked by the wait itself. A signal is still taken, and checked when called, so
// code written for both forms reads the same.
import { abortReason, isAborted, signalOf } from "./errors.js";

/** Options of the blocking forms (sendSync, recvSync, recvSyncOk, sendManySync, recvManySync,
 *  recvManyIntoSync, rangeSync). */
export interface SyncOptions {
  /** Milliseconds to wait at most: then the call throws a DOMException named "TimeoutError" (as
   *  `AbortSignal.timeout`'s reason is), the operation that was waiting having taken no effect. */
  timeout?: number;
  /** Checked when called: if it is already aborted, the call throws its reason and does nothing. A
   *  blocked thread runs no code, so it cannot see a later abort: bound the wait with `timeout`. */
  signal?: AbortSignal;
}

/** When a blocking call gives up: `until` on performance.now()'s clock (Infinity: never). */
export interface Deadline {
  readonly until: number;
  readonly ms: number;
}

export const NEVER: Deadline = { until: Infinity, ms: Infinity };

/** Reads a blocking call's options (user code: getters) and throws the signal's reason if it is
 *  already aborted; RangeError for a timeout that is not a number >= 0. */
export function deadlineOf(opts: SyncOptions | undefined, what: string): Deadline {
  if (opts === undefined) return NEVER;
  const signal = signalOf(opts);
  const ms = (opts as SyncOptions).timeout;
  let d = NEVER;
  if (ms !== undefined) {
    if (typeof ms !== "number" || !(ms >= 0)) throw new RangeError(`wasmchan: ${what}: options.timeout must be a number of milliseconds >= 0`);
    if (ms !== Infinity) d = { until: performance.now() + ms, ms };
  }
  if (signal !== undefined && isAborted(signal)) throw abortReason(signal);
  return d;
}

/** What a blocking call that waited until `d` throws. */
export function timedOut(what: string, d: Deadline): Error {
  return new DOMException(`wasmchan: ${what} timed out after ${d.ms} ms`, "TimeoutError");
}
