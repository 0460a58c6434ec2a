// Every error the library raises, in one place. Channel misuse is Go's panic, with Go's text.

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

export function outOfMemory(): RangeError {
  return new RangeError("wasmchan: out of channel memory");
}

/** Checks a channel capacity as Go's makechan does (but as a RangeError, before anything happens). */
export function checkCapacity(n: unknown): number {
  if (n === undefined) return 0;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`wasmchan: channel capacity must be a safe integer >= 0, got ${describe(n)}`);
  }
  return n === 0 ? 0 : n; // -0 is 0: Go's cap() is an int
}

/** Checks the options bag of a blocking operation and returns its signal, if any. */
export function signalOf(opts: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  if (opts === undefined || opts === null) return undefined;
  if (typeof opts !== "object") throw new TypeError("wasmchan: options must be an object");
  const s = opts.signal;
  if (s === undefined || s === null) return undefined;
  if (typeof s !== "object" || typeof (s as AbortSignal).addEventListener !== "function" || !("aborted" in s)) {
    throw new TypeError("wasmchan: options.signal must be an AbortSignal");
  }
  return s;
}

export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  return typeof v === "function" ? "a function" : Object.prototype.toString.call(v);
}
