// wasmchan: Go's channels for JavaScript, with the channel runtime in WebAssembly linear memory.
import { type After, type MakeChan, type SeedSelect, type StatsOf } from "./api/index.js";
import { optionsOf } from "./api/options.js";
import { afterOn } from "./api/after.js";
import { localHeap } from "./wasm/heap.js";
import { makeChan } from "./wasm/lifetime.js";

export * from "./api/index.js";
export { SharedHeap, attach } from "./wasm/shared.js";
export type { HeapStats } from "./wasm/stats.js";

export const chan: MakeChan = (n, opts) => {
  const o = optionsOf(opts);
  return makeChan(localHeap(), n, o?.codec, o?.name);
};

export const after: After = (ms) => afterOn(ms, () => makeChan<number>(localHeap(), 1, undefined));

export const stats: StatsOf = () => localHeap().stats();

export const __seedSelect: SeedSelect = (seed) => {
  const heap = localHeap();
  heap.core.selectseed(heap.t, seed >>> 0);
};
