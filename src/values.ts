// values: a channel's values in and out of the core's memory — codec slots, or for an untyped channel
// handles into this thread's table of the JS values they stand for.
//
// Every operation runs in two phases: first it reads what the caller gave it (options, values: the
// only steps that may run user code — getters, toJSON), then it checks the channel is live and works
// on core memory, running no user code until it is done with that memory. So no user code can
// dispose a channel, move the scratch area or reuse a sudog between a check and the write it guards.

import type { Channel } from "./channel.js";
import { RING_HANDLE } from "./channel.js";

/** Writes a prepared value to the scratch area; returns the area. Runs no user code. */
export function put<T>(ch: Channel<T>, p: unknown): number {
  const ep = ch.heap.scratch(ch.size);
  store(ch, ep, p);
  return ep;
}

/** Validates `v` (TypeError/RangeError); returns what `store` writes. May run user code. */
export function prepare<T>(ch: Channel<T>, v: unknown): unknown {
  return ch.codec === undefined ? v : ch.codec.prepare(v);
}

/** Writes a prepared value at `addr` (a scratch area); `drop(addr)` undoes it. No user code. */
export function store<T>(ch: Channel<T>, addr: number, p: unknown): void {
  if (ch.codec !== undefined) ch.codec.store(ch.heap.views, addr, p);
  else ch.heap.views.u32[addr >>> 2] = hold(ch, p);
}

/** A handle for `v` in the table (0 stands for undefined). */
export function hold<T>(ch: Channel<T>, v: unknown): number {
  if (v === undefined) return 0;
  let vals = ch.vals;
  if (vals === null) {
    vals = ch.vals = [undefined];
    ch.freeHandles = [];
  }
  const free = ch.freeHandles!;
  const h = free.length > 0 ? free.pop()! : vals.length;
  vals[h] = v;
  return h;
}

/** Reads the value at `addr` (scratch or sudog elem), taking ownership of it. */
export function take<T>(ch: Channel<T>, addr: number): T {
  const views = ch.heap.views;
  if (ch.codec !== undefined) return ch.codec.read(views, addr);
  return release(ch, views.u32[addr >>> 2]) as T;
}

/** Forgets a value written by `put` that went nowhere. */
export function drop<T>(ch: Channel<T>, addr: number): void {
  if (ch.codec === undefined) release(ch, ch.heap.views.u32[addr >>> 2]);
}

/** The handle that `write` left at `addr` (untyped channels), else 0. */
export function heldAt<T>(ch: Channel<T>, addr: number): number {
  return ch.codec === undefined ? ch.heap.views.u32[addr >>> 2] : 0;
}

/** Forgets a value by its handle from `heldAt`. */
export function unhold<T>(ch: Channel<T>, h: number): void {
  if (h !== 0) release(ch, h);
}

export function release<T>(ch: Channel<T>, h: number): unknown {
  if (h === 0) return undefined;
  if (h >= RING_HANDLE) {
    const ring = ch.ring!;
    const v = ring[h - RING_HANDLE];
    ring[h - RING_HANDLE] = undefined;
    return v;
  }
  const v = ch.vals![h];
  ch.vals![h] = undefined;
  ch.freeHandles!.push(h);
  return v;
}