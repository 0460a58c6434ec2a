// alloc: a size-class allocator whose whole state lives in the heap header in linear memory.
//
// Wasm globals and data segments are per instance, so with one memory shared by many instances
// (workers) no allocator state may live there; it lives at H_* addresses behind H_ALLOC_LOCK.
// Invariants:
// - every block is [class u32][size u32] then the payload; the payload is 8-aligned and the block
//   size (header included) is classSize(class);
// - a free block is on exactly one free list, H_FREE + 4*class, linked through its first payload word;
// - memory is never returned to the system, only reused: a program that creates and drops objects of
//   the same sizes forever runs in constant memory;
// - H_IN_USE is the sum of the sizes of the blocks handed out and not yet freed.
import {
  H_ALLOC_LOCK, H_ALLOC_POISON, H_BUMP, H_MAX_PAGES, H_LAYOUT, H_IN_USE, H_FREE, H_GROW_EPOCH, H_INIT, H_MAGIC, H_NEXT_ID, H_NEXT_TID, H_UID, HEAP_MAGIC,
  MAX_BLOCK, MEMORY_BASE, NCLASSES,
} from "../src/layout";
import { SHARED } from "./flavor";
import { LAYOUT_HASH } from "../src/generated/layout-hash";
import { fetchAdd, lockHeap, unlock } from "./lock";

const BLOCK_HEADER: usize = 8;

/** Size class of a block of `n` bytes (header included): multiples of 16 up to 512, then
 *  four steps per doubling, so no block wastes more than a quarter of itself. */
function classOf(n: usize): u32 {
  if (n <= 512) return <u32>((n + 15) >> 4);
  const b = <u32>(31 - clz<u32>(<u32>n - 1)); // 2^b < n <= 2^(b+1), b >= 9
  const q = <u32>((n - 1) >> (b - 2)); // 4..7
  return 33 + (b - 9) * 4 + (q - 4);
}

function classSize(k: u32): usize {
  if (k <= 32) return <usize>k << 4;
  const b = (k - 33) / 4 + 9;
  const q = (k - 33) % 4 + 4;
  return <usize>(q + 1) << (b - 2);
}

/** Initialises the heap header once per memory, with the heap's random id `uid`; safe to call from
 *  every instance at once (the first one initialises, the others wait for it). */
export function heapInit(uid: u32, maxPages: u32): void {
  if (atomic.cmpxchg<u32>(H_INIT, 0, 1) == 0) {
    store<u32>(H_MAX_PAGES, maxPages);
    store<u32>(H_LAYOUT, <u32>LAYOUT_HASH);
    store<u32>(H_BUMP, MEMORY_BASE);
    store<u32>(H_NEXT_ID, 1);
    store<u32>(H_NEXT_TID, 1);
    store<u32>(H_UID, uid);
    store<u32>(H_MAGIC, HEAP_MAGIC);
    atomic.store<u32>(H_INIT, 2);
    return;
  }
  while (atomic.load<u32>(H_INIT) != 2) {}
}

/** Returns an 8-aligned block of at least `size` bytes, or 0 when memory cannot grow.
 *  Block ends are computed in 64 bits: addresses are u32, and a sum near 4 GiB must fail, not wrap. */
export function alloc(size: usize): usize {
  return allocCounted(size, true);
}

/** alloc for the heap's own bookkeeping (the channel directory): not counted in H_IN_USE, which is
 *  what channels, sudogs and threads hold. Freed with freeMeta. */
export function allocMeta(size: usize): usize {
  return allocCounted(size, false);
}

function allocCounted(size: usize, counted: bool): usize {
  if (size > <usize>MAX_BLOCK) return 0;
  const k = classOf(size + BLOCK_HEADER);
  if (k >= <u32>NCLASSES) return 0;
  const bsize = classSize(k);
  const head = <usize>H_FREE + (<usize>k << 2);
  if (!lockHeap(H_ALLOC_LOCK, H_ALLOC_POISON)) return 0; // reason at T_FAIL
  let block = <usize>load<u32>(head);
  if (block != 0) {
    store<u32>(head, load<u32>(block + BLOCK_HEADER));
  } else {
    block = <usize>load<u32>(H_BUMP);
    const end = <u64>block + <u64>bsize;
    // Never past the memory's maximum (nor the last 16 bytes of the 32-bit space).
    const limit = min<u64>(<u64>load<u32>(H_MAX_PAGES) << 16, 0xffff_fff0);
    if (end > limit) { unlock(H_ALLOC_LOCK); return 0; }
    const have = <u64>memory.size() << 16;
    if (end > have) {
      const pages = <i32>((end - have + 0xffff) >> 16);
      if (memory.grow(pages) < 0) { unlock(H_ALLOC_LOCK); return 0; }
      atomic.add<u32>(H_GROW_EPOCH, 1);
    }
    store<u32>(H_BUMP, <u32>end);
  }
  store<u32>(block, k);
  store<u32>(block, <u32>bsize, 4);
  if (counted) store<u32>(H_IN_USE, load<u32>(H_IN_USE) + <u32>bsize);
  unlock(H_ALLOC_LOCK);
  return block + BLOCK_HEADER;
}

// ---- blocks that own their cache lines (shared memory only)
//
// A channel's header is written by every thread that uses it, and a thread's context and scratch area
// by that thread on every core call. If any two of them share a cache line, each write by one thread
// evicts the line from the others (false sharing): measured here, that alone made a 1 → 1 transfer
// between workers ~1.7× slower. On shared memory such blocks start on a line boundary and span whole
// lines; the underlying block's address is kept in the word just before the payload. On unshared
// memory only one thread ever touches them and they are plain blocks.

const LINE: usize = 64;

/** Like alloc, but on shared memory the payload starts on a cache line and owns every line it touches. */
export function allocLines(size: usize): usize {
  if (!SHARED) return alloc(size);
  if (size > <usize>MAX_BLOCK - LINE) return 0;
  const span = (size + LINE - 1) & ~(LINE - 1);
  const b = alloc(span + LINE);
  if (b == 0) return 0;
  // b is 8-aligned, so the first line boundary after it leaves at least 8 bytes for the back pointer
  // and ends the payload within the block.
  const p = (b + LINE) & ~(LINE - 1);
  store<u32>(p - 4, <u32>b);
  return p;
}

/** Frees a block from allocLines. */
export function freeLines(p: usize): void {
  free(SHARED ? <usize>load<u32>(p - 4) : p);
}

/** Returns a block from alloc to its free list. */
export function free(ptr: usize): void {
  freeCounted(ptr, true);
}

/** Returns a block from allocMeta. */
export function freeMeta(ptr: usize): void {
  freeCounted(ptr, false);
}

function freeCounted(ptr: usize, counted: bool): void {
  const block = ptr - BLOCK_HEADER;
  const k = load<u32>(block);
  const head = <usize>H_FREE + (<usize>k << 2);
  if (!lockHeap(H_ALLOC_LOCK, H_ALLOC_POISON)) return; // the block is lost: a leak, never a double use
  store<u32>(ptr, load<u32>(head));
  store<u32>(head, <u32>block);
  if (counted) store<u32>(H_IN_USE, load<u32>(H_IN_USE) - load<u32>(block, 4));
  unlock(H_ALLOC_LOCK);
}

/** The block size alloc(`size`) hands out (header included). */
export function sizeClassOf(size: usize): u32 {
  return <u32>classSize(classOf(size + BLOCK_HEADER));
}

/** The size of the block holding `ptr` (header included), as counted in H_IN_USE. */
export function blockSize(ptr: usize): u32 {
  return load<u32>(ptr - BLOCK_HEADER, 4);
}

/** A fresh channel id, unique within the heap. */
export function nextId(): u32 {
  return fetchAdd(H_NEXT_ID, 1);
}
