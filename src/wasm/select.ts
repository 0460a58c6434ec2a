// select: Go's select statement over channels of one heap, run by the core's selectgo.
//
// JS lays the cases out in the heap's scratch area — CASE_SIZE records, then the core's poll/lock
// order words, then one 8-aligned elem area per case — and makes one core call. If the select parks,
// a SelectWaiter is remembered under each case's sudog in that case's channel; whichever channel's
// core call completes one case hands that sudog back, and settling runs Go's pass 3 (selectdone)
// right then, so the losing cases are gone before any other JS runs.
// The waiter holds every case's channel: a parked select keeps all its channels alive together,
// so none of them is reclaimed while another could still complete it.
import { type Chan, Channel, Later, NONE, Parked, fire } from "./chan.js";
import { blockForever, capture, captured } from "../api/promises.js";
import { Rng, pollOrder } from "../abi/pollorder.js";
import { abortReason, deathError, isAborted, offAbort, onAbort, sendOnClosed, signalOf, useOfDisposed } from "../api/errors.js";
import { ParkedOp, callerStack, diag, now } from "../api/diagnostics.js";
import type { Heap } from "./heap.js";
import {
  CASE_SIZE, SELECT_ORDER_WORDS, DIR_RECV, DIR_SEND, K_C, K_DIR, K_ELEM, R_BLOCK, R_CLOSED, R_DISPOSED, R_HANDOFF, R_NOMEM, R_PARKED, R_POISONED, R_TIMEOUT,
  S_CASE, S_LINK, C_CLOSED, C_QCOUNT, C_RECVQ, C_SENDQ, T_RAND,
} from "../abi/layout.js";

/** A receive case, built by `recv(ch)`. */
export interface RecvCase<T = unknown> {
  readonly dir: typeof DIR_RECV;
  readonly ch: Chan<T> | null;
}

/** A send case, built by `send(ch, v)`. */
export interface SendCase<T = unknown> {
  readonly dir: typeof DIR_SEND;
  readonly ch: Chan<T> | null;
  readonly value: T;
}

/** Every case is one of these (one shape, so the loops below stay monomorphic; only `recv` and
 *  `send` make them, so select can trust what it is given). */
class Case {
  constructor(readonly dir: typeof DIR_RECV | typeof DIR_SEND, readonly ch: Channel<any> | null, readonly value: unknown,
    /** The value as `ch.prepare` returned it when the case was built: what select stores, with no
     *  user code (a getter, a toJSON) left to run. */
    readonly p: unknown) {}
}

export type SelectCase = RecvCase<any> | SendCase<any>;

/** What `select` resolves to: the case that ran (-1 for default), and for a receive what `recvOk` gives. */
export interface SelectResult<T = unknown> {
  index: number;
  value: T;
  ok: boolean;
}

export interface SelectOptions {
  signal?: AbortSignal;
  /** Go's `default:` — resolve with index -1 at once when no case is ready. */
  default?: boolean;
}

function channelOf(ch: unknown, what: string): Channel<any> | null {
  if (ch === null || ch === undefined) return null;
  if (!(ch instanceof Channel)) throw new TypeError(`wasmchan: ${what}(ch): ch must be a channel, null or undefined`);
  return ch;
}

/** A receive case for `select`; a null/undefined channel is a nil case, never ready. */
export function recv<T>(ch: Chan<T> | null | undefined): RecvCase<T> {
  return new Case(DIR_RECV, channelOf(ch, "recv"), undefined, undefined) as RecvCase<T>;
}

/** A send case for `select`. Throws TypeError/RangeError now if `v` does not fit the channel's codec. */
export function send<T>(ch: Chan<T> | null | undefined, v: T): SendCase<T> {
  const c = channelOf(ch, "send");
  return new Case(DIR_SEND, c, v, c === null ? undefined : c.prepare(v)) as SendCase<T>;
}

/**
 * Go's `select`: waits until one of `cases` can run, runs exactly that one, and resolves with its
 * index. Among ready cases one is chosen uniformly at random. With `{ default: true }` it resolves
 * with index -1 at once if none is ready. A send case on a closed channel rejects with
 * ChannelError("send on closed channel"). All channels must belong to the same heap.
 */
export function select(list: readonly SelectCase[], opts?: SelectOptions): Promise<SelectResult<any>> {
  // What the caller gave is read once, before any channel memory is touched: the array (its length
  // and each element, which getters or a Proxy could change from read to read) and the options.
  if (!Array.isArray(list)) throw new TypeError("wasmchan: select(cases): cases must be an array");
  const n = list.length;
  const cases = new Array<Case>(n);
  for (let i = 0; i < n; i++) cases[i] = list[i] as Case;
  const signal = signalOf(opts);
  const dflt = opts?.default === true;
  let heap: Heap | undefined;
  let elemBytes = 0;
  let sends = false;
  for (let i = 0; i < n; i++) {
    const k = cases[i];
    if (!(k instanceof Case)) {
      throw new TypeError(`wasmchan: select case ${i} is not a case: build cases with recv(ch) or send(ch, v)`);
    }
    const ch = k.ch;
    if (ch === null) continue;
    ch.live();
    if (k.dir === DIR_SEND) sends = true;
    if (heap === undefined) heap = ch.heap;
    else if (ch.heap !== heap) throw new TypeError("wasmchan: select cases must all use channels of the same heap");
    elemBytes += (ch.elemSize + 7) & ~7;
  }
  if (heap === undefined) {
    // No channel at all: Go's select {} blocks forever; with default it takes the default.
    if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
    return dflt ? Promise.resolve({ index: -1, value: undefined, ok: false }) : blockForever(signal);
  }
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  if (!heap.shared) {
    const r = selectBuffered(heap, cases);
    if (r !== undefined) return Promise.resolve(r);
  }

  // Lay out the cases; the elem areas follow the cases and the core's order words.
  const orders = 4 * SELECT_ORDER_WORDS * n;
  const base = heap.scratch(n * CASE_SIZE + orders + elemBytes);
  // Elem addresses, in a reused array: everything below that reads it runs before select returns.
  if (elemsBuf.length < n) elemsBuf = new Array(n * 2).fill(0);
  const elems = elemsBuf;
  let at = (base + n * CASE_SIZE + orders + 7) & ~7;
  const u32 = heap.views.u32;
  for (let i = 0; i < n; i++) {
    const k = cases[i];
    const r = (base + i * CASE_SIZE) >>> 2;
    const ch = k.ch;
    if (ch === null) {
      u32[r + (K_C >>> 2)] = 0;
      elems[i] = 0;
      continue;
    }
    u32[r + (K_C >>> 2)] = ch.c;
    u32[r + (K_DIR >>> 2)] = k.dir;
    u32[r + (K_ELEM >>> 2)] = at;
    elems[i] = at;
    at += (ch.elemSize + 7) & ~7;
  }
  // Values last: writing an untyped value takes a handle, which every exit below must give back.
  if (sends) {
    for (let i = 0; i < n; i++) {
      const k = cases[i];
      if (k.dir === DIR_SEND && k.ch !== null) k.ch.store(elems[i], k.p);
    }
  }

  const r = heap.core.selectgo(heap.t, base, n, dflt ? 0 : 1);
  if (r === R_PARKED) {
    heap.sync(); // parking allocated sudogs: the memory may have grown
    // The sudogs hold copies of the sent values; keep their handles to forget the ones that lose.
    const held: number[] = new Array(n).fill(0);
    if (sends) for (let i = 0; i < n; i++) if (elems[i] !== 0 && cases[i].dir === DIR_SEND) held[i] = cases[i].ch!.heldAt(elems[i]);
    return park(heap, cases, held, heap.out(), signal);
  }
  if (r === R_BLOCK) {
    if (sends) dropValues(cases, elems, -1);
    return Promise.resolve({ index: -1, value: undefined, ok: false });
  }
  if (r === R_NOMEM || r === R_DISPOSED || r === R_POISONED || r === R_TIMEOUT) {
    if (sends) dropValues(cases, elems, -1);
    throw r === R_NOMEM ? heap.noMemory() : r === R_DISPOSED ? useOfDisposed() : deathError(r);
  }
  const index = heap.index();
  const k = cases[index];
  const ch = k.ch!;
  if (k.dir === DIR_SEND) {
    if (r === R_CLOSED) {
      if (sends) dropValues(cases, elems, -1);
      return Promise.reject(sendOnClosed());
    }
    if (sends) dropValues(cases, elems, index);
    if (r === R_HANDOFF) wake(ch, heap.out());
    return Promise.resolve({ index, value: undefined, ok: true });
  }
  // Read our value before waking anyone: settling a woken select reuses the scratch area.
  const value = ch.take(elems[index]);
  const out = r === R_HANDOFF ? heap.out() : 0;
  if (sends) dropValues(cases, elems, -1);
  if (out !== 0) ch.deliver(out);
  return Promise.resolve({ index, value, ok: r !== R_CLOSED });
}

let elemsBuf: number[] = new Array(16).fill(0);

// ---- the buffered fast path, in JS, for unshared memory
//
// When every case is a buffered channel with nothing queued on its other side and not closed, and at
// least one of them is ready, the core's pass 1 would just take the first ready case in poll order
// through its buffer. Then this does the same here — the same poll order, from the same random state
// (T_RAND), and the channels' own buffered fast paths — without laying the cases out for a core call.
// Anything else goes to the core.

const rng: Rng = { x: 0 };
let order = new Int32Array(16);

function selectBuffered(heap: Heap, cases: readonly Case[]): SelectResult<any> | undefined {
  const u32 = heap.views.u32;
  let ready = false;
  for (let i = 0; i < cases.length; i++) {
    const k = cases[i];
    const ch = k.ch;
    if (ch === null) continue;
    if (!ch.fast) return undefined;
    const h = ch.c >>> 2;
    if (u32[h + (C_CLOSED >>> 2)] !== 0) return undefined;
    const q = u32[h + (C_QCOUNT >>> 2)];
    if (k.dir === DIR_RECV) {
      if (u32[h + (C_SENDQ >>> 2)] !== 0) return undefined;
      if (q > 0) ready = true;
    } else {
      if (u32[h + (C_RECVQ >>> 2)] !== 0) return undefined;
      if (q < ch.cap) ready = true;
    }
  }
  if (!ready) return undefined;
  if (order.length < cases.length) order = new Int32Array(cases.length * 2);
  const seed = (heap.t + T_RAND) >>> 2;
  rng.x = u32[seed];
  const norder = pollOrder(cases, order, rng);
  u32[seed] = rng.x;
  for (let i = 0; i < norder; i++) {
    const index = order[i];
    const k = cases[index];
    const ch = k.ch!;
    if (k.dir === DIR_RECV) {
      const value = ch.bufrecv(ch.c);
      if (value !== NONE) return { index, value, ok: true };
    } else if (ch.bufsend(ch.c, k.p)) {
      return { index, value: undefined, ok: true };
    }
  }
  throw new Error("wasmchan: select fast path found no ready case"); // unreachable: one was ready
}

/** Forgets the values written for the send cases, but the one at `except` (a send that went). */
function dropValues(cases: readonly Case[], elems: number[], except: number): void {
  for (let i = 0; i < cases.length; i++) {
    const k = cases[i];
    if (i !== except && k.dir === DIR_SEND && k.ch !== null) k.ch.drop(elems[i]);
  }
}

function wake(ch: Channel<any>, sg: number): void {
  if (sg !== 0) ch.deliver(sg);
}

function park(heap: Heap, cases: readonly Case[], held: number[], g: number,
  signal: AbortSignal | undefined): Promise<SelectResult<any>> {
  const p = new Promise<SelectResult<any>>(capture);
  const w = new SelectWaiter(heap, cases, held, g, captured.resolve, captured.reject, signal);
  w.register();
  if (signal !== undefined) onAbort(signal, w);
  if (heap.shared) heap.waitAsync(g, () => w.done, () => w.settle());
  return p;
}

/** A parked select of this thread: remembered under each of its sudogs, in each case's channel. */
class SelectWaiter implements Parked {
  /** When it parked and where it was called: recorded only while diagnostics are on. */
  private readonly session = diag.on ? diag.session : 0;
  private readonly since = diag.on ? now() : 0;
  private readonly stack = diag.on ? callerStack() : undefined;

  describe(t: number): ParkedOp | null {
    if (this.session !== diag.session || !diag.on) return null;
    const channels = this.cases.filter((k) => k.ch !== null).map((k) => k.ch!.info());
    return { op: "select", channels, parkedMs: t - this.since, stack: this.stack };
  }

  /** sudog of each case (0 for nil cases). */
  private readonly sgs: number[];
  /** Settled or withdrawn. */
  done = false;

  constructor(
    private readonly heap: Heap,
    private readonly cases: readonly Case[],
    /** Handles of untyped send values (0 otherwise), to forget those not sent. */
    private readonly held: number[],
    private readonly g: number,
    private readonly resolve: (r: SelectResult<any>) => void,
    private readonly reject: (e: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.sgs = new Array(cases.length).fill(0);
    const u32 = heap.views.u32;
    for (let sg = g; sg !== 0; sg = u32[(sg + S_LINK) >>> 2]) this.sgs[u32[(sg + S_CASE) >>> 2]] = sg;
  }

  register(): void {
    for (let i = 0; i < this.cases.length; i++) {
      if (this.sgs[i] !== 0) this.cases[i].ch!.remember(this.sgs[i], this);
    }
  }

  private unregister(): void {
    this.done = true;
    if (this.heap.shared) this.heap.wakeOwn(this.g); // ends our own waitAsync, if a local waker got here first
    for (let i = 0; i < this.cases.length; i++) {
      if (this.sgs[i] !== 0) this.cases[i].ch!.forget(this.sgs[i], this);
    }
    if (this.signal !== undefined) offAbort(this.signal, this);
  }

  /** Some core call completed one of our cases (or closed its channel) and handed us its sudog. */
  settle(_ch?: Channel<any>, _sg?: number, later: Later | null = null): void {
    this.unregister();
    const heap = this.heap;
    let size = 0;
    for (const k of this.cases) if (k.ch !== null) size = Math.max(size, k.ch.elemSize);
    const ep = heap.scratch(size);
    const index = heap.core.selectdone(heap.t, this.g, ep);
    const ok = heap.out() === 1;
    const k = this.cases[index];
    const ch = k.ch!;
    // The value of every send case that did not go is still ours to forget; its copy was in a sudog.
    for (let i = 0; i < this.cases.length; i++) {
      const c = this.cases[i];
      if (c.dir === DIR_SEND && c.ch !== null && (i !== index || !ok)) c.ch.unhold(this.held[i]);
    }
    if (k.dir === DIR_SEND) {
      if (ok) fire(this.resolve, { index, value: undefined, ok: true }, later);
      else fire(this.reject, sendOnClosed(), later);
      return;
    }
    fire(this.resolve, { index, value: ch.take(ep), ok }, later);
  }

  /** The signal aborted while parked. */
  handleEvent(): void {
    if (this.done) return;
    if (this.heap.core.selectcancel(this.g) === 0) return; // another thread's waker won first
    this.withdrawn(abortReason(this.signal!));
  }

  checkDead(): void {
    if (this.done) return;
    const dead = this.heap.core.parkdead(this.g);
    if (dead === 0) return;
    // A poisoned case: withdraw the select (unless a live waker won it meanwhile: then it completes).
    // Its waker died: it stays claimed for ever, its sudogs are lost.
    if (dead === 1 && this.heap.core.selectcancel(this.g) === 0) return;
    this.withdrawn(deathError(dead));
  }

  private withdrawn(why: unknown): void {
    this.unregister();
    for (let i = 0; i < this.cases.length; i++) {
      const c = this.cases[i];
      if (c.dir === DIR_SEND && c.ch !== null) c.ch.unhold(this.held[i]);
    }
    this.reject(why);
  }
}
