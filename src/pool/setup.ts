// What the pool (index.ts) hands each worker it starts (worker.ts): structured-cloneable.
import type { ChanDescriptor } from "../api/chan.js";

export interface Setup {
  /** The user's module (a URL) and the name of the function it exports. */
  module: string;
  name: string;
  jobs: ChanDescriptor;
  results: ChanDescriptor;
  failures: ChanDescriptor;
  /** Jobs a worker takes at once. */
  batch: number;
  /** Every worker's region of held jobs: (batch + 2) u32 words each, [count, reported, ids…]. */
  held: SharedArrayBuffer;
  /** This worker's region. */
  slot: number;
}
