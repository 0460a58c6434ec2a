// promises: the Promise plumbing both cores share, so that parking costs one Promise and no closure.
import { abortReason, onAbort } from "./errors.js";
import { parked } from "./preempt.js";

/** What a send that completed at once returns: one resolved Promise for all of them. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** One executor for every parked op's Promise: `new Promise(capture)` leaves its resolvers in
 *  `captured`, to be read at once (nothing runs in between). */
export const captured = { resolve: (_: any): void => {}, reject: (_: unknown): void => {} };
export function capture(resolve: (v: any) => void, reject: (e: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

const never = new Promise<never>(() => {});

/** Go's `select {}`: never resolves — unless `signal` aborts, which rejects with its reason. */
export function blockForever(signal: AbortSignal | undefined): Promise<never> {
  parked();
  if (signal === undefined) return never;
  return new Promise((_, reject) => onAbort(signal, () => reject(abortReason(signal))));
}
