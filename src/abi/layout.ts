// Memory layout of the channel core, shared by the AssemblyScript core (assembly/) and the TypeScript
// bindings (src/). This one file is compiled by both compilers, so every offset and code is defined
// once; it must stay plain constants (no types, no functions) so that both can read it.
//
// All addresses are byte addresses in the core's linear memory. Address 0 is never a valid object.

// ---- Heap header: fixed addresses below MEMORY_BASE, so state lives in memory, not in Wasm globals
// (globals and data segments are per instance; a shared memory has many instances).
export const HEADER = 64;
export const H_MAGIC = 64; //         "wchn" once the heap is initialised
export const H_INIT = 68; //          0 untouched, 1 initialising, 2 ready
export const H_ALLOC_LOCK = 72; //    guards the allocator fields below
export const H_BUMP = 76; //          next never-used address
export const H_IN_USE = 80; //        bytes handed out by alloc and not freed (block sizes)
export const H_CHANNELS = 84; //      live channels
export const H_PARKED_SEND = 88; //   sudogs in some sendq
export const H_PARKED_RECV = 92; //   sudogs in some recvq
export const H_POOL = 96; //          free list of default-size sudogs
export const H_POOL_LEN = 100; //     its length (bounded by SUDOG_POOL_MAX)
export const H_NEXT_ID = 104; //      counter for channel and thread ids
export const H_MAX_PAGES = 108; //   the memory's maximum size in 64 KiB pages, given at creation
export const H_UID = 112; //          random id of this heap, given at creation (attach finds heaps by it)
export const H_DIR = 116; //          shared heaps: the channel directory, an array of u32 entries (see directory.ts)
export const H_DIR_CAP = 120; //      its length in entries
export const H_DIR_FREE = 124; //     its free list: 1 + the first free entry's index, 0 if none
export const H_FREE = 128; //         NCLASSES free-list heads, one u32 per size class
export const NCLASSES = 128;
export const H_DIR_LOCK = 640; //     guards the directory (H_FREE + 4 * NCLASSES = 640)
// A hash of this file, written by heapInit: a heap made by a build with another layout is refused.
export const H_LAYOUT = 644;
// Threads and their deaths (shared heaps; see assembly/reap.ts). Under H_DIR_LOCK: the list of live
// thread contexts linked through T_NEXT. H_DEATHS counts reaped threads: every thread with parked
// operations watches it (Atomics.waitAsync / timed waits) and checks them when it changes.
export const H_THREADS = 648;
export const H_DEATHS = 652;
export const H_NEXT_TID = 656; //      counter for thread ids (T_ID), from 1
export const H_ALLOC_POISON = 660; //  1 once a thread died inside the allocator's free-block merge
export const H_COALESCING = 664; //    1 while the allocator merges free blocks (under H_ALLOC_LOCK)
export const H_FRESH = 668; //         no address at or above it was ever handed out: memory there is still zero
// Bumped on every memory.grow, so JS knows to rebuild views. Every thread reads it after each core call
// that may allocate: it has a cache line of its own, away from the counters every park and wake write.
export const H_GROW_EPOCH = 960;
export const MEMORY_BASE = 1024; //   H_FREE + 4 * NCLASSES <= 960
export const HEAP_MAGIC = 0x6e686377; // "wchn"
// Limits of the allocator, whose addresses are u32: the largest block payload alloc hands out, and the
// largest ring a channel may have (its header and the cache-line padding of allocLines come on top).
export const MAX_BLOCK = 0x7fff0000;
export const MAX_RING_BYTES = 0x7ffe0000;

// ---- hchan: one block holding the header and, after it, the ring buffer (assembly/ring.ts).
export const C_LOCK = 0; //       lock word: 0 free, else the holder's thread id (T_ID)
export const C_DATAQSIZ = 4; //   ring capacity (the channel's cap)
export const C_BUF = 8; //        address of slot 0
export const C_ELEMSIZE = 12; //  bytes per value
export const C_CLOSED = 16; //    0 open, 1 closed
export const C_STRIDE = 20; //    bytes per ring slot: the value, and on shared memory its stamp before it
export const C_RECVQ = 24; //     waitq of parked receivers (first, last)
export const C_SENDQ = 32; //     waitq of parked senders (first, last)
export const C_REFS = 40; //      references held by threads (shared channels)
export const C_ID = 44; //        stable id for diagnostics
export const C_SLOT = 48; //      shared heaps: this channel's entry in the directory of live channels
export const C_DISPOSED = 52; //  1 once disposed: every later op fails; CHAN_POISONED once poisoned
export const CHAN_POISONED = 2; // C_DISPOSED value: a thread died holding C_LOCK, which stays held for ever
export const C_SHARES = 56; //    descriptors from share() not yet attached; each holds one of C_REFS
export const C_CODEC = 60; //     a hash of the codec's name (0: untyped), checked by attach
// The ring's two positions, each a u64: the slot index (low u32), then the lap and the P_* flags (high
// u32). C_HEAD is the next value to receive, the tail the next slot to fill. On shared memory each has
// a cache line of its own (the header's first line is read-mostly), so a sender and a receiver that
// both find the ring neither full nor empty never write the same line but the slot's.
export const C_HEAD = 64;
export const C_TAIL = 72; //      unshared memory
export const HCHAN_SIZE = 80; //  unshared memory; a multiple of 8: the ring that follows is 8-aligned
export const C_TAIL_SHARED = 128;
export const HCHAN_SHARED_SIZE = 192; // shared memory: three cache lines (header, head, tail)
// High word of a position.
export const P_HOLD = 0x80000000; //   set in both positions while a sudog is queued or a lock holder examines
//                                    the ring: the lock-free paths refuse, and take the lock
export const P_CLOSED = 0x40000000; // set in both by close: no send gets in any more, receives drain
export const P_LAP = 0x3fffffff; //    the lap count, wrapping
// A shared ring's slot is a u32 stamp then the value: RING_SMALL_SLOT bytes for values of up to 4 bytes
// (the value at offset 4), else RING_STAMP_PAD + the value's size (the value 8-aligned at offset 8).
export const RING_SMALL_SLOT = 8;
export const RING_STAMP_PAD = 8;

// ---- waitq: two words inside hchan.
export const Q_FIRST = 0;
export const Q_LAST = 4;

// ---- sudog: one parked operation on one channel (Go's sudog). The "g" of a sudog is the sudog
// whose state word the parked thread waits on: itself for a single op, the first case's for a select.
export const S_NEXT = 0; //      next in its waitq
export const S_PREV = 4; //      previous in its waitq
export const S_C = 8; //         the channel
export const S_G = 12; //        the sudog holding the park state (G_*)
export const S_STATE = 16; //    park state, meaningful on a g only
export const S_PARAM = 20; //    on a g: the sudog that completed it (Go's g.param)
export const S_FLAGS = 24; //    F_* bits
export const S_OWNER = 28; //    thread id of the parked thread
export const S_CASE = 32; //     select case index, -1 for a single op
export const S_LINK = 36; //     next case sudog of the same select, in lock order
export const S_WAKE = 40; //     next in closechan's list of sudogs it woke
export const S_TOKEN = 44; //    the owner's slot for it in its channel's table of parked ops (set by JS)
export const S_ELEM = 48; //     elem area (8-aligned): the channel's elemsize, at least SUDOG_INLINE bytes
export const SUDOG_INLINE = 8; //  elem bytes of a pooled sudog: a 64-byte block with its header
export const SUDOG_POOL_MAX = 4096;

export const F_SELECT = 1; //    part of a select: wakers must claim its g with compare-and-swap
export const F_SUCCESS = 2; //   woken by a real communication (not by close)
export const F_QUEUED = 4; //    currently linked in a waitq
export const F_SEND = 8; //      a send (in sendq), else a receive (in recvq)

// Park states of a g. Only WAITING -> CLAIMED -> READY and WAITING -> CANCELLED happen;
// the compare-and-swap out of WAITING is the single point where a parked op's fate is decided.
// A claimed g holds its claimer's thread id, (T_ID << 2) | G_CLAIMED, so a waiter can tell that the
// thread moving its value died (any odd state above G_CANCELLED is a claim).
export const G_WAITING = 0;
export const G_CLAIMED = 1; //   a waker won it and is moving the value (low bits of the claim)
export const G_READY = 2; //     the value is moved: the parked thread may read S_ELEM and release
export const G_CANCELLED = 3; // the parked thread withdrew it (abort)

// ---- thread context: one per JS realm attached to a heap.
export const T_ID = 0; //        thread id (owner of its sudogs, holder of the locks it takes), from H_NEXT_TID
export const T_OUT = 4; //       sudog result of the last call (woken, parked or list head)
export const T_INDEX = 8; //     select: chosen case index
export const T_RAND = 12; //     xorshift32 state of this thread's select poll order (never 0)
export const T_NODE = 16; //     the platform's id of the thread + 1 (Node's threadId + 1), 0 if unknown
export const T_NEXT = 20; //     next in the heap's list of live threads (H_THREADS)
export const T_SCRATCH = 24; //  the thread's scratch block (from allocLines, set by JS), freed if it dies
export const T_REFS = 28; //     array of the channels it holds references to (0 entries are empty)
export const T_NREFS = 32; //    entries used in it
export const T_REFCAP = 36; //   its length
export const T_FAIL = 40; //     why the last allocation failed: R_NOMEM, R_POISONED or R_TIMEOUT
export const T_SIZE = 48;

// ---- select case records, written by JS at the cases address.
export const K_C = 0; //         channel, 0 for a nil case
export const K_DIR = 4; //       DIR_SEND or DIR_RECV
export const K_ELEM = 8; //      address of the value to send / where to receive
export const CASE_SIZE = 12;
// After the ncases case records, the core uses SELECT_ORDER_WORDS * ncases u32 words of scratch
// (poll order, lock order, poll position of each case).
export const SELECT_ORDER_WORDS = 3;
export const DIR_RECV = 1;
export const DIR_SEND = 2;

// ---- how chansend/chanrecv may wait (their `block` argument).
export const BLOCK_NO = 0; //    never: R_BLOCK instead
export const BLOCK_PARK = 1; //  park if it must, after a brief spin (the Promise forms: the thread runs on)
export const BLOCK_SYNC = 2; //  the thread may sleep: spin, then nap a while (the partner's wake-up takes
//                               tens of microseconds), and only then park (the sync forms)

// ---- result codes of the core's operations.
export const R_BLOCK = 0; //     would block (non-blocking call): nothing happened
export const R_DONE = 1; //      completed through the buffer
export const R_HANDOFF = 2; //   completed with a parked partner, whose sudog is at T_OUT (wake it)
export const R_PARKED = 3; //    parked: the new sudog is at T_OUT
export const R_CLOSED = 4; //    send: channel closed (panic); recv: closed and empty (zero, ok=false)
export const R_NOMEM = 5; //     out of memory
export const R_CLOSED_TWICE = 6; // close of closed channel
export const R_DISPOSED = 7; //  the channel was disposed
export const R_POISONED = 8; //  the channel is poisoned: a thread died holding its lock (nothing happened)
export const R_TIMEOUT = 9; //   a lock stayed held past LOCK_TIMEOUT_MS (nothing happened)
// How long a lock may stay held before an operation gives up with R_TIMEOUT. Critical sections last
// microseconds; only a thread that died holding one (and is not yet reaped) or one stopped in a debugger
// holds a lock this long.
export const LOCK_TIMEOUT_MS = 400;

// ---- results of chanattach.
export const A_OK = 1; //        attached: this thread holds a reference
export const A_NONE = 0; //      no live channel with that address and id (freed, forged or stale)
export const A_CODEC = -1; //    a live channel, but of another codec
export const A_DISPOSED = -2; // a live channel that was disposed (the caller got a reference to drop)
export const A_BUSY = -3; //     the directory stayed locked, or no memory for the record (reason at T_FAIL)

// ---- why chansendn/chanrecvn stopped (at T_INDEX after the call; they return how many moved).
export const B_OPEN = 0; //      all n moved, or the next would block
export const B_CLOSED = 1; //    the channel is closed (send: panic; recv: closed and drained)
export const B_DISPOSED = 2; //  the channel was disposed
export const B_POISONED = 3; //  the channel is poisoned (nothing moved)
export const B_TIMEOUT = 4; //   its lock stayed held past LOCK_TIMEOUT_MS (nothing moved)
