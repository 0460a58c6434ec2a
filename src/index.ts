// wasmchan: Go's channels for JavaScript, with the channel runtime in WebAssembly linear memory.
/**
 * Go's channels for JavaScript and TypeScript, with the channel runtime in WebAssembly linear memory:
 * local channels (`chan`), channels shared across workers (`SharedHeap`, `attach`), `select`, codecs,
 * diagnostics.
 *
 * @module wasmchan
 */
import { type After, type MakeChan, type SeedSelect, type StatsOf } from "./api/index.js";
import { optionsOf } from "./api/options.js";
import { afterOn } from "./api/after.js";
import { localHeap } from "./wasm/heap.js";
import { makeChan } from "./wasm/lifetime.js";

export * from "./api/index.js";
export { SharedHeap, attach } from "./wasm/shared.js";
export type { HeapStats } from "./wasm/stats.js";

/** Go's `make(chan T, n)`: see MakeChan. */
export const chan: MakeChan = (n, opts) => {
  const o = optionsOf(opts);
  return makeChan(localHeap(), n, o?.codec, o?.name);
};

/** Go's `time.After(ms)`: see After. */
export const after: After = (ms) => afterOn(ms, () => makeChan<number>(localHeap(), 1, undefined));

/** Counters of this thread's local channels: see Stats. */
export const stats: StatsOf = () => localHeap().stats();

/** Seeds select's poll order (tests): see SeedSelect. */
export const __seedSelect: SeedSelect = (seed) => {
  const heap = localHeap();
  heap.core.selectseed(heap.t, seed >>> 0);
};
