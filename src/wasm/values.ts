// values: how a Wasm-core channel's values cross into linear memory and back. A typed channel's codec
// writes and reads them in place; an untyped channel's JS values stay in JS, and the memory holds a
// handle for each (a u32; 0 stands for undefined).
import { Chan } from "../api/chan.js";
import type { Codec } from "../api/codecs.js";
import type { Heap } from "./heap.js";
import { useOfDisposed } from "../api/errors.js";

/** "No value": fastrecv found nothing it may take. */
export const NONE: unknown = Symbol("none");
/** Handles at or above this name values the JS fast path put in the ring (see `slots`). */
export const RING_HANDLE = 0x8000_0000;

export abstract class WasmValues<T> extends Chan<T> {
  /** @internal Bytes per value in the core. */
  readonly size: number;
  /** Untyped channels: the JS values that handles in the channel's memory stand for. A handle with
   *  RING_HANDLE set names `slots[h & ~RING_HANDLE]`, the value fastsend buffered in ring slot
   *  h & ~RING_HANDLE; any other handle names `vals[h]`, taken from a free list. */
  private vals: unknown[] | null = null;
  private freeHandles: number[] | null = null;
  /** @internal */
  slots: unknown[] | null = null;
  /** @internal Set by dispose (or when this thread gives the channel back): every later op throws. */
  disposed = false;
  /** @internal Called with the number of parked ops whenever it goes from 0 to 1 or back (after()'s
   *  timer holds the process open only while someone waits). */
  watch: ((parked: number) => void) | undefined = undefined;

  constructor(readonly heap: Heap, readonly codec: Codec<T> | undefined) {
    super();
    this.size = codec === undefined ? 4 : codec.size;
  }

  live(): void {
    if (this.disposed) throw useOfDisposed();
  }

  check(v: unknown): unknown {
    return this.codec === undefined ? v : this.codec.prepare(v);
  }

  /** @internal A checked value as the JS ring keeps it (a snapshot of anything mutable), and back. */
  snap(p: unknown): unknown {
    return this.codec === undefined ? p : this.codec.snap(p);
  }

  /** @internal */
  unsnap(s: unknown): T {
    return this.codec === undefined ? (s as T) : this.codec.unpack(s);
  }

  /** The zero value. */
  zero(): T {
    return this.codec === undefined ? (undefined as T) : this.codec.zero();
  }

  /** @internal Writes a checked value at `addr` (a scratch area); `drop(addr)` undoes it. No user code. */
  store(addr: number, p: unknown): void {
    if (this.codec !== undefined) this.codec.store(this.heap.views, addr, p);
    else this.heap.views.u32[addr >>> 2] = this.hold(p);
  }

  /** Writes a checked value to the scratch area; returns the area. */
  /** @internal */
  put(p: unknown): number {
    const ep = this.heap.scratch(this.size);
    this.store(ep, p);
    return ep;
  }

  hold(v: unknown): number {
    if (v === undefined) return 0;
    let vals = this.vals;
    if (vals === null) {
      vals = this.vals = [undefined];
      this.freeHandles = [];
    }
    const free = this.freeHandles!;
    const h = free.length > 0 ? free.pop()! : vals.length;
    vals[h] = v;
    return h;
  }

  /** @internal Reads the value at `addr` (scratch or sudog elem), taking ownership of it. */
  take(addr: number): T {
    const views = this.heap.views;
    if (this.codec !== undefined) return this.codec.read(views, addr);
    return this.release(views.u32[addr >>> 2]) as T;
  }

  /** @internal Forgets a value written by `store` that went nowhere. */
  drop(addr: number): void {
    if (this.codec === undefined) this.release(this.heap.views.u32[addr >>> 2]);
  }

  /** @internal The handle that `store` left at `addr` (untyped channels), else 0. */
  heldAt(addr: number): number {
    return this.codec === undefined ? this.heap.views.u32[addr >>> 2] : 0;
  }

  /** @internal Forgets a value by its handle from `heldAt`. */
  unhold(h: number): void {
    if (h !== 0) this.release(h);
  }

  release(h: number): unknown {
    if (h === 0) return undefined;
    if (h >= RING_HANDLE) {
      const slots = this.slots!;
      const v = slots[h - RING_HANDLE];
      slots[h - RING_HANDLE] = undefined;
      return v;
    }
    const v = this.vals![h];
    this.vals![h] = undefined;
    this.freeHandles!.push(h);
    return v;
  }

  /** @internal Lets go of every value this channel holds for the core (dispose). */
  forgetValues(): void {
    if (this.vals !== null) {
      this.vals.length = 1;
      this.freeHandles!.length = 0;
    }
    this.slots = null;
  }
}
