// fastpath: the Wasm bindings' JS fast paths, on unshared memory.
//
// On unshared memory only this thread can touch the channel, so the commonest case — a buffered
// value in or out with nobody parked on the other side — needs no call into the core: it is the
// core's bufsend/bufrecv (assembly/hchan.ts), done on the same fields through the views. Anything
// else (a queue to look at, a full or empty ring, close) goes to the core, which stays the authority.
// Only for slots whose views are aligned: untyped handles and the 1-, 4- and 8-byte codecs.

// Besides the buffer, a send to a parked plain receive and a receive from a parked plain send are done
// here too (handoff, takeParked): the core's dequeue + sendTo/recvFrom + ready on the same fields.
import type { Channel } from "./channel.js";
import { NONE, RING_HANDLE } from "./channel.js";
import { RECV_OK } from "./parked.js";
import {
  C_CLOSED, C_QCOUNT, C_RECVQ, C_RECVX, C_SENDQ, C_SENDX, F_QUEUED, F_SELECT, G_WAITING, H_PARKED_RECV, H_PARKED_SEND,
  Q_LAST, S_CASE, S_ELEM, S_FLAGS, S_NEXT, S_PREV, S_STATE, S_TOKEN,
} from "./layout.js";

export function bufsend<T>(ch: Channel<T>, c: number, v: unknown): boolean {
  const u32 = ch.heap.views.u32;
  const h = c >>> 2;
  const q = u32[h + (C_QCOUNT >>> 2)];
  if (q >= ch.capacity || u32[h + (C_RECVQ >>> 2)] !== 0 || u32[h + (C_CLOSED >>> 2)] !== 0) return false;
  const sendx = u32[h + (C_SENDX >>> 2)];
  if (ch.codec === undefined) {
    // Values only ever leave slot `sendx` into this thread's hands (a receive, here or in the core,
    // whose caller takes the value before anything else runs): until then nothing else uses
    // ring[sendx], so it needs no free list.
    let ring = ch.ring;
    if (ring === null) ring = ch.ring = new Array(ch.capacity);
    ring[sendx] = v;
    u32[(ch.bufAddr >>> 2) + sendx] = v === undefined ? 0 : RING_HANDLE + sendx;
  } else {
    ch.codec.write(ch.heap.views, ch.bufAddr + sendx * ch.size, v);
  }
  u32[h + (C_SENDX >>> 2)] = sendx + 1 === ch.capacity ? 0 : sendx + 1;
  u32[h + (C_QCOUNT >>> 2)] = q + 1;
  return true;
}

/** Takes the ring's head if there is one and no sender is queued; else NONE (the core decides). */
export function bufrecv<T>(ch: Channel<T>, c: number): unknown {
  const u32 = ch.heap.views.u32;
  const h = c >>> 2;
  const q = u32[h + (C_QCOUNT >>> 2)];
  if (q === 0 || u32[h + (C_SENDQ >>> 2)] !== 0) return NONE;
  const recvx = u32[h + (C_RECVX >>> 2)];
  const v = ch.codec === undefined
    ? ch.release(u32[(ch.bufAddr >>> 2) + recvx])
    : ch.codec.read(ch.heap.views, ch.bufAddr + recvx * ch.size);
  u32[h + (C_RECVX >>> 2)] = recvx + 1 === ch.capacity ? 0 : recvx + 1;
  u32[h + (C_QCOUNT >>> 2)] = q - 1;
  return v;
}

/** Hands `v` to the first parked receiver if it is a plain receive of this thread (no select, no
 *  signal, diagnostics off) and the channel is open: what the core's chansend does then (dequeue,
 *  sendTo, ready), done on the same fields through the views, without the value's round trip through
 *  the core. False when the core must decide. Throws, changing nothing, if `v` does not fit the codec. */
export function handoff<T>(ch: Channel<T>, c: number, v: unknown): boolean {
  const views = ch.heap.views;
  const u32 = views.u32;
  const h = c >>> 2;
  const sg = u32[h + (C_RECVQ >>> 2)];
  if (sg === 0 || u32[h + (C_CLOSED >>> 2)] !== 0) return false;
  const s = sg >>> 2;
  if ((u32[s + (S_FLAGS >>> 2)] & F_SELECT) !== 0 || u32[s + (S_STATE >>> 2)] !== G_WAITING) return false;
  const slot = u32[s + (S_TOKEN >>> 2)];
  const w = ch.waiters![slot];
  if (typeof w !== "function") return false; // a Waiter (signal, diagnostics) settles through the core
  let value = v;
  if (ch.codec !== undefined) {
    // What a receiver gets is what the slot holds: store, then read back (it may throw: nothing changed).
    ch.codec.write(views, sg + S_ELEM, v);
    value = ch.codec.read(views, sg + S_ELEM);
  }
  // dequeue: unlink the head (waitq.ts), then release the sudog (ready() does on unshared memory).
  const next = u32[s + (S_NEXT >>> 2)];
  u32[h + (C_RECVQ >>> 2)] = next;
  if (next === 0) u32[h + ((C_RECVQ + Q_LAST) >>> 2)] = 0;
  else u32[(next + S_PREV) >>> 2] = 0;
  u32[s + (S_NEXT >>> 2)] = 0;
  u32[s + (S_FLAGS >>> 2)] &= ~F_QUEUED;
  u32[H_PARKED_RECV >>> 2]--;
  const wantsOk = views.i32[s + (S_CASE >>> 2)] === RECV_OK;
  ch.heap.core.releaseSudog(sg);
  ch.freeSlot(slot);
  w(wantsOk ? { value, ok: true } : value); // last: resolving reads `then` (user code)
  return true;
}

/** Receives from the first parked sender if it is a plain send of this thread (no select, no signal,
 *  diagnostics off): what the core's chanrecv does then (dequeue, recvFrom, ready) through the views —
 *  unbuffered, its value; buffered (the ring is full), the ring's head, the sender's value going to the
 *  tail — and resolves the sender. NONE when the core must decide. Runs no user code. */
export function takeParked<T>(ch: Channel<T>, c: number): unknown {
  const views = ch.heap.views;
  const u32 = views.u32;
  const h = c >>> 2;
  const sg = u32[h + (C_SENDQ >>> 2)];
  if (sg === 0) return NONE;
  const s = sg >>> 2;
  if ((u32[s + (S_FLAGS >>> 2)] & F_SELECT) !== 0 || u32[s + (S_STATE >>> 2)] !== G_WAITING) return NONE;
  const slot = u32[s + (S_TOKEN >>> 2)];
  const w = ch.waiters![slot];
  if (typeof w !== "function") return NONE;
  let value: unknown;
  if (ch.capacity === 0) {
    value = ch.take(sg + S_ELEM);
  } else {
    // Full ring: the head out, the sender's value in at the same slot (it is the tail), FIFO kept.
    const recvx = u32[h + (C_RECVX >>> 2)];
    const at = ch.bufAddr + recvx * ch.size;
    value = ch.take(at);
    if (ch.size === 4) u32[at >>> 2] = u32[(sg + S_ELEM) >>> 2];
    else views.u8.copyWithin(at, sg + S_ELEM, sg + S_ELEM + ch.size);
    const next = recvx + 1 === ch.capacity ? 0 : recvx + 1;
    u32[h + (C_RECVX >>> 2)] = next;
    u32[h + (C_SENDX >>> 2)] = next;
  }
  const next = u32[s + (S_NEXT >>> 2)];
  u32[h + (C_SENDQ >>> 2)] = next;
  if (next === 0) u32[h + ((C_SENDQ + Q_LAST) >>> 2)] = 0;
  else u32[(next + S_PREV) >>> 2] = 0;
  u32[s + (S_NEXT >>> 2)] = 0;
  u32[s + (S_FLAGS >>> 2)] &= ~F_QUEUED;
  u32[H_PARKED_SEND >>> 2]--;
  ch.heap.core.releaseSudog(sg);
  ch.rejects![slot] = undefined!;
  ch.freeSlot(slot);
  w(undefined);
  return value;
}
