// wasmchan/pure: the same API as `wasmchan`, with the channel runtime in plain TypeScript (one
// thread, values stored as they are). The baseline the Wasm core is measured against.
/**
 * The same API as `wasmchan`, with the channel runtime in plain TypeScript (one thread, values stored
 * as they are): the baseline the Wasm core is measured against, and the oracle of the differential tests.
 *
 * @module wasmchan/pure
 */
import { type After, type MakeChan, type SeedSelect, type StatsOf } from "./api/index.js";
import { optionsOf } from "./api/options.js";
import { afterOn } from "./api/after.js";
import { makeChan } from "./pure/chan.js";
import { selectseed } from "./pure/select.js";
import { census } from "./pure/waitq.js";

export * from "./api/index.js";

/** Go's `make(chan T, n)`: see MakeChan. */
export const chan: MakeChan = (n, opts) => {
  const o = optionsOf(opts);
  return makeChan(n, o?.codec, o?.name);
};

/** Go's `time.After(ms)`: see After. */
export const after: After = (ms) => afterOn(ms, () => makeChan<number>(1, undefined));

// bytesInUse is an estimate of the JS heap the runtime itself holds for the channels it tracks (those
// that ever parked an op: see waitq.ts) and for parked operations, not counting the values carried.
// V8 on 64 bits without pointer compression (Node's default build): an object is a 24-byte header
// plus 8 bytes a field.
// - a channel: the PureChan (19 fields, 176 bytes) and its two WaitQ objects (40 each);
// - a ring slot: one 8-byte element of the ring array (the ring starts at min(cap, 16) slots and
//   doubles up to cap as it fills; it never shrinks until the channel goes);
// - a queued sudog: 7 fields, 80 bytes (a select's, SelectSudog: 11 fields, 112 bytes);
// - a parked op or select (its g): a Promise and its resolving functions, about 163 bytes.
// Measured (bench/memory-child.mjs, 40,000 each): a parked receive 239-243 bytes in all; an idle
// chan(16), with its 16-slot ring, 432-441 bytes.
const CHAN_BYTES = 256;
const SLOT_BYTES = 8;
const SUDOG_BYTES = 80;
const G_BYTES = 163;

/** Counters of this thread's local channels: see Stats. */
export const stats: StatsOf = () => {
  const t = census();
  return {
    channels: t.channels,
    parkedSenders: t.send,
    parkedReceivers: t.recv,
    bytesInUse: t.channels * CHAN_BYTES + t.ringSlots * SLOT_BYTES + (t.send + t.recv) * SUDOG_BYTES + t.gs * G_BYTES,
  };
};

/** Seeds select's poll order (tests): see SeedSelect. */
export const __seedSelect: SeedSelect = (seed) => selectseed(seed);
