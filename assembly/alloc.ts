// alloc: a size-class allocator whose whole state lives in the heap header in linear memory.
//
// Wasm globals and data segments are per instance, so with one memory shared by many instances
// (workers) no allocator state may live there; it lives at H_* addresses behind H_ALLOC_LOCK.
// Invariants (they hold whenever H_ALLOC_LOCK is free; only the slow paths below break them for a while):
// - the blocks tile [MEMORY_BASE, H_BUMP) with no gap: the block after the one at b starts at
//   b + size(b). A block is [class u32][size u32] then the payload; its size (header included) is
//   classSize(class), a multiple of 16, so blocks start 16-aligned and payloads are 8-aligned;
// - the class word of a block is its class, with FREE set exactly when the block is on a free list;
//   a free block is on exactly one list, H_FREE + 4*class, linked through its first payload word;
//   handed-out blocks and pooled sudogs (sudog.ts) have FREE clear;
// - H_IN_USE is the sum of the sizes of the blocks handed out by alloc and not yet freed (not those of
//   allocMeta, nor pooled sudogs);
// - memory is never returned to the system, only reused: a program that creates and drops objects of
//   the same sizes forever runs in constant memory, and a heap whose objects were all dropped can serve
//   any block that fits in it (the merge pass below puts its free blocks back together).
//
// Merging free blocks. alloc's fast path is a free-list pop or a bump. Only when both fail (and no
// larger free block can be split) does it run a merge pass, then tries once more: the pass drains the
// sudog pool into free blocks, walks every block from MEMORY_BASE to H_BUMP, and joins each maximal
// run of free neighbours. A run that ends at H_BUMP lowers H_BUMP; any other run is carved again into
// class-sized free blocks, largest first, and the free lists are rebuilt from the walk.
//
// Threads that die. A terminated thread stops at a loop header or a function entry. Every critical
// section under H_ALLOC_LOCK is straight-line (no loop, no call that is not inlined), so a thread can
// only die holding the lock where the allocator is consistent, except in slow paths that loop: they run
// with H_COALESCING = 1, set on entry and cleared on exit (plain stores under the lock). The contract
// with whoever reaps a thread that died holding H_ALLOC_LOCK: if H_COALESCING is 0 the allocator is
// consistent and the lock may simply be released; if it is 1 the free lists cannot be trusted, the
// reaper sets H_ALLOC_POISON, and from then on alloc returns 0. The pass may
// also hold H_DIR_LOCK for a while (dirTakeIfEmpty), inside the same H_COALESCING = 1 window.
import {
  H_ALLOC_LOCK, H_ALLOC_POISON, H_BUMP, H_COALESCING, H_FRESH, H_MAX_PAGES, H_LAYOUT, H_IN_USE, H_FREE, H_GROW_EPOCH, H_INIT,
  H_MAGIC, H_NEXT_ID, H_NEXT_TID, H_POOL, H_POOL_LEN, H_UID, HEAP_MAGIC, MAX_BLOCK, MEMORY_BASE, NCLASSES, S_NEXT,
} from "../src/abi/layout";
import { SHARED } from "./flavor";
import { LAYOUT_HASH } from "../src/generated/layout-hash";
import { fetchAdd, lockHeap, unlock } from "./lock";
import { dirTakeIfEmpty } from "./directory";

const BLOCK_HEADER: usize = 8;
/** Set in the class word of a block on a free list. Classes are below NCLASSES, far from this bit. */
const FREE: u32 = 0x8000_0000;
/** The smallest block: class 1, a header and one 8-byte word. */
const MIN_BLOCK: usize = 16;
/** The largest block the allocator ever makes: the class of a MAX_BLOCK payload, 2 GiB. Carving makes
 *  no bigger block (a larger class's size would not fit in 32 bits). */
const MAX_CARVE: usize = 0x8000_0000;

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

/** The largest class size that fits in `n` bytes (a positive multiple of 16), at most MAX_CARVE:
 *  what is left, n minus it, is again a multiple of 16, so carving n greedily is exact. */
function carveSize(n: usize): usize {
  if (n >= MAX_CARVE) return MAX_CARVE;
  if (n <= 512) return n; // every multiple of 16 up to 512 is a class size
  // 2^e <= n < 2^(e+1) with e >= 9: the class sizes in between are 4, 5, 6 and 7 times 2^(e-2)
  // (a multiple of 128), so rounding n down to a multiple of 2^(e-2) gives the largest.
  const step = <usize>1 << <usize>(29 - clz<u32>(<u32>n));
  return n & ~(step - 1);
}

/** Initialises the heap header once per memory, with the heap's random id `uid`; safe to call from
 *  every instance at once (the first one initialises, the others wait for it). */
export function heapInit(uid: u32, maxPages: u32): void {
  if (atomic.cmpxchg<u32>(H_INIT, 0, 1) == 0) {
    store<u32>(H_MAX_PAGES, maxPages);
    store<u32>(H_LAYOUT, <u32>LAYOUT_HASH);
    store<u32>(H_BUMP, MEMORY_BASE);
    store<u32>(H_FRESH, MEMORY_BASE);
    store<u32>(H_NEXT_ID, 1);
    store<u32>(H_NEXT_TID, 1);
    store<u32>(H_UID, uid);
    store<u32>(H_MAGIC, HEAP_MAGIC);
    atomic.store<u32>(H_INIT, 2);
    return;
  }
  while (atomic.load<u32>(H_INIT) != 2) {}
}

// ---- free lists and the bump pointer (the lock is held; straight-line code only)

/** The free list of class `k`. */
@inline function freeList(k: u32): usize {
  return <usize>H_FREE + (<usize>k << 2);
}

/** Puts block `b` of class `k` (its size word already set) on its free list, marked FREE. */
@inline function push(b: usize, k: u32): void {
  const head = freeList(k);
  store<u32>(b, k | FREE);
  store<u32>(b + BLOCK_HEADER, load<u32>(head));
  store<u32>(head, <u32>b);
}

/** Takes a block off the free list of class `k` (its class word still has FREE set); 0 if empty. */
@inline function pop(k: u32): usize {
  const head = freeList(k);
  const b = <usize>load<u32>(head);
  if (b != 0) store<u32>(head, load<u32>(b + BLOCK_HEADER));
  return b;
}

/** The end the memory may never pass: its maximum, and never the last 16 bytes of the 32-bit space. */
@inline function memoryLimit(): u64 {
  return min<u64>(<u64>load<u32>(H_MAX_PAGES) << 16, 0xffff_fff0);
}

/** Carves a new block of `bsize` bytes at H_BUMP, growing the memory if needed; 0 when it cannot.
 *  Block ends are computed in 64 bits: addresses are u32, and a sum near 4 GiB must fail, not wrap. */
@inline function bump(bsize: usize): usize {
  const block = <usize>load<u32>(H_BUMP);
  const end = <u64>block + <u64>bsize;
  if (end > memoryLimit()) return 0;
  const have = <u64>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
    atomic.add<u32>(H_GROW_EPOCH, 1);
  }
  store<u32>(H_BUMP, <u32>end);
  if (end > <u64>load<u32>(H_FRESH)) {
    zeroed = <usize>load<u32>(H_FRESH) <= block;
    store<u32>(H_FRESH, <u32>end);
  }
  return block;
}

/** Whether this thread's last alloc handed out memory never used before (all zero). A Wasm global:
 *  per instance, so per thread, read right after the call. */
let zeroed = false;

export function allocZeroed(): bool {
  return zeroed;
}

// ---- alloc and free

/** Returns an 8-aligned block of at least `size` bytes, or 0 when there is no room for it even after
 *  merging free blocks (or the allocator is poisoned, see the top of this file). */
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
  if (!lockHeap(H_ALLOC_LOCK, H_ALLOC_POISON)) return 0; // reason at T_FAIL
  // A thread died in a merge pass: the free lists may be half rebuilt, never hand out from them.
  if (load<u32>(H_ALLOC_POISON) != 0) { unlock(H_ALLOC_LOCK); return 0; }
  zeroed = false;
  let block = pop(k);
  if (block == 0) block = bump(bsize);
  if (block == 0) block = allocSlow(k, bsize);
  if (block == 0) { unlock(H_ALLOC_LOCK); return 0; }
  store<u32>(block, k); // clears FREE
  store<u32>(block, <u32>bsize, 4);
  if (counted) store<u32>(H_IN_USE, load<u32>(H_IN_USE) + <u32>bsize);
  unlock(H_ALLOC_LOCK);
  return block + BLOCK_HEADER;
}

/** alloc's slow path, with the lock held, when class `k` has no free block and the bump pointer cannot
 *  carve `bsize` more bytes: splits a larger free block, else merges free blocks and tries again.
 *  Returns the block, off every free list (its header is the caller's to write), or 0. */
function allocSlow(k: u32, bsize: usize): usize {
  // Beyond what the whole memory could ever hold: no merge can help.
  if (<u64>bsize > memoryLimit() - <u64>MEMORY_BASE) return 0;
  store<u32>(H_COALESCING, 1);
  let block = split(k, bsize);
  if (block == 0) {
    coalesce();
    block = pop(k);
    if (block == 0) block = bump(bsize);
    if (block == 0) block = split(k, bsize);
  }
  store<u32>(H_COALESCING, 0);
  return block;
}

/** Takes the smallest free block of a class above `k`, keeps its first `bsize` bytes (classSize(k))
 *  for the caller and puts the rest back as free blocks; 0 if there is none. */
function split(k: u32, bsize: usize): usize {
  for (let j = k + 1; j < <u32>NCLASSES; j++) {
    const b = pop(j);
    if (b != 0) {
      carve(b + bsize, b + <usize>load<u32>(b, 4));
      return b;
    }
  }
  return 0;
}

/** Makes [p, end) (a multiple of 16 bytes, maybe empty) into free blocks, largest class first. */
function carve(p: usize, end: usize): void {
  while (p < end) {
    const s = carveSize(end - p);
    store<u32>(p, <u32>s, 4);
    push(p, classOf(s)); // s is a class size, so classOf(s) is its class
    p += s;
  }
}

/** The merge pass (the lock is held, H_COALESCING is 1). Merges every maximal run of free blocks;
 *  a run at the end of the heap is given back to the bump pointer, the others are carved again. */
function coalesce(): void {
  // Pooled sudogs are free memory kept for reuse (not in H_IN_USE): they become free blocks.
  for (let sg = <usize>load<u32>(H_POOL); sg != 0; ) {
    const next = <usize>load<u32>(sg, S_NEXT);
    store<u32>(sg - BLOCK_HEADER, load<u32>(sg - BLOCK_HEADER) | FREE);
    sg = next;
  }
  store<u32>(H_POOL, 0);
  store<u32>(H_POOL_LEN, 0);
  // An emptied shared heap keeps no channel directory in the middle of its memory.
  if (SHARED) {
    const d = dirTakeIfEmpty();
    if (d != 0) store<u32>(d - BLOCK_HEADER, load<u32>(d - BLOCK_HEADER) | FREE);
  }
  // Every free block is marked FREE: the lists are rebuilt from the walk.
  memory.fill(H_FREE, 0, <usize>NCLASSES << 2);
  const top = <usize>load<u32>(H_BUMP);
  let run: usize = 0; // start of the run of free blocks the walk is in, 0 if none
  let b: usize = MEMORY_BASE;
  while (b < top) {
    const size = <usize>load<u32>(b, 4);
    // Sizes are exact by the invariants; this only keeps a corrupt heap from looping for ever (the
    // blocks past b then stay out of the lists: lost, never handed out twice).
    if (size < MIN_BLOCK || size > top - b) break;
    if ((load<u32>(b) & FREE) != 0) {
      if (run == 0) run = b;
    } else if (run != 0) {
      carve(run, b);
      run = 0;
    }
    b += size;
  }
  if (run != 0) {
    if (b == top) store<u32>(H_BUMP, <u32>run);
    else carve(run, b);
  }
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

/** Returns a block from alloc to its free list (merged with its free neighbours by the next pass). */
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
  if (!lockHeap(H_ALLOC_LOCK, H_ALLOC_POISON)) return; // the block is lost: a leak, never a double use
  // Marked FREE under the lock: a merge pass must never see a free block that is on no list.
  push(block, k);
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
