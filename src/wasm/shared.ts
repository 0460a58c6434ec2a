// shared: channels in a WebAssembly memory shared by threads (Node worker_threads, Web Workers).
//
// A SharedHeap is one shared memory with the core's shared build instantiated once per thread that
// uses it; all core state (allocator, channels, sudogs) lives in that memory, so every thread's
// instance sees the same channels. `ch.share()` gives a descriptor (the Memory, the compiled Module and
// the channel's address and id) that `attach()` turns back into a Chan in another thread. Descriptors
// come from other threads, so attach checks everything before trusting an address.
import type { Chan, ChanDescriptor } from "../api/chan.js";
import { WasmChan } from "./chan.js";
import { DESCRIPTOR_VERSION, makeChan } from "./lifetime.js";
import { Codec, codecFromName, isCodec } from "../api/codecs.js";
import { describe } from "../api/errors.js";
import { Heap, decodeBase64, instantiate } from "./heap.js";
import { onThreadExit, onWorkerExit, sharedMemoryMissing } from "../platform.js";
import type { HeapStats } from "./stats.js";
import {
  A_BUSY, A_CODEC, A_DISPOSED, A_NONE, C_DATAQSIZ, C_ELEMSIZE, H_INIT, H_LAYOUT, H_MAGIC, H_UID, HCHAN_SIZE, HEAP_MAGIC,
  MEMORY_BASE,
} from "../abi/layout.js";
import { LAYOUT_HASH } from "../generated/layout-hash.js";

const PAGE = 65536;

/** This thread's heaps by uid: one Heap per memory per thread, whichever way it arrived. */
// Held weakly: a heap this thread no longer reaches (no SharedHeap, no Chan of it: each Chan holds
// its Heap, which holds its SharedHeap) goes, and gives its thread context back to the memory.
const heaps = new Map<number, WeakRef<SharedHeap>>();
const forgetHeap = new FinalizationRegistry<{ uid: number; release: () => void }>(({ uid, release }) => {
  if (heaps.get(uid)?.deref() === undefined) heaps.delete(uid);
  release();
});

function remember(heap: SharedHeap, uid: number): void {
  heaps.set(uid, new WeakRef(heap));
  const { core, t } = heap.heap;
  const inner = heap.heap;
  const scratch = { ep: 0 };
  inner.onScratch = (ep) => { scratch.ep = ep; };
  forgetHeap.register(heap, { uid, release: () => { if (scratch.ep !== 0) core.freeLines(scratch.ep); core.threadFree(t); } });
}

// A Node thread that ends runs no finalizers: give back its references to shared channels (and its
// thread contexts) as it exits, so a worker that never disposes does not pin them. Browsers have no
// such hook: dispose() channels in a Web Worker before it is terminated.
onThreadExit(() => {
  for (const ref of heaps.values()) ref.deref()?.heap.releaseThread();
});

// A terminated thread runs nothing at all. In Node (and Bun, Deno), the thread that created a worker
// sees its "exit" event: it then reaps the dead thread in every heap it knows (assembly/thread.ts), so
// that no lock, parked operation or reference of the dead thread strands the others. Workers must be
// created after wasmchan is imported ("worker" fires only for later ones); heaps this thread never
// touched are reaped by no one (see the README, "Threads that die").
onWorkerExit((node) => {
  for (const ref of heaps.values()) {
    const heap = ref.deref();
    if (heap !== undefined) reapIn(heap.heap, node, 0);
  }
});

function reapIn(heap: Heap, node: number, tries: number): void {
  const r = heap.core.reap(heap.t, node);
  heap.sync();
  if (r === 1) heap.checkDeaths(); // this thread's own parked ops, at once (its watch would too, later)
  else if (r === -1 && tries < 100) setTimeout(() => reapIn(heap, node, tries + 1), 10);
}

let sharedModule: Promise<WebAssembly.Module> | undefined;
function compileShared(): Promise<WebAssembly.Module> {
  sharedModule ??= import("../generated/wasm.js").then(({ sharedWasm }) => WebAssembly.compile(decodeBase64(sharedWasm)));
  return sharedModule;
}

/** A heap of channels in memory shared across threads. */
export class SharedHeap {
  /** @internal */
  readonly heap: Heap;

  private constructor(heap: Heap) {
    this.heap = heap;
    heap.owner = this; // kept alive by every Chan of this heap, through its Heap
  }

  /**
   * A new shared heap of at most `maxBytes` (default 64 MiB) of channel memory. Fails with an Error
   * that says why where threads cannot share memory (a browser page without COOP/COEP headers).
   */
  static async create(opts: { maxBytes?: number } = {}): Promise<SharedHeap> {
    const why = sharedMemoryMissing();
    if (why !== undefined) throw new Error(`wasmchan: SharedHeap.create: ${why}`);
    const maxBytes = opts.maxBytes ?? 64 << 20;
    if (typeof maxBytes !== "number" || !Number.isSafeInteger(maxBytes) || maxBytes < 2 * PAGE || maxBytes > 4 * 2 ** 30 - PAGE) {
      throw new RangeError(`wasmchan: SharedHeap.create: maxBytes must be an integer from 131072 to 4 GiB - 64 KiB, got ${describe(maxBytes)}`);
    }
    const module = await compileShared();
    const maximum = Math.floor(maxBytes / PAGE);
    const memory = new WebAssembly.Memory({ initial: Math.min(16, maximum), maximum, shared: true });
    const heap = new SharedHeap(new Heap(await instantiate(module, memory), memory, true, module, maximum));
    remember(heap, heap.uid);
    return heap;
  }

  /** @internal This thread's SharedHeap for a memory another thread shared. */
  static async of(memory: WebAssembly.Memory, module: WebAssembly.Module): Promise<SharedHeap> {
    const u32 = new Uint32Array(memory.buffer, 0, MEMORY_BASE / 4);
    if (u32[H_MAGIC >>> 2] !== HEAP_MAGIC || Atomics.load(u32, H_INIT >>> 2) !== 2) {
      throw new TypeError("wasmchan: attach: the descriptor's memory is not a wasmchan heap");
    }
    if (u32[H_LAYOUT >>> 2] !== LAYOUT_HASH >>> 0) {
      throw new TypeError("wasmchan: attach: the descriptor's heap was made by a build of wasmchan with another memory layout; every thread must load the same wasmchan");
    }
    const uid = u32[H_UID >>> 2];
    const known = heaps.get(uid)?.deref();
    if (known !== undefined) return known;
    const heap = new SharedHeap(new Heap(await instantiate(module, memory), memory, true, module, 0)); // initialised: maxPages is in the header
    // Two attaches may race through the await above; keep the first.
    const again = heaps.get(uid)?.deref();
    if (again !== undefined) return again;
    remember(heap, uid);
    return heap;
  }

  private get uid(): number {
    return this.heap.views.u32[H_UID >>> 2];
  }

  /** A channel in this heap's shared memory. A codec is required: values are stored as bytes that
   *  every thread can read. */
  chan<T>(cap: number, codec: Codec<T>, opts?: { name?: string }): Chan<T> {
    if (!isCodec(codec)) {
      throw new TypeError("wasmchan: a shared channel needs a codec (codecs.i32, codecs.f64, codecs.bytes(n), ...): JS values cannot cross threads by reference");
    }
    return makeChan<T>(this.heap, cap, codec, opts?.name);
  }

  /** Counters of this heap, across all threads. */
  stats(): HeapStats {
    return this.heap.stats();
  }
}

// util.inspect / console.log: the heap's size and use, not its runtime fields.
Object.defineProperty(SharedHeap.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: SharedHeap): string {
    const st = this.stats();
    return `SharedHeap { maxBytes: ${this.heap.maxBytes}, bytesInUse: ${st.bytesInUse}, channels: ${st.channels} }`;
  },
});

function invalid(why: string): TypeError {
  return new TypeError(`wasmchan: attach: not a valid channel descriptor (${why})`);
}

/**
 * The channel a descriptor from `ch.share()` stands for, in this thread: same memory, no copying.
 * Throws TypeError for anything that is not a live descriptor of a wasmchan shared channel.
 */
export async function attach<T = unknown>(desc: ChanDescriptor): Promise<Chan<T>> {
  if (desc === null || typeof desc !== "object" || desc.wasmchan !== DESCRIPTOR_VERSION) {
    throw invalid("it did not come from ch.share()");
  }
  const { memory, module, c, id, cap } = desc;
  if (!(memory instanceof WebAssembly.Memory) || !((memory.buffer as ArrayBufferLike) instanceof SharedArrayBuffer)) {
    throw invalid("no shared memory");
  }
  if (!(module instanceof WebAssembly.Module)) throw invalid("no module");
  const codec = codecFromName(desc.codec);
  if (codec === undefined) throw invalid(`unknown codec ${describe(desc.codec)}`);
  const size = (memory.buffer as ArrayBufferLike).byteLength;
  if (typeof c !== "number" || typeof id !== "number" || !Number.isSafeInteger(c) || c < MEMORY_BASE || c % 8 !== 0 || c + HCHAN_SIZE > size) throw invalid("address out of range");
  const heap = await SharedHeap.of(memory, module);
  heap.heap.sync();
  const core = heap.heap.core;
  // The core decides, under its directory lock: a live channel of this heap (not bytes that look like
  // one), with this id and this codec.
  const r = core.chanattach(heap.heap.t, c, id >>> 0, codec.tag);
  if (r === A_BUSY) throw heap.heap.noMemory();
  if (r === A_NONE) throw invalid("no such channel in that heap: freed (every thread had dropped it), or a forged address");
  if (r === A_CODEC) throw invalid(`the channel does not carry ${codec.name} values`);
  if (r === A_DISPOSED) {
    core.chanrelease(heap.heap.t, c);
    throw invalid("the channel was disposed");
  }
  const u32 = heap.heap.views.u32;
  if (u32[(c + C_ELEMSIZE) >>> 2] !== codec.size || u32[(c + C_DATAQSIZ) >>> 2] !== cap) {
    core.chanrelease(heap.heap.t, c);
    throw invalid("its codec or capacity does not match the channel");
  }
  const mine = heap.heap.chanAt(c) as Chan<T> | undefined;
  if (mine !== undefined) {
    // This thread has the channel already: one Chan object per channel per thread, one reference.
    core.chanrelease(heap.heap.t, c);
    return mine;
  }
  return new WasmChan<T>(heap.heap, cap, codec as Codec<T>, c);
}
