// ring: the JS side of an unshared channel's ring buffer (assembly/ring.ts holds the design): only this
// thread runs and the ring has no stamps, so its length and one buffered value in or out are read and
// written on the same two positions as the core, without a call.
import { C_HEAD, C_TAIL, P_CLOSED, P_HOLD, P_LAP } from "../abi/layout.js";

/** Values in the ring of the unshared channel at `c` (shared ones ask the core, which reads the two
 *  positions atomically). */
export function ringLen(u32: Uint32Array, c: number, cap: number): number {
  if (cap === 0) return 0;
  const h = (c + C_HEAD) >>> 2;
  const t = (c + C_TAIL) >>> 2;
  return ((u32[t + 1] - u32[h + 1]) & P_LAP) !== 0 ? cap - u32[h] + u32[t] : u32[t] - u32[h];
}

/** Unshared memory: the slot index a send may fill now (a value in, nobody parked, not closed, room
 *  left), or -1 when the core must decide. The caller fills it, then calls `pushed`. */
export function pushSlot(u32: Uint32Array, c: number, cap: number): number {
  const h = (c + C_HEAD) >>> 2;
  const t = (c + C_TAIL) >>> 2;
  const thi = u32[t + 1];
  if ((thi & (P_HOLD | P_CLOSED)) !== 0) return -1;
  const ti = u32[t];
  const n = ((thi - u32[h + 1]) & P_LAP) !== 0 ? cap - u32[h] + ti : ti - u32[h];
  return n < cap ? ti : -1;
}

/** Unshared memory: the slot index a receive may take now (nobody parked, a value buffered), or -1.
 *  The caller reads it, then calls `popped`. */
export function popSlot(u32: Uint32Array, c: number): number {
  const h = (c + C_HEAD) >>> 2;
  const t = (c + C_TAIL) >>> 2;
  const hhi = u32[h + 1];
  if ((hhi & P_HOLD) !== 0) return -1;
  const hi = u32[h];
  return hi !== u32[t] || ((u32[t + 1] - hhi) & P_LAP) !== 0 ? hi : -1;
}

/** Advances the position at word `w` (its index, then its lap and flags) by one slot of `cap`. */
function advance(u32: Uint32Array, w: number, cap: number): void {
  const i = u32[w] + 1;
  if (i < cap) {
    u32[w] = i;
  } else {
    const hi = u32[w + 1];
    u32[w] = 0;
    u32[w + 1] = (hi & ~P_LAP) | ((hi + 1) & P_LAP);
  }
}

export function pushed(u32: Uint32Array, c: number, cap: number): void {
  advance(u32, (c + C_TAIL) >>> 2, cap);
}

export function popped(u32: Uint32Array, c: number, cap: number): void {
  advance(u32, (c + C_HEAD) >>> 2, cap);
}

/** Unshared memory, a new channel's empty ring: its first `n` slots were filled (promotion). */
export function filled(u32: Uint32Array, c: number, cap: number, n: number): void {
  const t = (c + C_TAIL) >>> 2;
  u32[t] = n === cap ? 0 : n;
  u32[t + 1] = n === cap && n !== 0 ? 1 : 0;
}
