// Every error the library raises, in one place. Channel misuse is Go's panic, with Go's text.
import { LOCK_TIMEOUT_MS, MAX_RING_BYTES, R_POISONED, R_TIMEOUT } from "../abi/layout.js";

/** A misuse of a channel that Go reports as a panic; `message` is Go's panic text, exactly. */
export class ChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChannelError";
  }
}

export const SEND_ON_CLOSED = "send on closed channel";
export const CLOSE_OF_CLOSED = "close of closed channel";
export const USE_OF_DISPOSED = "use of disposed channel";

export const sendOnClosed = (): ChannelError => new ChannelError(SEND_ON_CLOSED);
export const closeOfClosed = (): ChannelError => new ChannelError(CLOSE_OF_CLOSED);
export const useOfDisposed = (): ChannelError => new ChannelError(USE_OF_DISPOSED);

// When threads die (worker.terminate()) while using a shared channel: see the README, "Threads that die".
export const POISONED = "channel poisoned: a thread was terminated while it held the channel's lock";
export const LOCK_TIMEOUT = `channel lock held for over ${LOCK_TIMEOUT_MS} ms: a thread holding it was probably terminated`;
export const THREAD_DIED = "a thread was terminated while it was completing this operation";

/** The error for a core result that a thread's death explains (R_POISONED, R_TIMEOUT), or the
 *  parkdead code of a parked operation that can never complete (1: poisoned, 2: its waker died). */
export function deathError(r: number): ChannelError {
  if (r === R_POISONED || r === 1) return new ChannelError(POISONED);
  if (r === R_TIMEOUT) return new ChannelError(LOCK_TIMEOUT);
  return new ChannelError(THREAD_DIED);
}

/** The heap's memory is full: says how full and what to do (the local heap is 4 GiB: its channels are
 *  leaked or huge; a SharedHeap was made with `maxBytes`). */
export function outOfMemory(maxBytes?: number, inUse?: number, shared?: boolean): RangeError {
  if (maxBytes === undefined) return new RangeError("wasmchan: out of channel memory");
  const where = shared
    ? `this SharedHeap's maxBytes (${maxBytes} bytes) is used up (${inUse} in use): make it with a larger SharedHeap.create({ maxBytes }), or dispose channels you no longer use`
    : `this thread's local channels use all ${maxBytes} bytes of their memory (${inUse} in use): dispose channels you no longer use (diagnostics.parked() lists waiting ops)`;
  return new RangeError(`wasmchan: out of channel memory: ${where}`);
}

/** Checks a channel capacity as Go's makechan does (but as a RangeError, before anything happens):
 *  a safe integer >= 0 whose ring of `slotSize`-byte slots the core can address (at most
 *  MAX_RING_BYTES; both cores apply the same limit, so they agree on every capacity). */
export function checkCapacity(n: unknown, slotSize: number): number {
  if (n === undefined) return 0;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`wasmchan: channel capacity must be a safe integer >= 0, got ${describe(n)}`);
  }
  if (n * slotSize > MAX_RING_BYTES) {
    throw new RangeError(`wasmchan: a channel of capacity ${n} with ${slotSize}-byte slots needs ${n * slotSize} bytes; a channel's buffer holds at most ${MAX_RING_BYTES} bytes (${Math.floor(MAX_RING_BYTES / slotSize)} slots of this size)`);
  }
  return n === 0 ? 0 : n; // -0 is 0: Go's cap() is an int
}

// AbortSignal's own accessors and EventTarget's methods, called on the signal directly: a signal may
// carry own properties that shadow them (user code), and no user code may run once an operation has
// started touching channel memory.
const abortedOf = typeof AbortSignal === "function"
  ? Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get as ((this: AbortSignal) => boolean) | undefined
  : undefined;
const reasonOf = typeof AbortSignal === "function"
  ? Object.getOwnPropertyDescriptor(AbortSignal.prototype, "reason")?.get as ((this: AbortSignal) => unknown) | undefined
  : undefined;
const addListener = typeof EventTarget === "function" ? EventTarget.prototype.addEventListener : undefined;
const removeListener = typeof EventTarget === "function" ? EventTarget.prototype.removeEventListener : undefined;

/** Whether `s` (from signalOf) has aborted; runs no user code. */
export function isAborted(s: AbortSignal): boolean {
  return abortedOf !== undefined ? abortedOf.call(s) : s.aborted;
}

/** The abort reason of `s` (from signalOf); runs no user code. */
export function abortReason(s: AbortSignal): unknown {
  return reasonOf !== undefined ? reasonOf.call(s) : s.reason;
}

/** What waits for a signal's abort: a parked op (its handleEvent) or a function. */
export type AbortListener = { handleEvent(): void } | (() => void);

/** The parked ops waiting for each signal's abort, in the order they parked. A signal gets one listener
 *  of its own however many ops wait for it: a thousand receives parked on one AbortSignal.timeout()
 *  add one listener (Node warns past ten per signal), and each op leaves by a Set delete. */
const waiting = new WeakMap<AbortSignal, Set<AbortListener>>();

/** The one listener a signal gets: runs every op still waiting, in the order they parked. */
function dispatch(this: AbortSignal): void {
  const set = waiting.get(this);
  if (set === undefined) return;
  waiting.delete(this);
  for (const l of set) {
    // One that throws must not leave the rest parked (each had a listener of its own before).
    try {
      if (typeof l === "function") l();
      else l.handleEvent();
    } catch (e) {
      queueMicrotask(() => { throw e; });
    }
  }
}
const ONCE: AddEventListenerOptions = { once: true };

/** Adds `l` as `s`'s abort listener (once); runs no user code. */
export function onAbort(s: AbortSignal, l: AbortListener): void {
  let set = waiting.get(s);
  if (set === undefined) {
    set = new Set();
    waiting.set(s, set);
    if (addListener !== undefined) addListener.call(s, "abort", dispatch, ONCE);
    else s.addEventListener("abort", dispatch, ONCE);
  }
  set.add(l);
}

/** Removes an abort listener added by onAbort (the signal's own listener goes with the last one). */
export function offAbort(s: AbortSignal, l: AbortListener): void {
  const set = waiting.get(s);
  if (set === undefined || !set.delete(l) || set.size > 0) return;
  waiting.delete(s);
  if (removeListener !== undefined) removeListener.call(s, "abort", dispatch);
  else s.removeEventListener("abort", dispatch);
}

/** Checks the options bag of a blocking operation and returns its signal, if any. Reads `opts.signal`
 *  once (a getter there is user code: callers read options before they touch a channel). */
export function signalOf(opts: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  if (opts === undefined || opts === null) return undefined;
  if (typeof opts !== "object") throw new TypeError("wasmchan: options must be an object");
  const s = opts.signal;
  if (s === undefined || s === null) return undefined;
  if (typeof s !== "object") throw new TypeError("wasmchan: options.signal must be an AbortSignal");
  if (abortedOf !== undefined) {
    // The brand check: AbortSignal's own getter throws for anything that is not one.
    try {
      abortedOf.call(s);
    } catch {
      throw new TypeError("wasmchan: options.signal must be an AbortSignal");
    }
  } else if (typeof (s as AbortSignal).addEventListener !== "function" || !("aborted" in s)) {
    throw new TypeError("wasmchan: options.signal must be an AbortSignal");
  }
  return s;
}

export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const tag = Object.prototype.toString.call(v); // no user code: reads no toString of v's own
  return tag === "[object Object]" ? "an object" : `a ${tag.slice(8, -1)}`;
}
