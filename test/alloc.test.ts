// The allocator merges free neighbours (assembly/alloc.ts): a heap whose channels were all dropped serves
// one channel as large as its free memory allows, and a merge pass never disturbs live channels, parked
// operations or the accounting (bytesInUse stays exact, bytesReserved comes back down).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as wasm from "wasmchan";
import { inWorker, rng, shuffle } from "./util";
// @ts-expect-error: an internal module of the build, no published types
import {
  H_BUMP, H_IN_USE, HCHAN_SHARED_SIZE, HCHAN_SIZE, MEMORY_BASE, RING_SMALL_SLOT, RING_STAMP_PAD, S_ELEM, SUDOG_INLINE,
} from "../dist/abi/layout.js";

const { SharedHeap, codecs } = wasm;
type Chan<T> = wasm.Chan<T>;
const MiB = 1 << 20;
const LINE = 64;

// ---- the allocator's arithmetic, restated from assembly/alloc.ts

/** The block alloc hands out for a payload of `n` bytes, its 8-byte header included: multiples of 16
 *  up to 512, then four steps per doubling. */
function blockFor(n: number): number {
  const size = n + 8;
  if (size <= 512) return Math.ceil(size / 16) * 16;
  const step = 2 ** (31 - Math.clz32(size - 1) - 2);
  return Math.ceil(size / step) * step;
}

/** The largest block size that fits in `bytes`. */
function largestBlockIn(bytes: number): number {
  if (bytes <= 512) return Math.floor(bytes / 16) * 16;
  const step = 2 ** (31 - Math.clz32(bytes) - 2);
  return Math.floor(bytes / step) * step;
}

/** Bytes per ring slot of `size`-byte values: on shared memory a stamp comes first (assembly/ring.ts). */
function strideOf(size: number, shared: boolean): number {
  return !shared ? size : size <= 4 ? RING_SMALL_SLOT : size + RING_STAMP_PAD;
}

/** The block of a channel of `cap` values of `size` bytes: on shared memory its header is three lines,
 *  and it starts on a cache line and owns whole lines (allocLines). */
function chanBlock(cap: number, size: number, shared: boolean): number {
  const ring = cap * strideOf(size, shared);
  return shared ? blockFor(Math.ceil((HCHAN_SHARED_SIZE + ring) / LINE) * LINE + LINE) : blockFor(HCHAN_SIZE + ring);
}

/** The largest capacity of 1-byte values a channel in a block of `block` bytes can have. */
function capFor(block: number, shared: boolean): number {
  const ring = shared ? Math.floor((block - 8 - LINE) / LINE) * LINE - HCHAN_SHARED_SIZE : block - 8 - HCHAN_SIZE;
  const cap = Math.floor(ring / strideOf(1, shared));
  expect(chanBlock(cap, 1, shared)).toBe(block);
  expect(chanBlock(cap + 1, 1, shared)).toBeGreaterThan(block);
  return cap;
}

/** A shared heap's first channel directory (64 entries, assembly/directory.ts), which the heap holds
 *  while it has channels. */
const DIR_BLOCK = blockFor(64 * 4);
/** The first array of a thread's references (16 entries, assembly/thread.ts), made with its first channel. */
const REFS_BLOCK = blockFor(16 * 4);
const SUDOG_BLOCK = blockFor(S_ELEM + SUDOG_INLINE);

const isOom = (e: unknown) => e instanceof RangeError && /out of channel memory/.test(e.message);

/** Channels from `make` until the heap is out of memory (each failure has run a merge pass). */
function fillUp<T>(make: (i: number) => Chan<T>): Chan<T>[] {
  const out: Chan<T>[] = [];
  for (;;) {
    try {
      out.push(make(out.length));
    } catch (e) {
      if (!isOom(e)) throw e;
      return out;
    }
  }
}

/** Small channels of several codecs and capacities, each with a value in its buffer when it has one. */
const kinds: { cap: number; codec: wasm.Codec<any>; value: (i: number) => unknown }[] = [
  { cap: 0, codec: codecs.i32, value: (i) => i },
  { cap: 1, codec: codecs.i32, value: (i) => -i },
  { cap: 4, codec: codecs.f64, value: (i) => i / 4 },
  { cap: 2, codec: codecs.bytes(16), value: (i) => new Uint8Array(i % 17).fill(i & 0xff) },
  { cap: 3, codec: codecs.string(8), value: (i) => `s${i % 1000}` },
  { cap: 8, codec: codecs.bool, value: (i) => i % 3 === 0 },
  { cap: 16, codec: codecs.u32, value: (i) => i * 7 },
  { cap: 5, codec: codecs.i64, value: (i) => BigInt(i) << 33n },
];

function fillMixed(heap: wasm.SharedHeap): Chan<unknown>[] {
  return fillUp((i) => {
    const { cap, codec, value } = kinds[i % kinds.length];
    const ch = heap.chan<unknown>(cap, codec);
    if (cap > 0) expect(ch.trySend(value(i))).toBe(true);
    return ch;
  });
}

/** Every value `fillMixed` left in `chans` is still there, and a few more flow through each. */
function checkMixed(chans: Chan<unknown>[], indices: number[]): void {
  chans.forEach((ch, j) => {
    const i = indices[j];
    const { cap, value } = kinds[i % kinds.length];
    if (cap === 0) return;
    expect(ch.tryRecv()).toEqual({ value: value(i), ok: true });
    for (const k of [i + 1, i + 2]) {
      expect(ch.trySend(value(k))).toBe(true);
      expect(ch.tryRecv()).toEqual({ value: value(k), ok: true });
    }
    expect(ch.trySend(value(i))).toBe(true); // as found
  });
}

/** A new 1 MiB shared heap that holds this thread's context and scratch area (made by a first send). */
async function newHeap(): Promise<wasm.SharedHeap> {
  const heap = await SharedHeap.create({ maxBytes: MiB });
  const w = heap.chan(1, codecs.bytes(16));
  w.trySend(new Uint8Array(16));
  w.dispose();
  return heap;
}

describe("shared heap: an emptied heap serves a channel of any size that fits", () => {
  it("1 MiB filled with small channels of 8 codecs, all disposed, then one channel as large as the free memory allows", async () => {
    const heap = await newHeap();
    const { bytesInUse: base, bytesReserved: held } = heap.stats();
    // All the memory minus what the heap holds for itself: this thread's blocks and a new directory.
    const largest = largestBlockIn(MiB - MEMORY_BASE - held - DIR_BLOCK);
    const rand = rng(7);
    for (const cap of [30_000, capFor(largest, true), 100_000, capFor(largest, true)]) {
      const chans = fillMixed(heap);
      expect(chans.length).toBeGreaterThan(2000);
      const full = heap.stats();
      for (const ch of shuffle([...chans], rand)) ch.dispose();
      expect(heap.stats().bytesInUse).toBe(base);
      expect(heap.stats().channels).toBe(0);
      const big = heap.chan(cap, codecs.bool);
      const s = heap.stats();
      expect(s.bytesInUse).toBe(base + chanBlock(cap, 1, true));
      if (cap !== 30_000 && cap !== 100_000) {
        // Only a merge can serve the largest: the run of free blocks at the end went back to the bump
        // pointer. (A smaller one may be split from a large free block, such as this thread's grown
        // list of references, with the bump pointer left where it was.)
        expect(s.bytesReserved).toBeLessThan(full.bytesReserved);
        expect(s.bytesReserved).toBeLessThanOrEqual(held + chanBlock(cap, 1, true) + DIR_BLOCK + REFS_BLOCK);
      }
      for (let k = 0; k < 3; k++) expect(big.trySend(k === 1)).toBe(true);
      expect([big.tryRecv(), big.tryRecv(), big.tryRecv()].map((r) => r!.value)).toEqual([false, true, false]);
      big.dispose();
      expect(heap.stats().bytesInUse).toBe(base);
    }
    // The next size class does not fit in 1 MiB at all.
    expect(() => heap.chan(capFor(largest, true) + 1, codecs.bool)).toThrow(/out of channel memory/);
    expect(heap.stats().bytesInUse).toBe(base);
  });
});

describe("shared heap: interleaved frees, then neighbours merge", () => {
  it("every other channel freed serves nothing larger; freeing their neighbours does, in place; survivors keep their values", async () => {
    const heap = await newHeap();
    const base = heap.stats().bytesInUse;
    const B = chanBlock(4, 4, true);
    const chans = fillUp((i) => {
      const ch = heap.chan<number>(4, codecs.i32);
      ch.trySend(i + 1);
      ch.trySend(-i - 1);
      return ch;
    });
    const value = new Map(chans.map((ch, i) => [ch, i]));
    expect(heap.stats().bytesInUse).toBe(base + chans.length * B);
    const byAddr = [...chans].sort((a, b) => a.c - b.c);
    const freed = new Set(byAddr.filter((_, j) => j % 2 === 1));
    for (const ch of freed) ch.dispose();
    let live = byAddr.filter((ch) => !freed.has(ch));
    expect(heap.stats().bytesInUse).toBe(base + live.length * B);
    // After fillUp no run of free memory reaches B bytes; a freed block has live channels on both sides,
    // so no run reaches 3B now (well below 2048) and the probe fails, leaving everything as it was.
    const probe = capFor(2048, true);
    expect(() => heap.chan(probe, codecs.bool)).toThrow(/out of channel memory/);
    expect(heap.stats().bytesInUse).toBe(base + live.length * B);
    // Eleven neighbours in memory (no other block fits between them): free the six still alive.
    const j = byAddr.findIndex((ch, j) => j % 2 === 0 && j >= 2 && j + 12 < byAddr.length && byAddr[j + 10].c - ch.c <= 10 * B + LINE);
    expect(j).toBeGreaterThanOrEqual(0);
    const window = byAddr.slice(j, j + 11);
    for (const ch of window.filter((ch) => !freed.has(ch))) ch.dispose();
    live = live.filter((ch) => !window.includes(ch));
    // Now the probe fits, and only there: between the live channels on either side of the window.
    const big = heap.chan<boolean>(probe, codecs.bool);
    expect(big.c).toBeGreaterThan(byAddr[j - 2].c);
    expect(big.c + HCHAN_SHARED_SIZE + probe * strideOf(1, true)).toBeLessThan(byAddr[j + 12].c);
    expect(heap.stats().bytesInUse).toBe(base + live.length * B + 2048);
    // Every survivor still holds its two values, and more flow through it.
    for (const ch of live) {
      const i = value.get(ch)!;
      expect([ch.tryRecv(), ch.tryRecv(), ch.tryRecv()]).toEqual([{ value: i + 1, ok: true }, { value: -i - 1, ok: true }, undefined]);
      for (let k = 0; k < 4; k++) expect(ch.trySend(i * 10 + k)).toBe(true);
      for (let k = 0; k < 4; k++) expect(ch.tryRecv()).toEqual({ value: i * 10 + k, ok: true });
    }
    expect(big.trySend(true)).toBe(true);
    expect(big.tryRecv()).toEqual({ value: true, ok: true });
    for (const ch of [...live, big]) ch.dispose();
    expect(heap.stats().bytesInUse).toBe(base);
  });

  it("channels of mixed codecs that survive many passes keep their values", async () => {
    const heap = await newHeap();
    const base = heap.stats().bytesInUse;
    const rand = rng(11);
    const chans = fillMixed(heap);
    let live = chans.map((ch, i) => [ch, i] as const);
    for (let round = 0; round < 4; round++) {
      // Drop a random third, then fill the heap again with larger channels, merging what was freed.
      const drop = new Set(shuffle([...live], rand).slice(0, Math.floor(live.length / 3)));
      for (const [ch] of drop) ch.dispose();
      live = live.filter((x) => !drop.has(x));
      const fillers = fillUp(() => heap.chan(200 + round * 300, codecs.bool));
      checkMixed(live.map(([ch]) => ch), live.map(([, i]) => i));
      for (const ch of fillers) ch.dispose();
    }
    for (const [ch] of live) ch.dispose();
    expect(heap.stats().bytesInUse).toBe(base);
    expect(heap.stats().channels).toBe(0);
  });
});

describe("shared heap: the sudog pool is drained by a pass and refills", () => {
  it("parked receivers woken, a pass, parked receivers across a pass: values and counts exact", async () => {
    const heap = await newHeap();
    const u = heap.chan<number>(0, codecs.i32);
    const base = heap.stats().bytesInUse;
    const parkAndWake = async (n: number, from: number) => {
      const ps = Array.from({ length: n }, () => u.recv());
      expect(heap.stats().parkedReceivers).toBe(n);
      expect(heap.stats().bytesInUse).toBe(base + n * SUDOG_BLOCK);
      for (let i = 0; i < n; i++) expect(u.trySend(from + i)).toBe(true);
      expect(await Promise.all(ps)).toEqual(Array.from({ length: n }, (_, i) => from + i));
    };
    await parkAndWake(500, 0);
    expect(heap.stats().pooledSudogs).toBe(500);
    expect(heap.stats().bytesInUse).toBe(base);

    // 100 stay parked while the heap fills up: the pass drains the pool (its memory is reused) and
    // leaves the parked ones alone.
    const parked = Array.from({ length: 100 }, () => u.recv());
    const fillers = fillUp(() => heap.chan(3, codecs.f64));
    const s = heap.stats();
    expect(s.pooledSudogs).toBe(0);
    expect(s.parkedReceivers).toBe(100);
    expect(s.bytesInUse).toBe(base + 100 * SUDOG_BLOCK + fillers.length * chanBlock(3, 8, true));
    for (let i = 0; i < 100; i++) expect(u.trySend(1000 + i)).toBe(true);
    expect(await Promise.all(parked)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(heap.stats().pooledSudogs).toBe(100);
    for (const ch of fillers) ch.dispose();
    expect(heap.stats().bytesInUse).toBe(base);

    // Refilled: reused and fresh sudogs alike carry values.
    await parkAndWake(700, 5000);
    expect(heap.stats().pooledSudogs).toBe(700);
    expect(heap.stats().bytesInUse).toBe(base);
    // And once more drained, with nothing parked.
    const again = fillUp(() => heap.chan(1, codecs.i64));
    expect(heap.stats().pooledSudogs).toBe(0);
    for (const ch of again) ch.dispose();
    await parkAndWake(50, 9000);
    expect(heap.stats()).toMatchObject({ bytesInUse: base, pooledSudogs: 50, parkedReceivers: 0, channels: 1 });
  });
});

describe("shared heap: passes while other threads allocate and free", () => {
  it("three workers churn channels of random sizes near full; every value intact, bytesInUse back to base", async () => {
    const heap = await newHeap();
    const { bytesInUse: base, bytesReserved: held } = heap.stats();
    const anchor = heap.chan(1, codecs.i32);
    const body = `
      const anchor = await lib.attach(workerData.desc);
      const heap = anchor.heap.owner; // this thread's SharedHeap of the anchor's memory
      return churn(heap, lib.codecs, workerData.seed);
      ${churn.toString()}
      ${rngSource}`;
    const results = (await Promise.all([1, 2, 3].map((seed) => inWorker(body, { desc: anchor.share(), seed })))) as
      { made: number; failed: number }[];
    for (const r of results) expect(r.made).toBeGreaterThan(0);
    expect(results.some((r) => r.failed > 0)).toBe(true); // the heap did run out, so passes ran
    anchor.dispose();
    expect(heap.stats()).toMatchObject({ bytesInUse: base, channels: 0 });
    // Emptied by three threads, it still serves the largest channel.
    const cap = capFor(largestBlockIn(MiB - MEMORY_BASE - held - DIR_BLOCK), true);
    heap.chan(cap, codecs.bool).dispose();
    expect(heap.stats().bytesInUse).toBe(base);
  }, 60_000);
});

/** util.ts's rng (mulberry32) as source, for the workers. */
const rngSource = `function rngOf(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}`;

/** Keeps up to 300 channels of random sizes (one thread alone fills much of the 1 MiB heap, so together
 *  they run out), each holding values that name it; checks and drops random ones. Runs in workers, so it
 *  uses only its arguments (and rngOf, defined next to it there). */
function churn(heap: wasm.SharedHeap, codecs: typeof wasm.codecs, seed: number): { made: number; failed: number } {
  const rand = rngOf(seed);
  const held: { ch: Chan<number>; id: number; cap: number }[] = [];
  let made = 0;
  let failed = 0;
  const check = (h: (typeof held)[number]) => {
    for (let k = 0; k < h.cap; k++) {
      const r = h.ch.tryRecv();
      if (r?.value !== h.id * 2048 + k) throw new Error(`channel ${h.id}: slot ${k} holds ${r?.value}`);
    }
  };
  for (let step = 0; step < 6000; step++) {
    if (held.length < 300 && rand() < 0.55) {
      const cap = 1 + Math.floor(rand() ** 3 * 2000);
      try {
        const ch = heap.chan(cap, codecs.i32);
        const h = { ch, id: seed * 10_000 + made++, cap };
        for (let k = 0; k < cap; k++) ch.trySend(h.id * 2048 + k);
        held.push(h);
      } catch (e) {
        if (!/out of channel memory/.test((e as Error).message)) throw e;
        failed++;
      }
    } else if (held.length > 0) {
      const h = held.splice(Math.floor(rand() * held.length), 1)[0];
      check(h);
      h.ch.dispose();
    }
  }
  for (const h of held) {
    check(h);
    h.ch.dispose();
  }
  return { made, failed };
}

declare function rngOf(seed: number): () => number; // rngSource, in the worker

describe.each(["local", "shared"])("the %s build of the core, driven through its exports on a 1 MiB memory", (flavour) => {
  const shared = flavour === "shared";
  it("an emptied heap serves one channel as large as its free memory allows, again and again", () => {
    const module = new WebAssembly.Module(readFileSync(new URL(`../build/core.${flavour}.wasm`, import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const core = new WebAssembly.Instance(module, { env: { memory, now: () => performance.now(), pause: () => {} } }).exports as any;
    core.heapInit(1, 16);
    const t = core.threadNew(0);
    expect(t).not.toBe(0);
    const word = (at: number) => new Uint32Array(memory.buffer)[at >>> 2];
    const base = word(H_IN_USE);
    const held = word(H_BUMP) - MEMORY_BASE;
    const largest = largestBlockIn(MiB - MEMORY_BASE - held - (shared ? DIR_BLOCK : 0));
    const rand = rng(5);
    for (const big of [capFor(largest, shared), 1 << 16, capFor(largest, shared)]) {
      const cs: number[] = [];
      let blocks = 0;
      for (let i = 0; ; i++) {
        const [elemsize, cap] = [[1, 3], [4, 0], [4, 9], [8, 2], [16, 5], [8, 30]][i % 6];
        const c = core.makechan(t, elemsize, cap, 0);
        if (c === 0) break;
        cs.push(c);
        blocks += chanBlock(cap, elemsize, shared);
      }
      expect(cs.length).toBeGreaterThan(2000);
      expect(word(H_IN_USE)).toBe(base + blocks);
      for (const c of shuffle(cs, rand)) core.chanrelease(t, c); // the thread's last reference: freed
      expect(word(H_IN_USE)).toBe(base);
      const c = core.makechan(t, 1, big, 0);
      expect(c).not.toBe(0);
      expect(word(H_IN_USE)).toBe(base + chanBlock(big, 1, shared));
      expect(word(H_BUMP) - MEMORY_BASE).toBeLessThanOrEqual(held + chanBlock(big, 1, shared) + (shared ? DIR_BLOCK + REFS_BLOCK : 0));
      core.chanrelease(t, c);
    }
  });
});
