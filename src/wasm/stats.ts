// stats: what a Wasm heap reports about itself (a type only; kept apart from heap.ts so the published
// types of `wasmchan` reach no declaration of the runtime's internals).
import type { Stats } from "../api/index.js";

/** The Wasm core's stats: also its memory footprint and sudog pool. */
export interface HeapStats extends Stats {
  /** Bytes of linear memory carved out for blocks, from the heap's start to the end of its last block:
   *  grows when freed blocks cannot be reused, and comes back down when an allocation that did not fit
   *  merged free blocks and the run at the end was given back (the memory itself never shrinks). */
  bytesReserved: number;
  /** Free sudogs kept for reuse (at most 4096); an allocation that does not fit takes them back as free
   *  memory. */
  pooledSudogs: number;
}
