// lifetime: how a Wasm-core channel comes to hold linear memory, and how it lets go of it — made with
// its arguments checked, registered to be freed when collected, disposed, shared, or given back when
// its thread ends.
import { type ChanDescriptor, nameChan } from "../api/chan.js";
import { Codec, isCodec } from "../api/codecs.js";
import { checkCapacity } from "../api/errors.js";
import { C_ID, HCHAN_SHARED_SIZE, HCHAN_SIZE, MAX_RING_BYTES, RING_SMALL_SLOT, RING_STAMP_PAD } from "../abi/layout.js";
import type { Heap } from "./heap.js";
import { WasmChan } from "./chan.js";

export const DESCRIPTOR_VERSION = 1;

/** Frees a local channel nobody can reach. The registry holds just its address (an object per channel
 *  would double what GC pays for the registry; unregister tokens cost V8 as much again). A channel freed
 *  by dispose leaves a mark here, so its collection frees nothing — the address may be reused by then.
 *  Only channels that moved into linear memory are registered (their first park): making and dropping
 *  channels that never wait costs the registry nothing. */
const disposedLocal = new Map<number, number>();
const reclaimLocal = new FinalizationRegistry<number>((c) => {
  const marks = disposedLocal.get(c);
  if (marks !== undefined) {
    if (marks === 1) disposedLocal.delete(c);
    else disposedLocal.set(c, marks - 1);
    return;
  }
  localHeapOf!.core.freechan(c);
});
let localHeapOf: Heap | undefined;

/** Drops this thread's reference to a shared channel nobody here can reach (freed with the last
 *  reference, from whichever thread drops it); `c` is zeroed once dispose or detach released it. */
interface Cell {
  heap: Heap;
  c: number;
}
const reclaimShared = new FinalizationRegistry<Cell>(({ heap, c }) => {
  if (c === 0) return;
  heap.forgetChan(c);
  heap.core.chanrelease(heap.t, c);
});
const cells = new WeakMap<WasmChan<any>, Cell>();

/** `ch` now holds the hchan at `c` (new, or attached): free it when `ch` is collected. */
export function enterCore(ch: WasmChan<any>, c: number): void {
  const heap = ch.heap;
  if (heap.shared) {
    heap.rememberChan(c, ch);
    const cell = { heap, c };
    cells.set(ch, cell);
    reclaimShared.register(ch, cell);
  } else {
    localHeapOf = heap;
    reclaimLocal.register(ch, c);
  }
}

/** `ch` was disposed: let go of its hchan at `c` now (the core closed it already). */
export function leaveCore(ch: WasmChan<any>, c: number): void {
  const heap = ch.heap;
  if (heap.shared) {
    cells.get(ch)!.c = 0;
    heap.forgetChan(c);
    heap.core.chanrelease(heap.t, c);
  } else {
    disposedLocal.set(c, (disposedLocal.get(c) ?? 0) + 1);
    heap.core.freechan(c);
  }
}

/** This thread is ending: give back its reference to the shared channel `ch` (no close). */
export function detach(ch: WasmChan<any>): void {
  const c = ch.c;
  const cell = cells.get(ch);
  if (c === 0 || cell === undefined) return;
  ch.c = 0;
  ch.disposed = true;
  cell.c = 0;
  ch.heap.core.chanrelease(ch.heap.t, c);
}

/** share(): a descriptor of a shared channel, which keeps it alive until attached. */
export function sharep(ch: WasmChan<any>): ChanDescriptor {
  const heap = ch.heap;
  if (!heap.shared) {
    throw new TypeError("wasmchan: only channels of a SharedHeap can be shared; local channels live in one thread's memory");
  }
  const c = ch.c;
  heap.core.chanshare(c);
  return {
    wasmchan: DESCRIPTOR_VERSION, memory: heap.memory, module: heap.module, c,
    id: heap.views.u32[(c + C_ID) >>> 2], cap: ch.cap, codec: ch.codec!.name,
  };
}

/** Builds a channel on `heap` after checking the arguments. */
export function makeChan<T>(heap: Heap, cap: unknown, codec: unknown, name?: unknown): WasmChan<T> {
  if (codec !== undefined && !isCodec(codec)) {
    throw new TypeError("wasmchan: codec must be one of codecs.* (e.g. codecs.i32, codecs.bytes(64))");
  }
  const size = codec === undefined ? 4 : (codec as Codec).size;
  const n = checkCapacity(cap, size);
  // A shared ring's slots carry a stamp besides the value (assembly/ring.ts).
  const stride = !heap.shared ? size : size <= 4 ? RING_SMALL_SLOT : size + RING_STAMP_PAD;
  if (n * stride > MAX_RING_BYTES) {
    throw new RangeError(`wasmchan: a shared channel of capacity ${n} with ${size}-byte values needs ${n * stride} bytes (${stride} per slot, its stamp included); a channel's buffer holds at most ${MAX_RING_BYTES} bytes (${Math.floor(MAX_RING_BYTES / stride)} slots of this size)`);
  }
  const bytes = (heap.shared ? HCHAN_SHARED_SIZE : HCHAN_SIZE) + n * stride;
  if (bytes > heap.maxBytes) {
    throw new RangeError(`wasmchan: a channel of capacity ${n} with ${stride}-byte slots needs ${bytes} bytes, more than its heap can ever hold (${heap.maxBytes} bytes)`);
  }
  if (name !== undefined && typeof name !== "string") throw new TypeError("wasmchan: a channel's name must be a string");
  const ch = new WasmChan<T>(heap, n, codec as Codec<T> | undefined);
  if (name !== undefined) nameChan(ch, name);
  return ch;
}
