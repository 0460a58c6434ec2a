// heap: one instance of the Wasm core over one linear memory, as seen from this thread.
//
// The local heap (unshared memory) serves every channel of this thread that is not shared; a
// SharedHeap (shared.ts) is the same core over a SharedArrayBuffer-backed memory. Each JS realm that
// uses a memory gets its own instance and its own thread context `t` (id, out-words) and scratch
// area `ep` where values are encoded before a core call.
import type { Views } from "../api/codecs.js";
import type { HeapStats } from "./stats.js";
import { localWasm } from "../generated/wasm.js";
import { deathError, outOfMemory } from "../api/errors.js";
import { canBlock, keepAlive, platformThreadId } from "../platform.js";
import {
  G_CANCELLED, G_READY, H_BUMP, H_CHANNELS, H_DEATHS, H_GROW_EPOCH, H_IN_USE, H_MAX_PAGES, H_PARKED_RECV, H_PARKED_SEND, H_POOL_LEN,
  MEMORY_BASE, S_STATE, T_FAIL, T_INDEX, T_OUT, T_SCRATCH,
} from "../abi/layout.js";

/** The core's exports (assembly/index.ts). Addresses are numbers; results are R_* codes. */
export interface Core {
  heapInit(uid: number, maxPages: number): void;
  threadNew(node: number): number;
  threadFree(t: number): void;
  /** Reaps the dead platform thread `node` (id + 1): 1 reaped, 0 unknown here, -1 try again later. */
  reap(t: number, node: number): number;
  /** 0, or why the parked op whose g is `g` can never complete: 1 a channel is poisoned, 2 its waker died. */
  parkdead(g: number): number;
  /** A block for this thread's scratch area (on shared memory it owns its cache lines), or 0. */
  allocLines(size: number): number;
  freeLines(ptr: number): void;
  makechan(t: number, elemsize: number, size: number, codec: number): number;
  chansend(t: number, c: number, ep: number, block: number): number;
  chanrecv(t: number, c: number, ep: number, block: number): number;
  chansendn(t: number, c: number, ep: number, n: number): number;
  chanrecvn(t: number, c: number, ep: number, n: number): number;
  closechan(t: number, c: number): number;
  /** Values in the ring: a count it held at some instant during the call. */
  chanlen(c: number): number;
  cancel(sg: number): number;
  releaseSudog(sg: number): void;
  freechan(c: number): void;
  chandispose(t: number, c: number): number;
  chanshare(c: number): void;
  chanattach(t: number, c: number, id: number, codec: number): number;
  chanrelease(t: number, c: number): number;
  selectgo(t: number, cases: number, ncases: number, block: number): number;
  selectdone(t: number, g: number, ep: number): number;
  selectcancel(g: number): number;
  selectseed(t: number, seed: number): void;
}

/** Every export of the core, by name: the ABI test checks the compiled module against it, and the
 *  type below fails to compile if Core declares a function this list misses. */
export const CORE_FUNCTIONS = [
  "heapInit", "threadNew", "threadFree", "reap", "parkdead", "allocLines", "freeLines", "makechan", "chansend", "chanrecv", "chansendn", "chanrecvn",
  "closechan", "chanlen", "cancel", "releaseSudog", "freechan", "chandispose", "chanshare", "chanattach", "chanrelease",
  "selectgo", "selectdone", "selectcancel", "selectseed",
] as const satisfies readonly (keyof Core)[];
const everyCoreFunctionListed: Exclude<keyof Core, (typeof CORE_FUNCTIONS)[number]> extends never ? true : never = true;
void everyCoreFunctionListed;

const PAGE = 65536;
/** Pages of the local heap's memory at most (4 GiB). */
export const LOCAL_MAX_PAGES = 65536;

/** Polls of a parked g's state before a blocking wait. */
const SPIN = 2000;
/** A blocked thread checks this often whether a thread's death stranded its operation. */
const DEATH_CHECK_MS = 100;
/** What `block` returns once its deadline passed (the parkdead codes are 1 and 2). */
export const TIMED_OUT = -1;

function randomU32(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}

export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class Heap {
  /** The most bytes the memory can grow to (its maximum). */
  readonly maxBytes: number;
  /** Current views; replaced (never mutated) when the memory grows. */
  views: Views;
  /** This thread's context in the core. */
  readonly t: number;
  /** The SharedHeap wrapping this heap, if it is shared (kept alive with it). */
  owner: object | undefined = undefined;
  /** Told the scratch area's address whenever it moves (a finalizer frees it). */
  onScratch: ((ep: number) => void) | undefined = undefined;
  /** Scratch area for one value (8-aligned) and its size. */
  ep = 0;
  private epSize = 0;
  private buffer: ArrayBufferLike;

  constructor(readonly core: Core, readonly memory: WebAssembly.Memory, readonly shared: boolean,
    readonly module: WebAssembly.Module, maxPages: number) {
    core.heapInit(randomU32() || 1, maxPages);
    this.buffer = memory.buffer;
    this.views = this.makeViews();
    this.maxBytes = this.views.u32[H_MAX_PAGES >>> 2] * PAGE;
    const t = core.threadNew(platformThreadId);
    if (t === 0) throw outOfMemory();
    this.t = t;
    core.selectseed(t, randomU32());
    this.sync();
  }

  private makeViews(): Views {
    const b = this.buffer;
    return {
      shared: this.shared,
      u8: new Uint8Array(b), i32: new Int32Array(b), u32: new Uint32Array(b),
      f64: new Float64Array(b), i64: new BigInt64Array(b),
    };
  }

  /** Rebuilds the views if the memory grew. Call after any core call that may have allocated. */
  sync(): void {
    // The core bumps H_GROW_EPOCH on every grow. A stale view still reads it: a shared one keeps its
    // old length, and a detached one reads undefined, which never equals the epoch.
    if (this.views.u32[H_GROW_EPOCH >>> 2] !== this.epoch) {
      this.buffer = this.memory.buffer;
      this.views = this.makeViews();
      this.epoch = this.views.u32[H_GROW_EPOCH >>> 2];
    }
  }

  /** H_GROW_EPOCH when the views were made. */
  private epoch = -1;

  /** The scratch area, grown to at least `size` bytes. */
  scratch(size: number): number {
    if (size > this.epSize) {
      const n = Math.max(size, 64, this.epSize * 2);
      const ep = this.core.allocLines(n);
      if (ep === 0) throw this.noMemory();
      this.sync();
      // Recorded before the old one goes, so a reaper of this thread frees the one it holds, once.
      this.views.u32[(this.t + T_SCRATCH) >>> 2] = ep;
      if (this.ep !== 0) this.core.freeLines(this.ep);
      this.ep = ep;
      this.epSize = n;
      this.onScratch?.(ep);
    }
    return this.ep;
  }

  /** The error for a core call that ran out of memory: or that could not take the allocator's lock
   *  (a thread died holding it), as the core left at T_FAIL. */
  noMemory(): Error {
    const idx = (this.t + T_FAIL) >>> 2;
    const why = this.views.u32[idx];
    this.views.u32[idx] = 0;
    return why === 0 ? outOfMemory(this.maxBytes, this.views.u32[H_IN_USE >>> 2], this.shared) : deathError(why);
  }

  /** The case index the core left at T_INDEX by the last selectgo. */
  index(): number {
    return this.views.u32[(this.t + T_INDEX) >>> 2];
  }

  /** The address the core left at T_OUT by the last call. */
  out(): number {
    return this.views.u32[(this.t + T_OUT) >>> 2];
  }

  // ---- this thread's Chan object of each shared channel it holds (one per channel, so that every
  // op of this thread on a channel meets the same `waiters`)

  private readonly chans = new Map<number, WeakRef<object>>();

  rememberChan(c: number, ch: object): void {
    this.chans.set(c, new WeakRef(ch));
  }

  forgetChan(c: number): void {
    this.chans.delete(c);
  }

  /** The thread is ending: drop its reference to every shared channel it still holds. */
  releaseThread(): void {
    for (const ref of this.chans.values()) (ref.deref() as { detach(): void } | undefined)?.detach();
    this.chans.clear();
    if (this.ep !== 0) this.core.freeLines(this.ep);
    this.core.threadFree(this.t);
    this.ep = 0;
  }

  /** This thread's live Chan object for shared channel `c`, if any. */
  chanAt(c: number): object | undefined {
    return this.chans.get(c)?.deref();
  }

  // ---- parking on shared memory: another thread completes our parked op and notifies its g

  private asyncWaits = 0;
  private release: (() => void) | undefined; // keepAlive's, while async waits are pending

  /** Holds Node's event loop open while async waits are pending: a pending Atomics.waitAsync
   *  does not, and a process whose only work is a parked receive must not exit. */
  private holdOpen(delta: number): void {
    this.asyncWaits += delta;
    if (this.asyncWaits > 0 && this.release === undefined) {
      this.release = keepAlive();
      this.watchDeaths();
    } else if (this.asyncWaits === 0 && this.release !== undefined) {
      this.release();
      this.release = undefined;
    }
  }

  /**
   * Waits (without blocking) until the parked g `g` is G_READY, then calls `onReady` — unless
   * `settled()` says this thread settled it already (a waker on this thread settles synchronously
   * and then notifies, which ends this wait). A withdrawn (G_CANCELLED) g ends the wait silently.
   */
  waitAsync(g: number, settled: () => boolean, onReady: () => void): void {
    const idx = (g + S_STATE) >>> 2;
    // A partner on another core often completes us within a few microseconds: spin briefly first,
    // since an async wake-up costs a trip through both event loops (and the OS scheduler).
    const i32 = this.views.i32;
    for (let spin = 0; spin < SPIN; spin++) {
      if (Atomics.load(i32, idx) === G_READY) {
        if (!settled()) onReady();
        return;
      }
    }
    this.holdOpen(1);
    const step = (): void => {
      if (settled()) return this.holdOpen(-1);
      const i32 = this.views.i32;
      const st = Atomics.load(i32, idx);
      if (st === G_READY) {
        this.holdOpen(-1);
        return onReady();
      }
      if (st === G_CANCELLED) return this.holdOpen(-1);
      const r = Atomics.waitAsync(i32, idx, st);
      if (r.async) r.value.then(step);
      else step();
    };
    step();
  }

  // ---- deaths: a thread that dies may strand an operation parked here (its channel poisoned, or the
  // value on its way to us lost with it). While this thread has async waits, one waitAsync on H_DEATHS
  // learns of every death, and each parked operation checks itself.

  private watchingDeaths = false;

  private watchDeaths(): void {
    if (this.watchingDeaths) return;
    this.watchingDeaths = true;
    const idx = H_DEATHS >>> 2;
    const seen = Atomics.load(this.views.i32, idx);
    const r = Atomics.waitAsync(this.views.i32, idx, seen);
    const next = (): void => {
      this.watchingDeaths = false;
      if (Atomics.load(this.views.i32, idx) !== seen) this.checkDeaths();
      if (this.asyncWaits > 0) this.watchDeaths();
    };
    if (r.async) r.value.then(next);
    else queueMicrotask(next);
  }

  /** Every parked operation of this thread on this heap checks whether a death stranded it. */
  checkDeaths(): void {
    for (const ref of [...this.chans.values()]) (ref.deref() as { checkDeaths(): void } | undefined)?.checkDeaths();
  }

  /** Ends this thread's own pending waitAsync on `g` after settling it here. */
  wakeOwn(g: number): void {
    Atomics.notify(this.views.i32, (g + S_STATE) >>> 2);
  }

  /** Blocks this thread (Atomics.wait) until the parked g `g` is G_READY, and returns 0; or returns
   *  the parkdead code once a thread's death means it can never be, or TIMED_OUT once performance.now()
   *  passed `until` (the caller withdraws it, unless a waker claimed it meanwhile). */
  block(g: number, until = Infinity): number {
    const i32 = this.views.i32;
    const idx = (g + S_STATE) >>> 2;
    // A partner on another core often completes us within a microsecond or two: spin briefly before
    // paying for a futex sleep and wake-up (tens of microseconds).
    for (let spin = 0; spin < SPIN; spin++) if (Atomics.load(i32, idx) === G_READY) return 0;
    for (let st = Atomics.load(i32, idx); st !== G_READY; st = Atomics.load(i32, idx)) {
      let ms = DEATH_CHECK_MS;
      if (until !== Infinity) {
        const left = until - performance.now();
        if (left <= 0) return TIMED_OUT;
        if (left < ms) ms = left;
      }
      if (Atomics.wait(i32, idx, st, ms) === "timed-out") {
        const dead = this.core.parkdead(g);
        if (dead !== 0) return dead;
      }
    }
    return 0;
  }

  stats(): HeapStats {
    const u32 = this.views.u32;
    return {
      channels: u32[H_CHANNELS >>> 2],
      parkedSenders: u32[H_PARKED_SEND >>> 2],
      parkedReceivers: u32[H_PARKED_RECV >>> 2],
      bytesInUse: u32[H_IN_USE >>> 2],
      bytesReserved: u32[H_BUMP >>> 2] - MEMORY_BASE,
      pooledSudogs: u32[H_POOL_LEN >>> 2],
    };
  }
}


/** A word to sleep on (nobody notifies it): the core's lock backs off with `pause`. */
const nap = typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
function pause(): void {
  if (nap === undefined || !canBlock) return;
  Atomics.wait(nap, 0, 0, 0.05);
}

/** What the core imports: its memory, a clock for how long a lock stays held, and a short sleep. */
function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory, now: () => performance.now(), pause } };
}

/** Instantiates the core from its bytes against `memory`. */
export async function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Core> {
  const instance = await WebAssembly.instantiate(module, imports(memory));
  return instance.exports as unknown as Core;
}

let local: Heap | undefined;

/** The heap of this thread's local channels: unshared memory, so it works in any page or worker. Made
 *  on first use and compiled synchronously (the core is 14 kB: engines compile that on a page's main
 *  thread too — Chromium refuses only modules over 8 MB), so importing wasmchan neither compiles
 *  anything nor awaits (no top-level await: `require("wasmchan")` works), and a worker that imports it
 *  does not miss the messages posted to it at start. */
export function localHeap(): Heap {
  if (local !== undefined) return local;
  const bytes = decodeBase64(localWasm);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: LOCAL_MAX_PAGES });
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    throw new Error(`wasmchan: this engine refused to compile the channel core synchronously (${(e as Error).message}); use wasmchan/pure here`, { cause: e });
  }
  const core = new WebAssembly.Instance(module, imports(memory)).exports as unknown as Core;
  return (local = new Heap(core, memory, false, module, LOCAL_MAX_PAGES));
}
